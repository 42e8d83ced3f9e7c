"""Does one client's 30 MB upload delay another client's "hi"? (issue 14, D3)

Starts our action server and Rasa server as `make run` does (fresh SQLite store, free
loopback ports), then:

1. paired trials (the issue's criterion): B's "hi" to the REST webhook alone, then again
   while client A (another process) starts posting a 30 MB JSON body at full loopback
   speed; alternately, so that the machine's changing load hits both alike. Reports B's
   latencies and the delay added per pair (median, p90, max);
2. a flood (stress): A posts 30 MB bodies back to back while B says "hi" every 100 ms.

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


def _upload_process(url: str, started, out) -> None:
    started.set()
    out.put(upload(url))


def paired_trials(url: str, trials: int) -> tuple[list[float], list[float], list]:
    """B's "hi" alone and with one 30 MB upload from another process starting with it,
    alternately (so that the machine's changing load hits both the same)."""
    import multiprocessing

    alone, with_upload, uploads = [], [], []
    context = multiprocessing.get_context("fork")
    for trial in range(trials):
        alone.append(hi(url, f"bench-hi-alone-{trial}"))
        time.sleep(0.05)
        started, out = context.Event(), context.Queue()
        process = context.Process(target=_upload_process, args=(url, started, out))
        process.start()
        started.wait(10)
        with_upload.append(hi(url, f"bench-hi-upload-{trial}"))
        uploads.append(out.get(timeout=120))
        process.join(30)
        time.sleep(0.05)
    return alone, with_upload, uploads


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
        alone, with_upload, uploads = paired_trials(url, args.trials)
        flooded, flood_uploads = flood(url, args.flood_seconds)
    finally:
        servers.stop()

    added = sorted((w - a) * 1000 for a, w in zip(alone, with_upload, strict=False))
    result = {
        "max_body_bytes": args.max_body_bytes or "default (bot.settings MAX_BODY_BYTES)",
        "one_upload_per_trial": {
            "hi_alone": summary(alone),
            "hi_with_one_30mb_upload": summary(with_upload),
            "added_ms_median": round(statistics.median(added), 1),
            "added_ms_p90": round(percentile(added, 90), 1),
            "added_ms_max": round(max(added), 1),
            "uploads": upload_summary(uploads),
        },
        "flood": {"hi": summary(flooded), "uploads": upload_summary(flood_uploads)},
        "loadavg_before_after": [load_before, loadavg()],
        "machine": machine(),
    }
    name = "body_limit.json" if args.max_body_bytes is None else "body_limit_unlimited.json"
    write_json(Path(RESULTS) / name, result)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
