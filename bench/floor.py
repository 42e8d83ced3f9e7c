"""The in-process floor and training time of our assistant.

Loads models/clinic.tar.gz with `rasa.core.agent.Agent.load` and times, 200 times each, one
NLU parse (tokenizer, condition extractor, featurizers, intent classifier, fallback, emergency
override) and one policy prediction (Memoization + Rule) on a real tracker: no HTTP, no
action server. Also times a full `rasa train` into a temp dir with an empty cache and, given
`--fresh-clone-log`, reads the wall time of `time CI=true bash .ci/run` on a fresh clone from
that log. Writes results/bench/floor.json.

    python -m bench.floor [--repeat 200] [--quick] [--skip-train] [--fresh-clone-log LOG]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import (
    BIN,
    ROOT,
    loadavg,
    machine,
    out_dirs,
    percentile,
    quiet_logging,
    run_timed,
    write_json,
)

MODEL = ROOT / "models" / "clinic.tar.gz"
MESSAGES = [
    "does it hurt?",
    "can I have it if I'm on warfarin",
    "how much is a first session",
    "I'd like to book a first session",
    "is it safe when pregnant",
    "what's the weather",
    "how often should I come",
    "bye",
]


def _stats(samples_ms: list[float]) -> dict[str, float]:
    return {
        "n": len(samples_ms),
        "p50_ms": percentile(samples_ms, 50),
        "p95_ms": percentile(samples_ms, 95),
        "p99_ms": percentile(samples_ms, 99),
        "mean_ms": sum(samples_ms) / len(samples_ms),
    }


async def in_process(repeat: int) -> dict[str, Any]:
    """p50/p95 of `agent.parse_message` and of `processor.predict_next_with_tracker`."""
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage

    started = time.monotonic()
    agent = Agent.load(str(MODEL))
    load_seconds = time.monotonic() - started
    for text in MESSAGES:  # warm-up: first calls build TF graphs
        await agent.parse_message(text)
    parse_ms = []
    for i in range(repeat):
        t0 = time.perf_counter()
        await agent.parse_message(MESSAGES[i % len(MESSAGES)])
        parse_ms.append((time.perf_counter() - t0) * 1000)

    processor = agent.processor
    sender = "bench-floor"
    await processor.fetch_tracker_with_initial_session(sender)
    await processor.log_message(UserMessage("does it hurt?", sender_id=sender))
    tracker = await processor.get_tracker(sender)
    # What `handle_message` calls for each next action (the public wrapper also serialises
    # the tracker state for the HTTP API, which is not part of a turn).
    prediction = processor._predict_next_with_tracker(tracker)
    predicted = agent.domain.action_names_or_texts[prediction.max_confidence_index]
    predict_ms = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        processor._predict_next_with_tracker(tracker)
        predict_ms.append((time.perf_counter() - t0) * 1000)
    return {
        "model_load_seconds": load_seconds,
        "parse": _stats(parse_ms),
        "predict": _stats(predict_ms),
        "predicted_after_pain_question": predicted,
        "predict_policy": prediction.policy_name if prediction else None,
        "policies": policy_names(),
    }


def policy_names() -> list[str]:
    """The dialogue policies config.yml runs, as the floor table names them."""
    import yaml

    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    return [policy["name"].removesuffix("Policy") for policy in config["policies"]]


def train_time(out: Path) -> float:
    """Seconds for a full `rasa train` (NLU + core) with an empty cache."""
    with tempfile.TemporaryDirectory(prefix="bench-train-") as tmp:
        return run_timed(
            [
                BIN / "rasa",
                "train",
                "--config",
                "config.yml",
                "--domain",
                "domain.yml",
                "--data",
                "data/nlu.yml",
                "data/stories.yml",
                "data/rules.yml",
                "--out",
                tmp,
                "--fixed-model-name",
                "bench",
            ],
            out / "train_full.log",
            RASA_CACHE_DIRECTORY=str(Path(tmp) / "cache"),
        )


def fresh_clone_make_test(log: Path | None) -> str | None:
    """The last `real` line of `time ...` in a fresh clone's test log, if it has one."""
    if log is None or not log.exists():
        return None
    lines = [
        ln.strip()
        for ln in log.read_text(errors="replace").splitlines()
        if re.match(r"^\s*real\s", ln)
    ]
    return lines[-1] if lines else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="smoke run: no training timing")
    parser.add_argument(
        "--skip-train", action="store_true", help="leave out the full `rasa train` timing"
    )
    parser.add_argument(
        "--fresh-clone-log",
        type=Path,
        help="log of `time CI=true bash .ci/run` on a fresh clone (its `real` line is reported)",
    )
    args = parser.parse_args()
    results_dir, _ = out_dirs(args.quick)
    report: dict[str, Any] = {"machine": machine(), "load_start": loadavg()}
    print(f"[floor] in-process parse/predict x{args.repeat} ... load {loadavg()}", flush=True)
    report["in_process"] = asyncio.run(in_process(args.repeat))
    report["load_after_in_process"] = loadavg()
    ip = report["in_process"]
    print(
        f"[floor] parse p50 {ip['parse']['p50_ms']:.1f} p95 {ip['parse']['p95_ms']:.1f} ms; "
        f"predict p50 {ip['predict']['p50_ms']:.1f} p95 {ip['predict']['p95_ms']:.1f} ms",
        flush=True,
    )
    if not (args.quick or args.skip_train):
        print(f"[floor] timing rasa train ... load {loadavg()}", flush=True)
        report["train_full_seconds"] = train_time(results_dir / "floor")
        report["load_after_train"] = loadavg()
        print(f"[floor] rasa train: {report['train_full_seconds']:.0f}s", flush=True)
    report["fresh_clone_make_test"] = fresh_clone_make_test(args.fresh_clone_log)
    write_json(results_dir / "floor.json", report)
    print(f"[floor] wrote {results_dir / 'floor.json'}", flush=True)


if __name__ == "__main__":
    os.chdir(ROOT)
    quiet_logging()
    main()
