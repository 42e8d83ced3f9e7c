"""Multi-turn dialogues from tests/dialogues/*.yml, run against the real servers over REST.

A dialogue is a list of user turns, each with reply fragments that must (or must not)
appear, and the store it should leave behind, read through `clinic bookings list --json`.
Fragments may name texts instead of copying them, so staff can edit those texts:

  {ask.<slot>}       the form's question (bot/booking/messages.py ASK)
  {expected.<slot>}  what a question expects, said after two misses (messages.EXPECTED)
  {<NAME>}           any other upper-case constant of bot/booking/messages.py, bot/booking/
                     contact.py or bot/booking/wishes/, e.g. {STOPPED}, {NAME_ERROR}
  {topic.<key>}      the start of a topic's answer in data/knowledge/topics.yml (or topics/)
  {clinic.phone}     the clinic's phone number from data/knowledge/clinic.yml
  {phone} {phone_e164} {email} {other_phone}   this dialogue's own contact details
  {ref}              the reference of the dialogue's existing booking (`given: booking`)
  {slot.<n>.time}    in a user turn: the time of offered slot n in the latest buttons

See README.md ("Dialogue tests") for the format and how to add a dialogue.
"""

from __future__ import annotations

import json
import re
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.booking import contact as contact_texts
from bot.booking import messages, wishes
from bot.settings import PROJECT_ROOT
from tests.stores import KNOWLEDGE_DIR

DIALOGUES_DIR = PROJECT_ROOT / "tests" / "dialogues"
KNOWLEDGE = KNOWLEDGE_DIR
# The same bot text at the end of this many turns in a row is a loop.
LOOP_TURNS = 3
TOPIC_FRAGMENT_WORDS = 8
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][\w.]*)\}")


@dataclass
class Dialogue:
    name: str
    turns: list[dict[str, Any]]
    store: dict[str, Any] | None
    given: dict[str, Any] = field(default_factory=dict)
    source: str = ""


def load_dialogues(directory: Path = DIALOGUES_DIR) -> list[Dialogue]:
    found = []
    for path in sorted(directory.glob("*.yml")):
        # BaseLoader: every value is a string as typed ("yes", "no", "1" stay what a client
        # types, not booleans or numbers); `null` in a store expectation means no value.
        for item in yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)[
            "dialogues"
        ]:
            unknown = set(item) - {"name", "turns", "store", "given"}
            if unknown:
                raise ValueError(f"{path.name}: {item.get('name')}: unknown keys {unknown}")
            found.append(
                Dialogue(
                    name=item["name"],
                    turns=item["turns"],
                    store=item.get("store"),
                    given=item.get("given") or {},
                    source=path.name,
                )
            )
    names = [d.name for d in found]
    duplicates = {name for name in names if names.count(name) > 1}
    if duplicates:
        raise ValueError(f"dialogue names must be unique: {sorted(duplicates)}")
    return found


def _constants() -> dict[str, str]:
    values: dict[str, str] = {}
    for module in (messages, contact_texts, wishes):
        for name, value in vars(module).items():
            if name.isupper() and isinstance(value, str):
                values[name] = value
    for slot, text in messages.ASK.items():
        values[f"ask.{slot}"] = text
    for slot, text in messages.EXPECTED.items():
        values[f"expected.{slot}"] = text
    for path in [KNOWLEDGE / "topics.yml", *sorted((KNOWLEDGE / "topics").glob("*.yml"))]:
        if path.exists():
            _add_topics(values, yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    clinic = yaml.safe_load((KNOWLEDGE / "clinic.yml").read_text(encoding="utf-8"))["clinic"]
    values["clinic.phone"] = str(clinic["phone"])
    return values


def _add_topics(values: dict[str, str], data: dict) -> None:
    for topic in data.get("topics") or []:
        if not isinstance(topic.get("answer"), str):
            continue
        words = " ".join(topic["answer"].split()).split(" ")
        values[f"topic.{topic['key']}"] = " ".join(words[:TOPIC_FRAGMENT_WORDS])


CONSTANTS = _constants()


def fill(text: str, values: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise KeyError(f"unknown placeholder {{{key}}} in {text!r}")
        return str(values[key])

    return _PLACEHOLDER.sub(replace, text)


def slot_times(replies: list[dict]) -> dict[str, str]:
    """{slot.1.time: "13:45", ...} from the latest offered-slot buttons."""
    times = {}
    for reply in replies:
        for button in reply.get("buttons") or []:
            clock = re.search(r"\b(\d\d:\d\d)\b", button.get("title", ""))
            if clock and button.get("payload", "").isdigit():
                times[f"slot.{button['payload']}.time"] = clock.group(1)
    return times


def reply_text(replies: list[dict]) -> str:
    """Texts and button titles of one turn's replies."""
    parts = []
    for reply in replies:
        parts.append(reply.get("text") or "")
        parts.extend(button.get("title", "") for button in reply.get("buttons") or [])
    return "\n".join(parts)


def find_loop(turn_texts: list[list[str]]) -> str | None:
    """A bot text sent in LOOP_TURNS consecutive turns (the same question again and again)."""
    for start in range(len(turn_texts) - LOOP_TURNS + 1):
        window = [set(texts) for texts in turn_texts[start : start + LOOP_TURNS]]
        repeated = set.intersection(*window) - {""}
        if repeated:
            return sorted(repeated)[0]
    return None


def matches(record: dict[str, Any], expected: dict[str, Any], values: dict[str, str]) -> bool:
    for key, want in expected.items():
        want = None if want in ("null", "~") else fill(want, values)
        if record.get(key) != want:
            return False
    return True


class RestChat:
    def __init__(self, rasa_url: str, sender: str) -> None:
        self.url = f"{rasa_url}/webhooks/rest/webhook"
        self.sender = sender

    def say(self, text: str) -> list[dict]:
        body = json.dumps({"sender": self.sender, "message": text}).encode()
        request = urllib.request.Request(
            self.url, data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())


def run_dialogue(dialogue: Dialogue, chat: RestChat, values: dict[str, str]) -> list[str]:
    """Run every turn; return the problems found (empty: the dialogue passed)."""
    problems: list[str] = []
    values = {**CONSTANTS, **values}
    turn_texts: list[list[str]] = []
    transcript: list[str] = []
    for number, turn in enumerate(dialogue.turns, start=1):
        try:
            user = fill(turn["user"], values)
        except KeyError as error:  # e.g. {slot.3.time} when fewer times were offered
            problems.append(f"turn {number}: {error}")
            break
        replies = chat.say(user)
        values.update(slot_times(replies))
        text = reply_text(replies)
        transcript.append(f"  user: {user}\n  bot:  " + text.replace("\n", "\n        "))
        turn_texts.append([reply.get("text") or "" for reply in replies])
        folded = text.casefold()  # "Back to your booking - what name ..."
        for fragment in turn.get("bot") or []:
            if fill(fragment, values).casefold() not in folded:
                problems.append(f"turn {number} ({user!r}): missing {fill(fragment, values)!r}")
        for fragment in turn.get("not") or []:
            if fill(fragment, values).casefold() in folded:
                problems.append(f"turn {number} ({user!r}): unexpected {fill(fragment, values)!r}")
    looped = find_loop(turn_texts)
    if looped:
        problems.append(f"loop: sent {LOOP_TURNS} turns in a row: {looped!r}")
    if problems:
        problems.append("transcript:\n" + "\n".join(transcript))
    return problems
