"""Slot names: actions/slots.py and domain.yml name the same slots, and actions use the names."""

from __future__ import annotations

import ast
from pathlib import Path

import yaml

from actions import slots
from actions.forms import FORM_SLOTS
from bot.settings import PROJECT_ROOT

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
DOMAIN_SLOTS = set(DOMAIN["slots"])
ACTIONS = sorted((PROJECT_ROOT / "actions").glob("*.py"))
# Rasa's own slot: not declared in domain.yml.
RASA_SLOTS = {slots.REQUESTED_SLOT}


def constants() -> dict[str, str]:
    return {name: value for name, value in vars(slots).items() if name.isupper()}


def test_every_slot_constant_is_a_slot_in_the_domain() -> None:
    unknown = {name: value for name, value in constants().items() if value not in DOMAIN_SLOTS}
    assert set(unknown.values()) <= RASA_SLOTS, unknown


def test_every_slot_in_the_domain_has_a_constant() -> None:
    assert DOMAIN_SLOTS - set(constants().values()) == set()


def test_ending_a_booking_conversation_clears_every_form_slot() -> None:
    required = {slot for form in DOMAIN["forms"].values() for slot in form["required_slots"]}
    assert required <= set(FORM_SLOTS)
    assert set(FORM_SLOTS) <= DOMAIN_SLOTS


def literal_slot_names(path: Path) -> list[str]:
    """get_slot("x"), SlotSet("x", ...) and {"x": ...} with a slot's name written out."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and node.args:
            callee = node.func.attr if isinstance(node.func, ast.Attribute) else node.func
            name = callee if isinstance(callee, str) else getattr(callee, "id", "")
            if name in ("get_slot", "SlotSet"):
                found.append(node.args[0])
        elif isinstance(node, ast.Dict):
            found.extend(key for key in node.keys if key is not None)
    names = [n.value for n in found if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    return [f"{path.name}: {name!r}" for name in names if name in DOMAIN_SLOTS | RASA_SLOTS]


def test_actions_name_slots_by_their_constants() -> None:
    assert [name for path in ACTIONS for name in literal_slot_names(path)] == []


def test_the_literal_check_finds_a_slot_name_written_out(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('tracker.get_slot("contact")\nSlotSet("time_wish", None)\n{"consent": 1}\n')
    assert literal_slot_names(sample) == [
        "sample.py: 'contact'",
        "sample.py: 'time_wish'",
        "sample.py: 'consent'",
    ]
