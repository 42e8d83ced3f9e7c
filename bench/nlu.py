"""NLU quality: our pipeline (config.yml) vs Rasa 3.6's default pipeline (bench/stock_config.yml).

Both are trained NLU-only on data/nlu.yml, evaluated on tests/nlu_holdout.yml and
tests/nlu_holdout_blind.yml (in-process, the same `processor.parse_message` that `rasa test
nlu` uses) and by k-fold cross-validation (`rasa test nlu --cross-validation`). Writes
results/bench/nlu.json and, under docs/bench/, confusion matrices and a per-intent F1 chart.

    python -m bench.nlu [--folds 5] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from bench.common import (
    BIN,
    ROOT,
    loadavg,
    machine,
    out_dirs,
    quiet_logging,
    run_timed,
    write_json,
)

PIPELINES = {"ours": ROOT / "config.yml", "stock": ROOT / "bench" / "stock_config.yml"}
TRAIN_DATA = ROOT / "data" / "nlu.yml"
HOLDOUT = ROOT / "tests" / "nlu_holdout.yml"
# Written by someone who never saw data/nlu.yml or the first hold-out, from the intents'
# definitions only: a check that the first hold-out's style is not what we are good at.
BLIND_HOLDOUT = ROOT / "tests" / "nlu_holdout_blind.yml"
KNOWLEDGE = ROOT / "data" / "knowledge"
QUICK_EPOCHS = 10
FALLBACK = "nlu_fallback"
OOS = "out_of_scope"
SUITABILITY = "ask_suitability"
# How people ask about a condition or medicine; ages ("16 year old") read oddly here.
PROBE_TEMPLATES = ("is it ok if i have {}?", "{} - can i still have it?", "what about {}", "{}")
AGE_KEYS = {"under_18", "older_adult"}


def config_variant(src: Path, dest: Path, epochs: int | None) -> Path:
    """Copy a Rasa config, optionally with every `epochs` setting replaced (for --quick)."""
    config = yaml.safe_load(src.read_text())
    if epochs is not None:
        for part in ("pipeline", "policies"):
            for component in config.get(part) or []:
                if "epochs" in component:
                    component["epochs"] = epochs
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(yaml.safe_dump(config, sort_keys=False))
    return dest


def train_nlu(config: Path, out: Path, name: str, cache: Path) -> tuple[Path, float]:
    """`rasa train nlu` into `out` with a fresh cache; returns (model path, seconds)."""
    seconds = run_timed(
        [
            BIN / "rasa",
            "train",
            "nlu",
            "--config",
            config,
            "--nlu",
            TRAIN_DATA,
            "--out",
            out,
            "--fixed-model-name",
            name,
        ],
        out / f"train-{name}.log",
        RASA_CACHE_DIRECTORY=str(cache),
    )
    return out / f"{name}.tar.gz", seconds


def load_model(model: Path) -> Any:
    """The trained model as a Rasa Agent (loaded once per pipeline, ~7 s)."""
    from rasa.core.agent import Agent

    return Agent.load(str(model))


def parse_all(agent: Any, texts: list[str]) -> list[dict[str, Any]]:
    """`agent.parse_message` for every text, in order."""

    async def parse() -> list[dict[str, Any]]:
        return [await agent.parse_message(text) for text in texts]

    return asyncio.run(parse())


def _intent_name(parsed: dict[str, Any]) -> str:
    return (parsed.get("intent") or {}).get("name") or "None"


def holdout_examples(path: Path) -> list[dict[str, Any]]:
    """Hold-out messages with their intent and annotated `condition` spans."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [
        {
            "text": ex.get("text"),
            "intent": ex.get("intent"),
            "conditions": [
                (e["start"], e["end"])
                for e in ex.get("entities") or []
                if e.get("entity") == "condition"
            ],
        }
        for ex in data.intent_examples
    ]


def unseen_condition_messages() -> list[str]:
    """Questions naming a condition or medicine from the knowledge files that
    data/nlu.yml never mentions: does the classifier still see a suitability question?"""
    from bot.knowledge.loader import read_knowledge_dir

    training = TRAIN_DATA.read_text(encoding="utf-8").lower()
    phrases = [
        phrase
        for condition in read_knowledge_dir(KNOWLEDGE).conditions
        if condition.key not in AGE_KEYS
        for phrase in condition.synonyms
        if phrase.lower() not in training
    ]
    return [template.format(phrase) for phrase in phrases for template in PROBE_TEMPLATES]


def condition_probe(agent: Any) -> dict[str, Any]:
    """Share of unseen-condition questions classified ask_suitability, and what else."""
    texts = unseen_condition_messages()
    pred = [_intent_name(p) for p in parse_all(agent, texts)]
    return {
        "n": len(texts),
        "suitability_share": sum(q == SUITABILITY for q in pred) / len(pred),
        "others": Counter(q for q in pred if q != SUITABILITY).most_common(4),
    }


def _hit(mode: str, a: tuple, b: tuple) -> bool:
    return a == b if mode == "exact" else a[0] < b[1] and b[0] < a[1]


def entity_scores(gold: list[list[tuple]], pred: list[list[tuple]]) -> dict[str, Any]:
    """Precision/recall/F1 of condition spans, exact and overlapping (lenient) matches."""
    scores = {}
    for mode in ("exact", "overlap"):
        tp = fp = fn = 0
        for g_spans, p_spans in zip(gold, pred, strict=True):
            tp_g = sum(1 for g in g_spans if any(_hit(mode, g, p) for p in p_spans))
            tp_p = sum(1 for p in p_spans if any(_hit(mode, g, p) for g in g_spans))
            tp += tp_g
            fn += len(g_spans) - tp_g
            fp += len(p_spans) - tp_p
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[mode] = {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "tp": tp,
            "fp": fp,
            "fn": fn,
        }
    return scores


def intent_scores(true: list[str], pred: list[str]) -> dict[str, Any]:
    """Accuracy, macro F1 over the hold-out's intents, out_of_scope recall, confusions."""
    from sklearn.metrics import precision_recall_fscore_support

    labels = sorted(set(true))
    p, r, f, support = precision_recall_fscore_support(true, pred, labels=labels, zero_division=0)
    per_intent = {
        label: {
            "precision": float(p[i]),
            "recall": float(r[i]),
            "f1": float(f[i]),
            "support": int(support[i]),
        }
        for i, label in enumerate(labels)
    }
    oos = [(t, q) for t, q in zip(true, pred, strict=True) if t == OOS]
    confusions = Counter((t, q) for t, q in zip(true, pred, strict=True) if t != q)
    return {
        "n": len(true),
        "accuracy": sum(t == q for t, q in zip(true, pred, strict=True)) / len(true),
        "macro_f1": float(sum(f) / len(f)),
        "oos_recall": sum(q == OOS for _, q in oos) / len(oos) if oos else None,
        "oos_recall_incl_fallback": (
            sum(q in (OOS, FALLBACK) for _, q in oos) / len(oos) if oos else None
        ),
        "fallback_predictions": sum(q == FALLBACK for q in pred),
        "per_intent": per_intent,
        "confusions": [
            {"true": t, "predicted": q, "count": n} for (t, q), n in confusions.most_common()
        ],
    }


def evaluate_holdout(agent: Any, path: Path = HOLDOUT) -> dict[str, Any]:
    """Parse every hold-out message with `agent`; intent and condition-entity scores."""
    examples = holdout_examples(path)
    started = time.monotonic()
    parsed = parse_all(agent, [ex["text"] for ex in examples])
    seconds = time.monotonic() - started
    true = [ex["intent"] for ex in examples]
    pred = [_intent_name(p) for p in parsed]
    result = intent_scores(true, pred)
    pred_spans = [
        [(e["start"], e["end"]) for e in p.get("entities") or [] if e.get("entity") == "condition"]
        for p in parsed
    ]
    extractors = sorted(
        {
            e.get("extractor", "?")
            for p in parsed
            for e in p.get("entities") or []
            if e.get("entity") == "condition"
        }
    )
    result["condition_entities"] = {
        "gold_spans": sum(len(ex["conditions"]) for ex in examples),
        "extractors": extractors,
        **entity_scores([ex["conditions"] for ex in examples], pred_spans),
    }
    result["errors"] = [
        {"text": ex["text"], "intent": t, "predicted": q}
        for ex, t, q in zip(examples, true, pred, strict=True)
        if t != q
    ]
    result["parse_seconds"] = seconds
    result["true"], result["pred"] = true, pred
    return result


def cross_validate(config: Path, folds: int, out: Path, cache: Path) -> dict[str, Any]:
    """`rasa test nlu --cross-validation`; intent scores from its intent_report.json."""
    seconds = run_timed(
        [
            BIN / "rasa",
            "test",
            "nlu",
            "--config",
            config,
            "--nlu",
            TRAIN_DATA,
            "--cross-validation",
            "--folds",
            folds,
            "--out",
            out,
            "--no-plot",
        ],
        out / "cv.log",
        RASA_CACHE_DIRECTORY=str(cache),
    )
    report = json.loads((out / "intent_report.json").read_text())
    oos = report.get(OOS, {})
    return {
        "folds": folds,
        "seconds": seconds,
        "accuracy": report.get("accuracy"),
        "macro_f1": report.get("macro avg", {}).get("f1-score"),
        "oos_recall": oos.get("recall"),
        "note": "rasa's macro avg also counts predicted-only labels such as nlu_fallback",
    }


def plot(results: dict[str, Any], plots: Path) -> list[Path]:
    """Confusion matrices (one per pipeline) and a per-intent F1 bar chart."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from sklearn.metrics import confusion_matrix

    plots.mkdir(parents=True, exist_ok=True)
    written = []
    for name, res in results.items():
        labels = sorted(set(res["true"]) | set(res["pred"]))
        matrix = confusion_matrix(res["true"], res["pred"], labels=labels)
        fig, ax = plt.subplots(figsize=(11, 9))
        ax.imshow(np.log1p(matrix), cmap="Blues")
        ax.set_xticks(range(len(labels)), labels, rotation=90)
        ax.set_yticks(range(len(labels)), labels)
        for i in range(len(labels)):
            for j in range(len(labels)):
                if matrix[i, j]:
                    color = "white" if i == j else "darkred"
                    ax.text(j, i, matrix[i, j], ha="center", va="center", fontsize=7, color=color)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true (hold-out)")
        ax.set_title(f"Hold-out confusion matrix - {name} (accuracy {res['accuracy']:.3f})")
        fig.tight_layout()
        path = plots / f"confusion_{name}.png"
        fig.savefig(path, dpi=90)
        plt.close(fig)
        written.append(path)

    intents = sorted(results["ours"]["per_intent"])
    x = np.arange(len(intents))
    fig, ax = plt.subplots(figsize=(12, 5))
    for offset, name in ((-0.2, "ours"), (0.2, "stock")):
        ax.bar(x + offset, [results[name]["per_intent"][i]["f1"] for i in intents], 0.4, label=name)
    ax.set_xticks(x, intents, rotation=60, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("F1 on hold-out")
    ax.set_title("Per-intent F1 on tests/nlu_holdout.yml")
    ax.legend()
    fig.tight_layout()
    path = plots / "intent_f1.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (0: skip)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: 2 folds, {QUICK_EPOCHS} epochs for DIET (stock), output under smoke/",
    )
    args = parser.parse_args()
    folds = 2 if args.quick else args.folds
    epochs = QUICK_EPOCHS if args.quick else None
    results_dir, plots = out_dirs(args.quick)
    work = results_dir / "nlu"
    work.mkdir(parents=True, exist_ok=True)

    report: dict[str, Any] = {
        "machine": machine(),
        "quick": args.quick,
        "epochs_override": epochs,
        "load_start": loadavg(),
        "holdout": {},
        "holdout_blind": {},
        "condition_probe": {},
        "cv": {},
        "train_nlu_seconds": {},
    }
    with tempfile.TemporaryDirectory(prefix="bench-nlu-") as tmp:
        for name, src in PIPELINES.items():
            config = config_variant(src, work / f"config_{name}.yml", epochs)
            print(f"[nlu] training {name} (NLU only) ... load {loadavg()}", flush=True)
            model, seconds = train_nlu(config, work, name, Path(tmp) / f"cache-{name}")
            report["train_nlu_seconds"][name] = seconds
            print(f"[nlu] {name}: trained in {seconds:.0f}s; evaluating hold-out", flush=True)
            agent = load_model(model)
            report["holdout"][name] = evaluate_holdout(agent)
            report["holdout_blind"][name] = evaluate_holdout(agent, BLIND_HOLDOUT)
            report["condition_probe"][name] = condition_probe(agent)
            h, blind = report["holdout"][name], report["holdout_blind"][name]
            print(
                f"[nlu] {name}: hold-out accuracy {h['accuracy']:.3f}, macro F1 "
                f"{h['macro_f1']:.3f}, oos recall {h['oos_recall']}; blind hold-out "
                f"accuracy {blind['accuracy']:.3f}",
                flush=True,
            )
        report["load_after_holdout"] = loadavg()
        report["plots"] = [str(p.relative_to(ROOT)) for p in plot(report["holdout"], plots)]
        write_json(results_dir / "nlu.json", report)  # partial: hold-out done
        if folds >= 2:
            for name in PIPELINES:
                config = work / f"config_{name}.yml"
                print(
                    f"[nlu] {folds}-fold cross-validation of {name} ... load {loadavg()}",
                    flush=True,
                )
                report["cv"][name] = cross_validate(
                    config, folds, work / f"cv_{name}", Path(tmp) / f"cv-cache-{name}"
                )
                report["cv"][name]["load_end"] = loadavg()
                print(f"[nlu] {name} CV: {report['cv'][name]}", flush=True)
                write_json(results_dir / "nlu.json", report)
    report["load_end"] = loadavg()
    write_json(results_dir / "nlu.json", report)
    print(f"[nlu] wrote {results_dir / 'nlu.json'}", flush=True)


if __name__ == "__main__":
    os.chdir(ROOT)
    quiet_logging()
    main()
