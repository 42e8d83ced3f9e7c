"""Replies of a running assistant to the frozen blind judge set, for a blind judge to score.

    make run                        # in another shell (or any running assistant)
    python -m bench.judge [--url http://127.0.0.1:5005] [--out results/bench/judge/answers.yml]

Each message goes to the REST webhook in a conversation of its own, exactly as a client's
first message would. The output lists the message and what the client saw (texts and button
titles); it carries no label, so the judge scores the reply, not the topic we meant.
Scores are written by the judge into bench/judge/scores-<date>.yml and summarised with
`python -m bench.judge --summary bench/judge/scores-<date>.yml`.
"""

from __future__ import annotations

import argparse
import json
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

import yaml

from bench.common import RESULTS, ROOT

MESSAGES = ROOT / "bench" / "judge" / "messages.yml"
LABELS = ("useful", "partial", "wrong", "fallback", "unsafe")


def messages() -> list[dict]:
    return yaml.safe_load(MESSAGES.read_text())["messages"]


def ask(url: str, text: str) -> list[dict]:
    body = json.dumps({"sender": f"judge-{uuid.uuid4().hex[:12]}", "message": text}).encode()
    request = urllib.request.Request(
        f"{url}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def seen_by_client(replies: list[dict]) -> list[str]:
    """What a client reads: each text, then its buttons as [title] lines."""
    lines = []
    for reply in replies:
        if reply.get("text"):
            lines.append(reply["text"])
        lines.extend(f"[{button.get('title')}]" for button in reply.get("buttons") or [])
    return lines


def collect(url: str, out: Path) -> None:
    answers = [
        {"id": m["id"], "text": m["text"], "reply": seen_by_client(ask(url, m["text"]))}
        for m in messages()
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump({"answers": answers}, allow_unicode=True, sort_keys=False))
    print(f"{len(answers)} replies in {out}")


def summary(scores_file: Path) -> str:
    """Counts per label and, per category, the share judged useful."""
    scores = {s["id"]: s["label"] for s in yaml.safe_load(scores_file.read_text())["scores"]}
    unknown = set(scores.values()) - set(LABELS)
    if unknown:
        raise SystemExit(f"{scores_file}: unknown labels {sorted(unknown)}")
    overall = Counter(scores.values())
    lines = [f"{len(scores)} messages: " + ", ".join(f"{overall[x]} {x}" for x in LABELS)]
    by_category: dict[str, Counter] = {}
    for message in messages():
        by_category.setdefault(message["category"], Counter())[scores.get(message["id"])] += 1
    for category, counts in by_category.items():
        lines.append(f"  {category}: {counts['useful']}/{sum(counts.values())} useful")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    parser.add_argument("--out", type=Path, default=RESULTS / "judge" / "answers.yml")
    parser.add_argument("--summary", type=Path, help="a scores file to summarise instead")
    args = parser.parse_args()
    if args.summary:
        print(summary(args.summary))
    else:
        collect(args.url, args.out)


if __name__ == "__main__":
    main()
