"""Shared helpers for the benchmarks: paths, machine facts, load averages, timed subprocesses."""

from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
RESULTS = ROOT / "results" / "bench"
DOCS_BENCH = ROOT / "docs" / "bench"

QUIET_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "TQDM_DISABLE": "1",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
}


def out_dirs(quick: bool) -> tuple[Path, Path]:
    """(results dir, plots dir): smoke runs keep everything under results/bench/smoke."""
    if quick:
        results = RESULTS / "smoke"
        return results, results / "plots"
    return RESULTS, DOCS_BENCH


def loadavg() -> list[float]:
    """The 1, 5 and 15 minute load averages (what `uptime` prints)."""
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def machine() -> dict[str, Any]:
    """nproc, CPU model, RAM and Python/Rasa versions of this machine."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    import rasa

    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "rasa": rasa.__version__,
    }


def env(**extra: str) -> dict[str, str]:
    """The current environment, made quiet, plus `extra`."""
    return {**os.environ, **QUIET_ENV, **extra}


def run_timed(cmd: list[Any], log: Path, cwd: Path = ROOT, **extra_env: str) -> float:
    """Run `cmd` to completion with output in `log`; return wall seconds. Raises on failure."""
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with log.open("w") as out:
        done = subprocess.run(
            [str(c) for c in cmd],
            cwd=cwd,
            env=env(**extra_env),
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    seconds = time.monotonic() - started
    if done.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{cmd[:3]} failed ({done.returncode}), see {log}:\n{tail}")
    return seconds


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation; nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def write_json(path: Path, data: Any) -> None:
    """Write `data` as indented JSON, creating the directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")


def quiet_logging() -> None:
    """Only warnings from Rasa (and its structlog debug events) when used in-process."""
    import logging

    import structlog

    logging.getLogger().setLevel(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
