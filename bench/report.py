"""Write docs/benchmarks.md from results/bench/{nlu,load,floor}.json (tables, plots, targets).

Tables and target checks are generated from the JSON, so a re-run updates them; the
hand-written analysis in bench/notes.md (what limits us, the floor, the targets) is appended
as is and names the run it was written for.

    python -m bench.report [--quick]
"""

from __future__ import annotations

import argparse
import json
import math
import os
from pathlib import Path
from typing import Any

from bench.common import ROOT, out_dirs

TARGETS = {"holdout_accuracy": 0.97, "oos_recall": 0.95, "p95_20_ms": 60.0, "ratio": 1.3}


def _load(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text()) if path.exists() else None


def f3(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.3f}"


def ms(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def met(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def holdout_overlap(nlu: dict[str, Any]) -> dict[str, Any]:
    """Hold-out messages that also occur in data/nlu.yml (lower-cased, punctuation removed),
    and each pipeline's accuracy on the hold-out without them."""
    import re

    from rasa.shared.nlu.training_data.loading import load_data

    from bench.nlu import HOLDOUT, TRAIN_DATA

    def norm(text: str) -> str:
        return re.sub(r"[^a-z0-9 ]", "", text.lower()).strip()

    seen = {norm(e.get("text")) for e in load_data(str(TRAIN_DATA)).intent_examples}
    texts = [e.get("text") for e in load_data(str(HOLDOUT)).intent_examples]
    overlap = [norm(t) in seen for t in texts]
    clean = {}
    for name, res in nlu["holdout"].items():
        pairs = [(t, q) for t, q, o in zip(res["true"], res["pred"], overlap, strict=True) if not o]
        clean[name] = sum(t == q for t, q in pairs) / len(pairs) if pairs else None
    return {
        "n": len(texts),
        "overlap": sum(overlap),
        "clean_accuracy": clean,
        "examples": [t for t, o in zip(texts, overlap, strict=True) if o][:12],
    }


def _recall(result: dict[str, Any], intent: str) -> float | None:
    return (result.get("per_intent", {}).get(intent) or {}).get("recall")


def _overlap_note(ov: dict[str, Any]) -> str:
    if not ov["overlap"]:
        return (
            f"(2) None of the hold-out's {ov['n']} messages occurs in `data/nlu.yml` (after "
            "lower-casing and removing punctuation and apostrophes; tests/nlu/test_nlu_data.py "
            "keeps it so)."
        )
    return (
        f"(2) **The hold-out is not independent of the training data**: {ov['overlap']} of "
        f"its {ov['n']} messages occur verbatim in `data/nlu.yml` (after lower-casing and "
        "removing punctuation), e.g. "
        + ", ".join(f'"{t}"' for t in ov["examples"][:8])
        + ". Hold-out accuracy is optimistic for them; cross-validation (each message "
        "predicted by a model that never saw it) is the better estimate of how the "
        "classifier generalises."
    )


def _probe_row(nlu: dict[str, Any]) -> list[str]:
    probe = nlu.get("condition_probe") or {}
    if not probe:
        return []
    share = {name: f"{f3(p['suitability_share'])}" for name, p in probe.items()}
    return [
        f"| questions naming a condition or medicine that `data/nlu.yml` never mentions "
        f"({probe['ours']['n']}, from the knowledge files) classified `ask_suitability` | "
        f"{share['ours']} | {share['stock']} |"
    ]


def _blind_rows(nlu: dict[str, Any]) -> list[str]:
    blind = nlu.get("holdout_blind") or {}
    if not blind:
        return []
    n = blind["ours"]["n"]
    return [
        f"| second hold-out, written blind ({n} messages, (3)): intent accuracy | "
        f"{f3(blind['ours']['accuracy'])} | {f3(blind['stock']['accuracy'])} |",
        f"| ... macro F1 | {f3(blind['ours']['macro_f1'])} | {f3(blind['stock']['macro_f1'])} |",
        f"| ... out_of_scope recall | {f3(blind['ours']['oos_recall'])} | "
        f"{f3(blind['stock']['oos_recall'])} |",
        f"| ... emergency recall | {f3(_recall(blind['ours'], 'emergency'))} | "
        f"{f3(_recall(blind['stock'], 'emergency'))} |",
    ]


def _blind_note(nlu: dict[str, Any]) -> list[str]:
    if not nlu.get("holdout_blind"):
        return []
    return [
        "(3) `tests/nlu_holdout_blind.yml` was written by a helper who saw neither "
        "`data/nlu.yml` nor the first hold-out, only each intent's definition, before the "
        "data changes it now checks; nothing in the training data was written from it. Both "
        "hold-outs were written by a language model, not by the clinic's clients: real "
        "messages will be messier, so treat both as upper bounds and CV as the floor.",
        "",
    ]


def nlu_section(nlu: dict[str, Any], rel: str) -> list[str]:
    h, cv = nlu["holdout"], nlu.get("cv", {})
    ours_ent = h["ours"]["condition_entities"]
    out = [
        "## NLU quality",
        "",
        f"Both pipelines trained NLU-only on `data/nlu.yml`; hold-out = `tests/nlu_holdout.yml` "
        f"({h['ours']['n']} messages; see (2)). Cross-validation = "
        f"`rasa test nlu --cross-validation` on `data/nlu.yml`"
        + (f" ({next(iter(cv.values()))['folds']} folds)." if cv else " (not run)."),
        "",
        "| metric | ours (`config.yml`) | stock Rasa 3.6 default |",
        "|---|---|---|",
        f"| hold-out intent accuracy | {f3(h['ours']['accuracy'])} | "
        f"{f3(h['stock']['accuracy'])} |",
        f"| hold-out macro F1 (over the 20 intents) | {f3(h['ours']['macro_f1'])} | "
        f"{f3(h['stock']['macro_f1'])} |",
        f"| hold-out out_of_scope recall | {f3(h['ours']['oos_recall'])} | "
        f"{f3(h['stock']['oos_recall'])} |",
        f"| ... counting `nlu_fallback` as a correct refusal | "
        f"{f3(h['ours']['oos_recall_incl_fallback'])} | "
        f"{f3(h['stock']['oos_recall_incl_fallback'])} |",
        f"| hold-out emergency recall (a missed emergency gets no urgent-care advice) | "
        f"{f3(_recall(h['ours'], 'emergency'))} | {f3(_recall(h['stock'], 'emergency'))} |",
        f"| hold-out messages sent to `nlu_fallback` | {h['ours']['fallback_predictions']} | "
        f"{h['stock']['fallback_predictions']} |",
        *_blind_rows(nlu),
        *_probe_row(nlu),
        f"| condition-entity F1, exact span (P / R) | {f3(ours_ent['exact']['f1'])} "
        f"({f3(ours_ent['exact']['precision'])} / {f3(ours_ent['exact']['recall'])}) | n/a (1) |",
        f"| condition-entity F1, overlapping span | {f3(ours_ent['overlap']['f1'])} | n/a (1) |",
    ]
    if cv:
        out += [
            f"| CV intent accuracy | {f3(cv['ours']['accuracy'])} | "
            f"{f3(cv['stock']['accuracy'])} |",
            f"| CV macro F1 (rasa's, incl. `nlu_fallback` column) | {f3(cv['ours']['macro_f1'])} "
            f"| {f3(cv['stock']['macro_f1'])} |",
            f"| CV out_of_scope recall | {f3(cv['ours']['oos_recall'])} | "
            f"{f3(cv['stock']['oos_recall'])} |",
            f"| CV wall time | {cv['ours']['seconds']:.0f} s | {cv['stock']['seconds']:.0f} s |",
        ]
    ov = holdout_overlap(nlu)
    if ov["overlap"]:
        row = next(i for i, ln in enumerate(out) if ln.startswith("| hold-out intent accuracy"))
        out.insert(
            row + 1,
            f"| hold-out accuracy without the {ov['overlap']} messages that are "
            f"also in `data/nlu.yml` (2) | {f3(ov['clean_accuracy']['ours'])} | "
            f"{f3(ov['clean_accuracy']['stock'])} |",
        )
    out += [
        f"| `rasa train nlu` wall time | {nlu['train_nlu_seconds']['ours']:.0f} s | "
        f"{nlu['train_nlu_seconds']['stock']:.0f} s |",
        "",
        f"(1) `data/nlu.yml` has no `[..](condition)` annotations ({ours_ent['gold_spans']} "
        "annotated spans exist only in the hold-out), so the stock DIET never learns a "
        "`condition` entity and has nothing to score; ours gets them from the rule-based "
        f"`ConditionEntityExtractor` (extractor: {', '.join(ours_ent['extractors']) or '-'}) "
        "fed by the knowledge store's synonyms. Exact = same character span as the annotation; "
        "overlapping = any overlap (the extractor sometimes takes a longer or shorter phrase).",
        "",
        _overlap_note(ov),
        "",
        *_blind_note(nlu),
        "Macro F1 on the hold-out is averaged over the hold-out's 20 intents (a prediction of "
        "`nlu_fallback` counts as a miss for the true intent); accuracy counts `nlu_fallback` "
        "as wrong, which is stricter than `rasa test nlu` (it scores the classifier's guess "
        "behind a fallback, so `make test`'s hold-out figure can be a little higher).",
        "",
    ]
    for name in ("ours", "stock"):
        rows = h[name]["confusions"][:10]
        out += [
            f"**10 worst confusions on the hold-out - {name}**",
            "",
            "| true | predicted | count |",
            "|---|---|---|",
        ]
        out += [f"| {c['true']} | {c['predicted']} | {c['count']} |" for c in rows]
        out.append("")
    out += [
        f"![per-intent F1]({rel}/intent_f1.png)",
        "",
        f"Confusion matrices: [ours]({rel}/confusion_ours.png), "
        f"[stock]({rel}/confusion_stock.png).",
        "",
    ]
    return out


def _pacing(load: dict[str, Any]) -> str:
    think = load.get("think_time_s") or 0
    if think:
        return (
            f"every client reads and types for 0.5-1.5 x {think:g} s (seeded) before each "
            "message, as people do, and starts a new conversation when one ends"
        )
    return (
        "every client sends its next message the moment the reply arrives (no reading or "
        "typing time) and starts a new conversation as soon as one ends: this measures "
        "capacity and queueing, not what one person waits"
    )


def load_section(load: dict[str, Any], rel: str) -> list[str]:
    kind = "People-like pacing" if load.get("think_time_s") else "Clients"
    out = [
        f"### {kind} ({_pacing_label(load)})",
        "",
        f"Each level runs N asyncio clients for {load['duration_s']:.0f} s against each "
        f"assistant (ours, then stock, at the same level); {_pacing(load)}. "
        'Our script: hi, "does it hurt?", "no thanks", '
        "\"can I have it if I'm on warfarin\", then the booking form (name, phone, time wish, "
        "first slot button, consent, summary confirmation) and \"thanks, bye\" - 12 turns when "
        "a slot is offered. Stock script (`rasa init` bot): greet, \"I am feeling great\", bye. "
        "Booked slots are cancelled in the store between levels. Rate limits lifted "
        "(`RATE_LIMIT_PER_SENDER=RATE_LIMIT_PER_IP=1000000`). Latency = client-side time of one "
        "POST until the full JSON reply.",
        "",
        "| clients | bot | turns | turns/s | p50 ms | p95 ms | p99 ms | errors | bookings "
        "(no slot/other) | load avg after |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for level in load["levels"]:
        for name in ("ours", "stock"):
            r = level[name]
            booked = f"{r['bookings']} ({r['booking_deviations']})" if name == "ours" else "-"
            out.append(
                f"| {level['clients']} | {name} | {r['turns']} | {r['throughput_turns_s']:.1f} | "
                f"{ms(r['p50_ms'])} | {ms(r['p95_ms'])} | {ms(r['p99_ms'])} | {r['errors']} | "
                f"{booked} | {' '.join(f'{x:.2f}' for x in r['load_after'])} |"
            )
    out += ["", "| clients | our p95 / stock p95 |", "|---|---|"]
    out += [
        f"| {lv['clients']} | {lv['p95_ratio_ours_over_stock']:.2f}x |" for lv in load["levels"]
    ]
    first = load["levels"][0] if load["levels"] else None
    if first and first["ours"].get("by_turn_p50_ms"):
        out += [
            "",
            f"Where our time goes: p50 per turn at {first['clients']} client(s) - "
            + ", ".join(f"{k} {ms(v)} ms" for k, v in first["ours"]["by_turn_p50_ms"].items())
            + "; stock: "
            + ", ".join(
                f"{k} {ms(v)} ms" for k, v in first["stock"].get("by_turn_p50_ms", {}).items()
            )
            + ".",
        ]
    hwm = load.get("peak_rss_mb_vmhwm", {})
    out += [
        "",
        f"Peak RSS (VmHWM over the whole run): our Rasa server {hwm.get('ours_rasa', 'n/a')} MB, "
        f"our action server {hwm.get('ours_actions', 'n/a')} MB, stock Rasa server "
        f"{hwm.get('stock_rasa', 'n/a')} MB. After start-up (VmRSS): "
        + ", ".join(f"{k} {v} MB" for k, v in load.get("rss_after_start_mb", {}).items())
        + ".",
        "",
        f"![p95 latency against clients]({rel}/{Path(load['plot']).name})",
        "",
    ]
    if load.get("stock_init_and_train_seconds"):
        out += [
            f"`rasa init --no-prompt` (creates and trains the stock bot): "
            f"{load['stock_init_and_train_seconds']:.0f} s.",
            "",
        ]
    return out


def floor_section(floor: dict[str, Any]) -> list[str]:
    ip = floor["in_process"]
    out = [
        "## In-process floor and training time",
        "",
        "`Agent.load(models/clinic.tar.gz)`, no HTTP, no action server, "
        f"{ip['parse']['n']} repetitions each:",
        "",
        "| step | p50 ms | p95 ms | p99 ms |",
        "|---|---|---|---|",
        f"| NLU parse (`agent.parse_message`: tokenizer, condition extractor, featurizers, "
        f"intent classifier, fallback, emergency override) | {ms(ip['parse']['p50_ms'])} | "
        f"{ms(ip['parse']['p95_ms'])} | {ms(ip['parse']['p99_ms'])} |",
        f"| one policy prediction (`processor._predict_next_with_tracker`: "
        f"{', '.join(ip.get('policies', ['the policy ensemble']))}) | "
        f"{ms(ip['predict']['p50_ms'])} | {ms(ip['predict']['p95_ms'])} | "
        f"{ms(ip['predict']['p99_ms'])} |",
        "",
        "(After \"does it hurt?\" the ensemble predicts "
        f"`{ip['predicted_after_pain_question']}`"
        f" via {ip['predict_policy']}.) Model load: {ip['model_load_seconds']:.1f} s.",
        "",
    ]
    if floor.get("train_full_seconds"):
        out.append(
            f"Full `rasa train` (NLU + core, empty cache, temp output dir): "
            f"**{floor['train_full_seconds']:.0f} s** (load avg after: "
            f"{' '.join(f'{x:.2f}' for x in floor['load_after_train'])})."
        )
    else:
        out.append(
            "Full `rasa train`: not timed in this run (`--skip-train`); with rules and "
            "memoization as the only dialogue policies it is the NLU training time of the "
            "NLU table plus a few seconds."
        )
    fresh = floor.get("fresh_clone_make_test")
    out.append(
        f"`make test` on a fresh clone (`CI=true bash .ci/run`): {fresh.split()[-1]} wall time."
        if fresh
        else "`make test` on a fresh clone: not measured in this run "
        "(`python -m bench.floor --fresh-clone-log LOG`)."
    )
    out.append("")
    return out


def profile_section(profile: dict[str, Any]) -> list[str]:
    """Throughput and latency with our Rasa speed-ups off and on, and where the time goes."""
    lines = [
        "## Profile of the hot path (py-spy)",
        "",
        "`python -m bench.profile --compare`: our assistant under the booking script, once with "
        "`CLINIC_RASA_SPEEDUPS=off` (Rasa as shipped) and once as deployed, py-spy sampling "
        "both processes.",
        "",
        "| speed-ups | clients | turns/s | p50 ms | p95 ms | errors |",
        "|---|---|---|---|---|---|",
    ]
    for run in profile["runs"]:
        lines.append(
            f"| {'on' if run['speedups'] else 'off'} | {run['clients']} | "
            f"{run['throughput_turns_s']:.1f} | {ms(run['p50_ms'])} | {ms(run['p95_ms'])} | "
            f"{run['errors']} |"
        )
    calls = profile["runs"][-1].get("action_calls", {})
    if calls:
        lines += [
            "",
            "One action call sent straight to the action server (HTTP + rasa-sdk + store "
            "read on SQLite), 200 times each:",
            "",
            "| call | p50 ms | p95 ms |",
            "|---|---|---|",
        ]
        lines += [f"| {k} | {v['p50_ms']:.1f} | {v['p95_ms']:.1f} |" for k, v in calls.items()]
    for run in profile["runs"]:
        for name, top in run.get("top_frames", {}).items():
            rows = [f"| {share * 100:.0f}% | `{frame[:90]}` |" for share, frame in top[:12]]
            state = "on" if run["speedups"] else "off"
            lines += ["", f"Samples of `{name}` (speed-ups {state}), inclusive, top 12:", ""]
            lines += ["| share | frame |", "|---|---|", *rows]
    return lines + [""]


def _pacing_label(load: dict[str, Any]) -> str:
    think = load.get("think_time_s") or 0
    return f"{think:g} s think time" if think else "back-to-back"


def _latency_targets(load: dict[str, Any]) -> list[str]:
    pacing = _pacing_label(load)
    at20 = [lv for lv in load["levels"] if lv["clients"] == 20]
    if not at20:
        return [f"| p95 at 20 clients ({pacing}) | level 20 not run | - |"]
    lv = at20[0]
    return [
        f"| p95 at 20 clients <= {TARGETS['p95_20_ms']:.0f} ms ({pacing}) | "
        f"{ms(lv['ours']['p95_ms'])} ms | {met(lv['ours']['p95_ms'] <= TARGETS['p95_20_ms'])} |",
        f"| p95 <= {TARGETS['ratio']}x stock at 20 clients ({pacing}) | "
        f"{lv['p95_ratio_ours_over_stock']:.2f}x | "
        f"{met(lv['p95_ratio_ours_over_stock'] <= TARGETS['ratio'])} |",
    ]


def _ahead_of_stock_row(nlu: dict[str, Any]) -> str:
    """Ours vs stock intent accuracy on the hold-out and, if run, in cross-validation."""
    pairs = [("hold-out", nlu["holdout"])]
    if nlu.get("holdout_blind"):
        pairs.append(("blind hold-out", nlu["holdout_blind"]))
    cv = nlu.get("cv") or {}
    if "ours" in cv and "stock" in cv:
        pairs.append(("CV", cv))
    measured = "; ".join(
        f"{label} {f3(d['ours']['accuracy'])} vs {f3(d['stock']['accuracy'])}" for label, d in pairs
    )
    ahead = all(d["ours"]["accuracy"] > d["stock"]["accuracy"] for _, d in pairs)
    return f"| intent accuracy ahead of the default pipeline | {measured} | {met(ahead)} |"


def targets_section(nlu, loads: list[dict[str, Any]]) -> list[str]:
    out = ["## Targets", "", "| target | measured | |", "|---|---|---|"]
    if nlu:
        h = nlu["holdout"]["ours"]
        out.append(
            f"| hold-out intent accuracy >= {TARGETS['holdout_accuracy']} | "
            f"{f3(h['accuracy'])} | {met(h['accuracy'] >= TARGETS['holdout_accuracy'])} |"
        )
        blind = (nlu.get("holdout_blind") or {}).get("ours")
        if blind:
            out.append(
                f"| ... the same bar on the blind second hold-out (not the issue's aim; "
                f"harder, see (3)) | {f3(blind['accuracy'])} | "
                f"{met(blind['accuracy'] >= TARGETS['holdout_accuracy'])} |"
            )
        out.append(
            f"| out_of_scope recall >= {TARGETS['oos_recall']} | {f3(h['oos_recall'])} "
            f"({f3(h['oos_recall_incl_fallback'])} counting nlu_fallback) | "
            f"{met((h['oos_recall'] or 0) >= TARGETS['oos_recall'])} |"
        )
        out.append(_ahead_of_stock_row(nlu))
    for load in loads:
        out += _latency_targets(load)
    out += [
        "",
        "Each row is this report's run; how much they move from run to run is under "
        "'Targets: honest reading' at the end.",
        "",
    ]
    return out


def busy_note(loads: list[list[float]], nproc: int) -> str:
    """Say plainly whether other work shared the CPUs during the run."""
    peak = max((la[0] for la in loads), default=0.0)
    if peak > 0.75 * nproc:
        return (
            f"The 1-minute load reached {peak:.1f} on {nproc} cores: other jobs (e.g. a "
            "CI-like test run, other people's Rasa servers) shared the machine for part of "
            "the run, so latencies and times here are upper bounds for an idle machine."
        )
    return "The machine was otherwise mostly idle."


FAQ_START, FAQ_END = "<!-- faq:start -->", "<!-- faq:end -->"


def faq_section(text: str) -> str:
    start, end = text.find(FAQ_START), text.find(FAQ_END)
    return text[start : end + len(FAQ_END)] if 0 <= start < end else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="report the smoke run")
    parser.add_argument(
        "--notes",
        type=Path,
        default=ROOT / "bench" / "notes.md",
        help="hand-written analysis appended after the tables",
    )
    args = parser.parse_args()
    results_dir, plots = out_dirs(args.quick)
    nlu = _load(results_dir / "nlu.json")
    load = _load(results_dir / "load.json")
    paced = _load(results_dir / "load_paced.json")
    load_runs = [run for run in (load, paced) if run]
    floor = _load(results_dir / "floor.json")
    profile = _load(results_dir / "profile" / "profile.json")
    dest = results_dir / "benchmarks.md" if args.quick else ROOT / "docs" / "benchmarks.md"
    rel = os.path.relpath(plots, dest.parent)
    m = (nlu or load or floor or {}).get("machine", {})
    loads = [
        f"{stage} {k.split('_')[1]} " + " ".join(f"{x:.2f}" for x in d[k])
        for stage, d in (("NLU", nlu), ("floor", floor), ("load", load))
        if d
        for k in ("load_start", "load_end")
        if d.get(k)
    ]
    cv = (nlu or {}).get("cv") or {}
    folds = next(iter(cv.values()))["folds"] if cv else 0
    lines = [
        "# Benchmarks: NLU quality and latency, side by side with stock Rasa",
        "",
        "Run `make bench` (full: 5-fold CV, levels 1/10/20/50 x 30 s back-to-back and "
        "10/20/50 x 60 s with 5 s think time, profile, training timing; about 20 min without "
        "cross-validation on this machine, 5-fold CV adds ~25-40 min) or `make bench-smoke` "
        "(2 folds, the stock DIET at 10 epochs, levels 1/5, "
        "8 s each; about 9 min here; output only under `results/bench/smoke/`). Options: "
        "`python -m bench.nlu --folds 3`, `python -m bench.load --levels 1,10 --duration 20`. "
        "Raw results: `results/bench/{nlu,load,floor}.json` (git-ignored); plots: "
        "`docs/bench/`.",
        "",
        f"**Machine**: {m.get('nproc')} cores ({m.get('cpu')}), {m.get('ram_gb')} GB RAM, "
        f"Python {m.get('python')}, Rasa {m.get('rasa')}. Load averages (1/5/15 min) at the "
        "start and end of each stage: "
        + "; ".join(loads)
        + ". "
        + busy_note(
            [d[k] for d in (nlu, load, floor) if d for k in ("load_start", "load_end") if d.get(k)],
            m.get("nproc") or 1,
        ),
        "",
        "**This report**: "
        + (f"{folds}-fold cross-validation" if folds else "no cross-validation (`--folds 0`)")
        + (" (the default is 5; 3 were used to fit the time available)" if folds == 3 else "")
        + "".join(
            f", load levels {', '.join(str(lv['clients']) for lv in run['levels'])} clients x "
            f"{run['duration_s']:.0f} s ({_pacing_label(run)})"
            for run in load_runs
        )
        + ".",
        "",
    ]
    if args.quick:
        lines += ["> Smoke run (`--quick`): few epochs and short levels; not for conclusions.", ""]
    lines += targets_section(nlu, load_runs)
    if nlu:
        lines += nlu_section(nlu, rel)
    if load_runs:
        lines += ["## Latency and load (REST webhook)", ""]
    for run in load_runs:
        lines += load_section(run, rel)
    if floor:
        lines += floor_section(floor)
    if profile:
        lines += profile_section(profile)
    if args.notes.exists() and not args.quick:
        lines += [args.notes.read_text().rstrip(), ""]
    dest.parent.mkdir(parents=True, exist_ok=True)
    # The FAQ retrieval section is written by `python -m bench.faq`: keep it.
    faq = faq_section(dest.read_text()) if dest.exists() else ""
    if faq:
        lines += [faq, ""]
    dest.write_text("\n".join(lines))
    print(f"[report] wrote {dest}")


if __name__ == "__main__":
    main()
