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
from pathlib import Path
from typing import Any

from bench.common import BIN, RESULTS, loadavg, write_json
from bench.load import Servers, ours_script, run_level, start_ours, warm_up

OUT = RESULTS / "profile"
PY_SPY = BIN / "py-spy"
LINE_NUMBER = re.compile(r":\d+\)")


def top_frames(collapsed: Path, limit: int) -> list[tuple[float, str]]:
    """(share of samples, frame) for the frames present in most samples, each counted once."""
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        total += int(count)
        for frame in {LINE_NUMBER.sub(")", f) for f in stack.split(";")}:
            inclusive[frame] += int(count)
    return [(n / total, frame) for frame, n in inclusive.most_common(limit)] if total else []


def run(clients: int, duration: float, rate: int, speedups: bool, tag: str) -> dict[str, Any]:
    work = OUT / tag
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    servers = Servers(work / "logs")
    extra = {} if speedups else {"CLINIC_RASA_SPEEDUPS": "off"}
    try:
        url, pids, _db = start_ours(servers, work, **extra)
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
