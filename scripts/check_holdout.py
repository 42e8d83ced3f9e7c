"""Fail if the hold-out intent accuracy (from `rasa test nlu`) is below a minimum."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("report", type=Path, help="intent_report.json written by rasa test nlu")
    parser.add_argument("--min-accuracy", type=float, required=True)
    args = parser.parse_args()

    report = json.loads(args.report.read_text(encoding="utf-8"))
    accuracy = report["accuracy"]
    worst = sorted(
        (name, scores["f1-score"])
        for name, scores in report.items()
        if isinstance(scores, dict) and "f1-score" in scores and name not in
        {"micro avg", "macro avg", "weighted avg"}
    )
    worst.sort(key=lambda item: item[1])
    print(f"Hold-out intent accuracy: {accuracy:.3f} (minimum {args.min_accuracy:.2f})")
    print("Lowest F1: " + ", ".join(f"{name} {f1:.2f}" for name, f1 in worst[:4]))
    if accuracy < args.min_accuracy:
        print("FAIL: hold-out accuracy is below the minimum.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
