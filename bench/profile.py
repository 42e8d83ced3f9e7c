"""Where our Rasa server and action server spend their time under load (py-spy).

Starts our assistant as bench.load does, runs N clients through the booking script for
D seconds while py-spy samples both processes, and prints the functions with the most
samples (inclusive). `--compare` first runs the same load with our Rasa speed-ups off
(CLINIC_RASA_SPEEDUPS=off, see bot/rasa_speedups.py) and prints both results.

    python -m bench.profile [--clients 1] [--duration 30] [--rate 50] [--compare]

Needs py-spy (in requirements.lock). Collapsed stacks go to results/bench/profile/.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.common import BIN, RESULTS, loadavg, percentile, write_json
from bench.load import Servers, ours_script, run_level, start_ours, warm_up

OUT = RESULTS / "profile"
PY_SPY = BIN / "py-spy"
LINE_NUMBER = re.compile(r":\d+\)")


# Frames every sample passes through (servers, thread pools, Rasa's graph runner): they
# say nothing about where the time goes, so the summary leaves them out.
TRUNK = re.compile(
    r"\((threading|concurrent/futures/thread|asyncio/\S+|dask/\S+|sanic/\S+|rasa/__main__"
    r"|rasa/cli/\S+|rasa/api|rasa/core/run|rasa_sdk/__main__|rasa_sdk/endpoint)\.py\)"
    r"|^<module> \(rasa\)|^(connection_task|handle_request) "
)


def top_frames(collapsed: Path, limit: int) -> list[tuple[float, str]]:
    """(share of samples, frame) for the frames present in most samples, each counted once."""
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        total += int(count)
        for frame in {LINE_NUMBER.sub(")", f) for f in stack.split(";")}:
            if not TRUNK.search(frame):
                inclusive[frame] += int(count)
    return [(n / total, frame) for frame, n in inclusive.most_common(limit)] if total else []


def _action_call(action: str, intent: str, entities: list[dict[str, Any]]) -> dict[str, Any]:
    """What Rasa posts to the action server for `action` after a message with `intent`."""
    message = {"text": "bench", "intent": {"name": intent, "confidence": 1.0}}
    return {
        "next_action": action,
        "sender_id": "bench-action-calls",
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": "bench-action-calls",
            "slots": {"booking_offered": True, "booking_offer_pending": False},
            "latest_message": {**message, "entities": entities},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


ACTION_CALLS = {
    "answer (ask_pain)": _action_call("action_answer_question", "ask_pain", []),
    "suitability (warfarin)": _action_call(
        "action_check_suitability",
        "ask_suitability",
        [{"entity": "condition", "value": "anticoagulants", "start": 0, "end": 5}],
    ),
}


async def action_call_latencies(url: str, repeat: int = 200) -> dict[str, dict[str, float]]:
    """p50/p95 of single store-reading action calls, sent straight to the action server."""
    results = {}
    from bench.load import ACTION_TOKEN

    headers = {"Authorization": f"Bearer {ACTION_TOKEN}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        for label, body in ACTION_CALLS.items():
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                async with session.post(url, json=body) as response:
                    reply = await response.json()
                    if response.status != 200 or not reply.get("responses"):
                        raise RuntimeError(f"{label}: unexpected reply {response.status} {reply}")
                times.append((time.perf_counter() - started) * 1000)
            results[label] = {"p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95)}
    return results


def run(clients: int, duration: float, rate: int, speedups: bool, tag: str) -> dict[str, Any]:
    work = OUT / tag
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    servers = Servers(work / "logs")
    extra = {} if speedups else {"CLINIC_RASA_SPEEDUPS": "off"}
    try:
        ours = start_ours(servers, work, **extra)
        url, pids = ours.webhook, ours.pids
        asyncio.run(warm_up(url, ours_script))
        spies = {
            name: subprocess.Popen(
                [
                    PY_SPY,
                    "record",
                    "--pid",
                    str(pid),
                    "--duration",
                    str(int(duration)),
                    "--rate",
                    str(rate),
                    "--format",
                    "raw",
                    "--output",
                    str(work / f"{name}.txt"),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for name, pid in pids.items()
        }
        result = asyncio.run(run_level(url, ours_script, clients, duration, pids))
        for spy in spies.values():
            spy.wait(timeout=duration + 60)
        result["action_calls"] = asyncio.run(action_call_latencies(ours.actions))
    finally:
        servers.stop()
    result["speedups"] = speedups
    result["top_frames"] = {
        name: top_frames(work / f"{name}.txt", 40)
        for name in pids
        if (work / f"{name}.txt").exists()
    }
    return result


def show(result: dict[str, Any], frames: int) -> None:
    print(
        f"speed-ups {'on' if result['speedups'] else 'off'}: {result['clients']} client(s), "
        f"{result['throughput_turns_s']:.1f} turns/s, p50 {result['p50_ms']:.0f} ms, "
        f"p95 {result['p95_ms']:.0f} ms, errors {result['errors']}"
    )
    for label, call in result.get("action_calls", {}).items():
        print(
            f"  action server, one call, {label}: "
            f"p50 {call['p50_ms']:.1f} p95 {call['p95_ms']:.1f} ms"
        )
    for name, top in result["top_frames"].items():
        print(f"  {name}:")
        for share, frame in top[:frames]:
            print(f"    {share * 100:5.1f}%  {frame[:110]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per run")
    parser.add_argument("--rate", type=int, default=50, help="py-spy samples per second")
    parser.add_argument("--frames", type=int, default=25, help="frames to print per process")
    parser.add_argument("--compare", action="store_true", help="also run with speed-ups off")
    args = parser.parse_args()
    if not PY_SPY.exists():
        raise SystemExit("py-spy is not installed: run `make setup` (it is in requirements.lock)")
    report: dict[str, Any] = {"load_start": loadavg(), "runs": []}
    variants = [False, True] if args.compare else [True]
    for speedups in variants:
        tag = "speedups_on" if speedups else "speedups_off"
        result = run(args.clients, args.duration, args.rate, speedups, tag)
        show(result, args.frames)
        report["runs"].append(result)
    report["load_end"] = loadavg()
    write_json(OUT / "profile.json", report)
    if args.compare:
        off, on = report["runs"]
        print(
            f"speed-ups off -> on: {off['throughput_turns_s']:.1f} -> "
            f"{on['throughput_turns_s']:.1f} turns/s, "
            f"p95 {off['p95_ms']:.0f} -> {on['p95_ms']:.0f} ms"
        )


if __name__ == "__main__":
    main()
