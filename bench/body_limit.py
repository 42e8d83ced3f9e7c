"""Does one client's 30 MB upload delay another client's "hi"? (issue 14, D3)

Starts our action server and Rasa server as `make run` does (fresh SQLite store, free
loopback ports), then:

1. trials (the issue's criterion): client A (another process) posts one 30 MB JSON body
   at full loopback speed while B sends "hi" to the REST webhook one after another until
   A has its answer; then as many "hi"s alone; alternately, so that the machine's changing
   load hits both alike. Reports B's latencies during and without uploads, and the
   difference (p50, p95, max);
2. a flood (stress, `--flood-seconds 0` skips it): A posts 30 MB bodies back to back
   while B says "hi" every 100 ms.

Also what A got back (status, how much of its body it could send before the answer).
`--max-body-bytes` sets MAX_BODY_BYTES for the run: `--max-body-bytes 104857600` (Sanic's
default 100 MB) shows what happens without our limit.

    .venv/bin/python -m bench.body_limit [--trials 30] [--max-body-bytes 16384]

Not part of `make test` or `make bench` (a minute); results in results/bench/body_limit.json.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from bench.common import RESULTS, loadavg, machine, percentile, write_json
from bench.load import Servers, start_ours

UPLOAD_BYTES = 30 * 1024 * 1024
CHUNK = 256 * 1024


def hi(url: str, sender: str) -> float:
    """Seconds until B's "hi" is answered."""
    body = json.dumps({"sender": sender, "message": "hi"}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as reply:
        reply.read()
    return time.perf_counter() - started


def upload(url: str) -> tuple[int | None, int, float]:
    """A's 30 MB POST: (status or None, bytes the server took, seconds)."""
    parts = urlsplit(url)
    head = (
        f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {UPLOAD_BYTES}\r\n\r\n"
    ).encode()
    started = time.perf_counter()
    sent = 0
    status = None
    # A valid JSON message of exactly UPLOAD_BYTES: without a limit it is read, parsed and
    # cleaned before the length check refuses it (what the probe measured).
    opening, closing = b'{"sender": "uploader", "message": "', b'"}'
    body_left = UPLOAD_BYTES - len(opening) - len(closing)
    with socket.create_connection((parts.hostname, parts.port), timeout=120) as sock:
        filler = b"x" * CHUNK
        try:
            sock.sendall(head + opening)
            sent = len(opening)
            while body_left > 0:
                piece = filler[: min(CHUNK, body_left)]
                sock.sendall(piece)
                body_left -= len(piece)
                sent += len(piece)
            sock.sendall(closing)
            sent += len(closing)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed: what we wanted
        try:
            answer = sock.recv(4096)
            if answer.startswith(b"HTTP/"):
                status = int(answer.split(b" ", 2)[1])
        except OSError:
            pass
    return status, min(sent, UPLOAD_BYTES), time.perf_counter() - started


def _uploader(url: str, connection) -> None:
    """In its own process, started once: on each "go", say "started" and upload."""
    while connection.recv() == "go":
        connection.send("started")
        connection.send(upload(url))


def paired_trials(url: str, trials: int) -> tuple[list[float], list[float], list]:
    """B's "hi"s sent one after another for as long as one 30 MB upload from another
    process lasts (at least one), then as many alone; alternately, so that the machine's
    changing load hits both the same. The uploading process is started once, before the
    trials: no fork inside a measurement."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()
    process = context.Process(target=_uploader, args=(url, theirs), daemon=True)
    process.start()
    alone, during, uploads = [], [], []
    try:
        for trial in range(trials):
            ours.send("go")
            assert ours.recv() == "started"
            count = 0
            while count == 0 or not ours.poll():
                during.append(hi(url, f"bench-hi-upload-{trial}"))
                count += 1
            uploads.append(ours.recv())
            time.sleep(0.05)
            for _ in range(count):
                alone.append(hi(url, f"bench-hi-alone-{trial}"))
            time.sleep(0.05)
    finally:
        ours.send("stop")
        process.join(30)
    return alone, during, uploads


def flood(url: str, seconds: float) -> tuple[list[float], list]:
    """Stress: uploads back to back from another process while B says "hi" every 100 ms."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    stop, out = context.Event(), context.Queue()

    def uploader() -> None:
        while not stop.is_set():
            out.put(upload(url))

    process = context.Process(target=uploader)
    process.start()
    time.sleep(0.2)
    latencies = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        latencies.append(hi(url, "bench-hi-flood"))
        time.sleep(0.1)
    stop.set()
    uploads = []
    while process.is_alive() or not out.empty():
        try:
            uploads.append(out.get(timeout=1))
        except Exception:  # noqa: BLE001 - queue empty once the uploader has stopped
            if not process.is_alive():
                break
    process.join(60)
    return latencies, uploads


def summary(latencies: list[float]) -> dict[str, float]:
    ms = [value * 1000 for value in latencies]
    return {
        "n": len(ms),
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "max_ms": round(max(ms), 1),
    }


def upload_summary(uploads: list) -> dict:
    if not uploads:
        return {"count": 0}
    return {
        "count": len(uploads),
        "statuses": sorted({str(status) for status, _, _ in uploads}),
        "median_bytes_sent": int(statistics.median(b for _, b, _ in uploads)),
        "median_seconds": round(statistics.median(s for _, _, s in uploads), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--flood-seconds", type=float, default=10.0)
    parser.add_argument("--max-body-bytes", type=int, default=None)
    args = parser.parse_args(argv)

    work = RESULTS / "body_limit"
    work.mkdir(parents=True, exist_ok=True)
    servers = Servers(work / "logs")
    extra = {} if args.max_body_bytes is None else {"MAX_BODY_BYTES": str(args.max_body_bytes)}
    load_before = loadavg()
    try:
        ours = start_ours(servers, work, **extra)
        url = ours.webhook
        for _ in range(5):  # warm up (model loaded, first-turn paths)
            hi(url, "bench-warmup")
        alone, during, uploads = paired_trials(url, args.trials)
        flooded, flood_uploads = flood(url, args.flood_seconds) if args.flood_seconds else ([], [])
    finally:
        servers.stop()

    alone_s, during_s = summary(alone), summary(during)
    result = {
        "max_body_bytes": args.max_body_bytes or "default (bot.settings MAX_BODY_BYTES)",
        "one_upload_per_trial": {
            "trials": args.trials,
            "hi_alone": alone_s,
            "hi_during_one_30mb_upload": during_s,
            "added_ms_p50": round(during_s["p50_ms"] - alone_s["p50_ms"], 1),
            "added_ms_p95": round(during_s["p95_ms"] - alone_s["p95_ms"], 1),
            "added_ms_max": round(during_s["max_ms"] - alone_s["max_ms"], 1),
            "uploads": upload_summary(uploads),
        },
        "flood": {"hi": summary(flooded) if flooded else None,
                  "uploads": upload_summary(flood_uploads)},
        "loadavg_before_after": [load_before, loadavg()],
        "machine": machine(),
    }
    name = "body_limit.json" if args.max_body_bytes is None else "body_limit_unlimited.json"
    write_json(Path(RESULTS) / name, result)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
