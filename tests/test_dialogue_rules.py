"""The dialogue is decided by rules: every intent has one, in and out of the forms.

config.yml runs no machine-learned dialogue policy (no TEDPolicy): a turn that no rule or
story covers gets `utter_please_rephrase` from RulePolicy's core fallback. These tests keep
that safe: an intent added to the domain without a rule, or a question that escapes a form
without a rule to answer it and resume the form, fails here instead of reaching a client as
"please rephrase".
"""

from __future__ import annotations

from collections import defaultdict

import pytest
import yaml

from bot.settings import PROJECT_ROOT

FORMS = ("booking_form", "manage_booking_form")


def _yaml(name: str) -> dict:
    return yaml.safe_load((PROJECT_ROOT / name).read_text(encoding="utf-8"))


DOMAIN = _yaml("domain.yml")
RULES = _yaml("data/rules.yml")["rules"]
CONFIG = _yaml("config.yml")


def _first_intents(rule: dict) -> list[str]:
    first = rule["steps"][0]
    if "intent" in first:
        return [first["intent"]]
    return [option["intent"] for option in first.get("or", []) if "intent" in option]


def _conditions(rule: dict) -> tuple[str | None, dict]:
    """(active loop the rule needs, slot values it needs)."""
    loop, slots = None, {}
    for condition in rule.get("condition", []):
        if "active_loop" in condition:
            loop = condition["active_loop"]
        for slot in condition.get("slot_was_set", []):
            slots.update(slot)
    return loop, slots


def _rules_by_intent() -> dict[tuple[str, str | None], list[dict]]:
    """(intent, active loop) -> slot conditions of the rules that start with that intent."""
    found: dict[tuple[str, str | None], list[dict]] = defaultdict(list)
    for rule in RULES:
        loop, slots = _conditions(rule)
        for intent in _first_intents(rule):
            found[(intent, loop)].append(slots)
    return found


RULES_BY_INTENT = _rules_by_intent()


def test_no_learned_dialogue_policy_guesses_the_next_step():
    policies = [p["name"] for p in CONFIG["policies"]]
    assert "TEDPolicy" not in policies
    rule_policy = next(p for p in CONFIG["policies"] if p["name"] == "RulePolicy")
    assert rule_policy["core_fallback_action_name"] == "utter_please_rephrase"


@pytest.mark.parametrize("intent", [*DOMAIN["intents"], "nlu_fallback"])
def test_every_intent_has_a_rule_outside_the_forms(intent):
    slot_conditions = RULES_BY_INTENT.get((intent, None))

    assert slot_conditions, f"no rule starts with {intent!r} outside a form"
    # A rule that needs a slot value must have a partner for every other value of that slot.
    for slot in {name for conditions in slot_conditions for name in conditions}:
        values = {conditions.get(slot) for conditions in slot_conditions}
        if None not in values:
            assert values >= {True, False}, f"{intent!r} has rules only when {slot} is {values}"


def _escaping_intents() -> list[str]:
    """Intents that are never a form answer (domain `x-not-answers`): they leave the form."""
    return DOMAIN["x-not-answers"]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("intent", _escaping_intents())
def test_an_intent_that_escapes_a_form_has_a_rule_inside_it(form, intent):
    assert (intent, form) in RULES_BY_INTENT, f"no rule for {intent!r} while {form} is active"


@pytest.mark.parametrize("form", FORMS)
def test_questions_inside_a_form_resume_it(form):
    for rule in RULES:
        loop, _ = _conditions(rule)
        intents = _first_intents(rule)
        if loop != form or not intents or not intents[0].startswith("ask_"):
            continue
        last_steps = rule["steps"][-2:]
        assert last_steps == [{"action": form}, {"active_loop": form}], rule["rule"]
