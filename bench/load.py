"""Latency and load: simulated REST clients against our assistant and a stock `rasa init` bot.

Starts, on free loopback ports, our action server + `rasa run` (models/clinic.tar.gz, a fresh
SQLite store, rate limits lifted) and a stock assistant made by `rasa init --no-prompt`, then
for each concurrency level runs N asyncio clients for a fixed time against each webhook.
Records per-turn p50/p95/p99, turns/s, errors, peak RSS (VmHWM and sampled VmRSS) and load
averages; writes results/bench/load.json and docs/bench/latency.png.

Two pacings: back-to-back (default: each client sends its next message the moment the reply
arrives, which measures capacity and queueing) and people-like (`--think-time S`: a client
reads and types for 0.5-1.5 x S seconds before each message, which measures the latency a
person sees when N people chat at once); the paced run writes load_paced.json and
latency_paced.png.

    python -m bench.load [--levels 1,10,20,50] [--duration 30] [--think-time 0] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import secrets
import shutil
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import aiohttp

from bench.common import (
    BIN,
    ROOT,
    env,
    free_port,
    loadavg,
    machine,
    out_dirs,
    percentile,
    run_timed,
    write_json,
)

MODEL = ROOT / "models" / "clinic.tar.gz"
START_TIMEOUT_S = 240
REQUEST_TIMEOUT_S = 60
WISHES = itertools.cycle(
    [
        "next friday afternoon",
        "next monday morning",
        "next tuesday at 11",
        "next wednesday afternoon",
        "next thursday morning",
        "any morning next week",
        "next tuesday afternoon",
        "next thursday at 3pm",
    ]
)
PHONES = itertools.count(100000)
# Think times: uniform 0.5-1.5 x the mean, drawn from a seeded generator.
PACING = random.Random(2026)


class Stop(Exception):
    """The level's time is up: end this conversation."""


@dataclass
class Stats:
    """What one level of one assistant measured."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    conversations: int = 0
    bookings: int = 0
    deviations: int = 0
    by_turn: dict[str, list[float]] = field(default_factory=dict)


class Chat:
    """One simulated conversation (one sender id) over the REST webhook."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        stats: Stats,
        deadline: float,
        record: bool = True,
        think_time: float = 0.0,
    ) -> None:
        self.session, self.url, self.stats = session, url, stats
        self.deadline, self.record, self.think_time = deadline, record, think_time
        self.sender = uuid.uuid4().hex

    async def say(self, text: str, label: str | None = None) -> list[dict]:
        pause = self.think_time * PACING.uniform(0.5, 1.5) if self.think_time else 0.0
        if time.monotonic() + pause >= self.deadline:
            raise Stop
        await asyncio.sleep(pause)
        started = time.perf_counter()
        try:
            async with self.session.post(
                self.url, json={"sender": self.sender, "message": text}
            ) as response:
                body = await response.json(content_type=None)
                ok = response.status == 200 and isinstance(body, list) and body
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            ok, body = False, repr(error)
        elapsed = (time.perf_counter() - started) * 1000
        if self.record:
            self.stats.latencies_ms.append(elapsed)
            self.stats.by_turn.setdefault(label or text, []).append(elapsed)
            if not ok:
                self.stats.errors += 1
                if len(self.stats.error_samples) < 5:
                    self.stats.error_samples.append(f"{text!r}: {str(body)[:200]}")
        return body if ok else []


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


async def ours_script(chat: Chat) -> None:
    """Pain question, suitability with a condition, the booking form to confirmation, bye."""
    await chat.say("hi")
    await chat.say("does it hurt?")
    await chat.say("no thanks")
    await chat.say("can I have it if I'm on warfarin")
    await chat.say("I'd like to book a first session")
    await chat.say("Ann O'Brien")
    await chat.say(f"07911 {next(PHONES) % 1000000:06d}", "<phone>")
    offer = await chat.say(next(WISHES), "<time wish>")
    buttons = offer[-1].get("buttons") if offer else None
    if buttons:
        await chat.say(buttons[0]["payload"], "<slot button>")  # the first slot offered
        await chat.say("/affirm", "/affirm (consent)")  # consent to keep the details
        confirmation = await chat.say("/affirm", "/affirm (confirm booking)")
        if "FA-" in texts(confirmation):
            chat.stats.bookings += 1
        else:
            chat.stats.deviations += 1
    else:
        chat.stats.deviations += 1
        await chat.say("stop")
    await chat.say("thanks, bye")


async def stock_script(chat: Chat) -> None:
    """The `rasa init` bot's happy path: greet, mood answer, goodbye."""
    await chat.say("hello there")
    await chat.say("I am feeling great")
    await chat.say("bye")


SCRIPTS = {"ours": ours_script, "stock": stock_script}


async def _client(
    session: aiohttp.ClientSession,
    url: str,
    script,
    stats: Stats,
    deadline: float,
    think_time: float,
) -> None:
    while time.monotonic() < deadline:
        try:
            await script(Chat(session, url, stats, deadline, think_time=think_time))
            stats.conversations += 1
        except Stop:
            return


async def _sample_rss(pids: dict[str, int], peaks: dict[str, int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        for name, pid in pids.items():
            peaks[name] = max(peaks.get(name, 0), proc_kb(pid, "VmRSS"))
        try:
            await asyncio.wait_for(stop.wait(), 0.25)
        except asyncio.TimeoutError:
            pass


async def run_level(
    url: str,
    script,
    clients: int,
    duration: float,
    pids: dict[str, int],
    think_time: float = 0.0,
) -> dict[str, Any]:
    """`clients` concurrent clients running `script` for `duration` seconds."""
    stats = Stats()
    peaks: dict[str, int] = {}
    stop = asyncio.Event()
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        sampler = asyncio.create_task(_sample_rss(pids, peaks, stop))
        started = time.monotonic()
        deadline = started + duration
        await asyncio.gather(
            *(_client(session, url, script, stats, deadline, think_time) for _ in range(clients))
        )
        elapsed = time.monotonic() - started
        stop.set()
        await sampler
    lat = stats.latencies_ms
    return {
        "clients": clients,
        "seconds": elapsed,
        "turns": len(lat),
        "throughput_turns_s": len(lat) / elapsed if elapsed else 0.0,
        "p50_ms": percentile(lat, 50),
        "p95_ms": percentile(lat, 95),
        "p99_ms": percentile(lat, 99),
        "mean_ms": sum(lat) / len(lat) if lat else None,
        "max_ms": max(lat) if lat else None,
        "errors": stats.errors,
        "error_samples": stats.error_samples,
        "conversations_completed": stats.conversations,
        "bookings": stats.bookings,
        "booking_deviations": stats.deviations,
        "by_turn_p50_ms": {k: round(percentile(v, 50), 1) for k, v in stats.by_turn.items()},
        "peak_rss_mb_sampled": {k: round(v / 1024, 1) for k, v in peaks.items()},
        "load_after": loadavg(),
    }


async def warm_up(url: str, script) -> None:
    """One unrecorded conversation, so first-request graph building is not measured."""
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S * 3)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        await script(Chat(session, url, Stats(), time.monotonic() + 600, record=False))


def proc_kb(pid: int, key: str) -> int:
    """VmRSS / VmHWM of a process in kB (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


# The action server's shared secret for the servers a benchmark starts.
ACTION_TOKEN = secrets.token_urlsafe(24)


class Servers:
    """Processes this benchmark started (and only those): kept by PID, stopped at the end."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str, cmd: list[Any], cwd: Path, **extra_env: str) -> int:
        log = self.logs / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        self.procs[name] = subprocess.Popen(
            [str(c) for c in cmd],
            cwd=cwd,
            env=env(**extra_env),
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        print(f"[load] started {name} pid {self.procs[name].pid}", flush=True)
        return self.procs[name].pid

    def wait_up(self, name: str, url: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.procs[name].poll() is not None:
                log = (self.logs / f"{name}.log").read_text(errors="replace")
                raise RuntimeError(f"{name} exited early:\n{log[-3000:]}")
            try:
                with urllib.request.urlopen(url, timeout=2):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        raise RuntimeError(f"{name} did not come up at {url} in {START_TIMEOUT_S}s")

    def hwm_mb(self) -> dict[str, float]:
        return {n: round(proc_kb(p.pid, "VmHWM") / 1024, 1) for n, p in self.procs.items()}

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def make_store(work: Path) -> Path:
    """A fresh SQLite store with the clinic's knowledge, as `make setup` makes."""
    from bot.knowledge.loader import load_knowledge
    from bot.store import migrate

    db = work / "clinic.db"
    db.unlink(missing_ok=True)
    url = f"sqlite:///{db}"
    migrate.upgrade(url)
    load_knowledge(ROOT / "data" / "knowledge", url)
    return db


class Ours(NamedTuple):
    """Our running assistant: where to talk to it and what to watch."""

    webhook: str  # Rasa's REST channel
    actions: str  # the action server's /webhook (what Rasa calls for custom actions)
    pids: dict[str, int]
    db: Path


def start_ours(servers: Servers, work: Path, **extra_env: str) -> Ours:
    """Our action server and Rasa server on free loopback ports, with a fresh SQLite store.

    Rate limits are lifted (the clients all come from 127.0.0.1).
    """
    db = make_store(work)
    actions_port, rasa_port = free_port(), free_port()
    # As `make run`: the action server behind its token, Rasa sending it (bot.production).
    from bot.production import write_local_endpoints

    token = ACTION_TOKEN
    endpoints = write_local_endpoints(
        work / "endpoints.yml", f"http://127.0.0.1:{actions_port}/webhook", token
    )
    ours_env = {
        "ACTION_SERVER_TOKEN": token,
        "DATABASE_URL": f"sqlite:///{db}",
        "SANIC_HOST": "127.0.0.1",
        "RATE_LIMIT_PER_SENDER": "1000000",
        "RATE_LIMIT_PER_IP": "1000000",
        **extra_env,
    }
    pids = {
        "ours_actions": servers.start(
            "ours_actions",
            [BIN / "python", "-m", "bot.action_server", "--actions", "actions",
             "--port", actions_port],
            ROOT,
            **ours_env,
        ),
        "ours_rasa": servers.start(
            "ours_rasa",
            [
                BIN / "rasa",
                "run",
                "--model",
                MODEL,
                "--endpoints",
                endpoints,
                "--credentials",
                ROOT / "credentials.yml",
                "--interface",
                "127.0.0.1",
                "--port",
                rasa_port,
            ],
            work,
            **ours_env,
        ),
    }
    servers.wait_up("ours_actions", f"http://127.0.0.1:{actions_port}/health")
    servers.wait_up("ours_rasa", f"http://127.0.0.1:{rasa_port}/")
    return Ours(
        f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook",
        f"http://127.0.0.1:{actions_port}/webhook",
        pids,
        db,
    )


def free_all_slots(db: Path) -> None:
    """Cancel the bench's bookings between levels so every level finds free slots."""
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE bookings SET status = 'cancelled' WHERE status = 'confirmed'")


def make_stock_bot(path: Path, reuse: bool) -> float | None:
    """`rasa init --no-prompt` (which also trains); returns seconds, None when reused."""
    if reuse and list((path / "models").glob("*.tar.gz")):
        return None
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return run_timed(
        [BIN / "rasa", "init", "--no-prompt", "--init-dir", path],
        path.parent / "stock_init.log",
        cwd=path,
    )


def plot(levels: list[dict[str, Any]], path: Path, think_time: float) -> None:
    """p95 (and p50) per turn against concurrent clients, ours vs stock."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, color in (("ours", "tab:blue"), ("stock", "tab:orange")):
        xs = [lv["clients"] for lv in levels]
        ax.plot(xs, [lv[name]["p95_ms"] for lv in levels], "o-", color=color, label=f"{name} p95")
        ax.plot(
            xs,
            [lv[name]["p50_ms"] for lv in levels],
            "o--",
            color=color,
            alpha=0.5,
            label=f"{name} p50",
        )
    ax.axhline(60, color="grey", linestyle=":", label="target p95 60 ms")
    ax.set_xlabel("concurrent clients")
    ax.set_ylabel("per-turn latency (ms)")
    ax.set_yscale("log")
    pacing = f"{think_time:g} s think time" if think_time else "back-to-back clients"
    ax.set_title(f"REST webhook latency per turn (2 cores, {pacing})")
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="1,10,20,50", help="concurrent clients, comma list")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per level")
    parser.add_argument(
        "--think-time",
        type=float,
        default=0.0,
        help="mean seconds a client reads and types before each message (0: back-to-back)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: levels 1,5, 8 s each, output under smoke/"
    )
    parser.add_argument(
        "--reuse-stock",
        action="store_true",
        help="use the stock bot an earlier run made (its init time is then not reported)",
    )
    args = parser.parse_args()
    think = args.think_time
    suffix = "_paced" if think else ""
    levels = [1, 5] if args.quick else [int(x) for x in args.levels.split(",")]
    duration = 8.0 if args.quick else args.duration
    results_dir, plots = out_dirs(args.quick)
    work = results_dir / "load"
    work.mkdir(parents=True, exist_ok=True)
    if not MODEL.exists():
        raise SystemExit(f"no model at {MODEL}: run `make train` first")

    report: dict[str, Any] = {
        "machine": machine(),
        "load_start": loadavg(),
        "duration_s": duration,
        "think_time_s": think,
        "levels": [],
    }
    stock_dir = work / "stock_bot"
    print(f"[load] rasa init (stock bot) ... load {loadavg()}", flush=True)
    report["stock_init_and_train_seconds"] = make_stock_bot(
        stock_dir, reuse=args.quick or args.reuse_stock
    )

    servers = Servers(work / "logs")
    try:
        ours = start_ours(servers, work)
        pids, db = dict(ours.pids), ours.db
        stock_port = free_port()
        pids["stock_rasa"] = servers.start(
            "stock_rasa",
            [
                BIN / "rasa",
                "run",
                "--model",
                stock_dir / "models",
                "--credentials",
                stock_dir / "credentials.yml",
                "--interface",
                "127.0.0.1",
                "--port",
                stock_port,
            ],
            stock_dir,
        )
        servers.wait_up("stock_rasa", f"http://127.0.0.1:{stock_port}/")
        urls = {
            "ours": ours.webhook,
            "stock": f"http://127.0.0.1:{stock_port}/webhooks/rest/webhook",
        }
        report["rss_after_start_mb"] = {
            n: round(proc_kb(p, "VmRSS") / 1024, 1) for n, p in pids.items()
        }
        for name, url in urls.items():
            asyncio.run(warm_up(url, SCRIPTS[name]))
        for clients in levels:
            level: dict[str, Any] = {"clients": clients, "load_before": loadavg()}
            for name, url in urls.items():
                free_all_slots(db)
                own = {n: p for n, p in pids.items() if n.startswith(name)}
                print(
                    f"[load] {name}: {clients} clients for {duration:.0f}s ... "
                    f"load {loadavg()}",
                    flush=True,
                )
                level[name] = asyncio.run(
                    run_level(url, SCRIPTS[name], clients, duration, own, think)
                )
                r = level[name]
                print(
                    f"[load] {name} x{clients}: p50 {r['p50_ms']:.0f} p95 {r['p95_ms']:.0f} "
                    f"p99 {r['p99_ms']:.0f} ms, {r['throughput_turns_s']:.1f} turns/s, "
                    f"errors {r['errors']}, bookings {r['bookings']}",
                    flush=True,
                )
            level["p95_ratio_ours_over_stock"] = level["ours"]["p95_ms"] / level["stock"]["p95_ms"]
            print(
                f"[load] x{clients}: our p95 / stock p95 = "
                f"{level['p95_ratio_ours_over_stock']:.2f}",
                flush=True,
            )
            report["levels"].append(level)
        report["peak_rss_mb_vmhwm"] = servers.hwm_mb()
    finally:
        servers.stop()
    report["load_end"] = loadavg()
    plot(report["levels"], plots / f"latency{suffix}.png", think)
    report["plot"] = str((plots / f"latency{suffix}.png").relative_to(ROOT))
    write_json(results_dir / f"load{suffix}.json", report)
    print(f"[load] wrote {results_dir / f'load{suffix}.json'}", flush=True)


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
