"""Checks across the knowledge files (each file alone is checked by the schema): keys and
synonyms defined once, one first-session treatment, and what `clinic knowledge check`
adds for the FAQ search (topics without questions, questions two topics share)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.knowledge.bundle import KnowledgeBundle
from bot.knowledge.errors import KnowledgeError
from bot.knowledge.schema import ConditionSpec, PractitionerSpec, TopicSpec, TreatmentSpec


@dataclass(frozen=True)
class Places:
    """Where each parsed item was written (by id() of the item), for error messages."""

    directory: Path
    path_of: dict[int, Path]
    line_of: dict[int, int | None]

    def error(self, item: Any, reason: str) -> KnowledgeError:
        return KnowledgeError(
            self.path_of.get(id(item), self.directory), self.line_of.get(id(item)), reason
        )


def check_across_files(
    places: Places,
    topics: list[TopicSpec],
    conditions: list[ConditionSpec],
    treatments: list[TreatmentSpec],
    practitioners: list[PractitionerSpec],
) -> None:
    """Raise the first KnowledgeError found in what the files say together."""
    _unique(topics, "key", places, "topic key")
    _unique(topics, "intent", places, "topic for intent")
    _unique(conditions, "key", places, "condition key")
    _unique(treatments, "key", places, "treatment key")
    _unique(practitioners, "key", places, "practitioner key")
    _check_synonyms_unique(conditions, places)
    firsts = [t for t in treatments if t.first_session]
    if len(firsts) != 1:
        where = firsts[1] if len(firsts) > 1 else (treatments[0] if treatments else None)
        raise places.error(
            where, f"exactly one treatment needs 'first_session: true' (found {len(firsts)})"
        )


def _unique(items: list, attribute: str, places: Places, what: str) -> None:
    seen: set[Any] = set()
    for item in items:
        value = getattr(item, attribute)
        if value is None:
            continue
        if value in seen:
            raise places.error(item, f"{what} {value!r} is defined twice")
        seen.add(value)


def _check_synonyms_unique(conditions: list[ConditionSpec], places: Places) -> None:
    owner: dict[str, str] = {}
    for condition in conditions:
        repeated = [p for p, n in Counter(condition.synonyms).items() if n > 1]
        if repeated:
            raise places.error(
                condition, f"condition {condition.key!r} lists {repeated[0]!r} twice"
            )
        for phrase in condition.synonyms:
            if phrase in owner:
                raise places.error(
                    condition,
                    f"synonym {phrase!r} of {condition.key!r} already belongs to "
                    f"{owner[phrase]!r}",
                )
            owner[phrase] = condition.key


def problems(bundle: KnowledgeBundle) -> list[KnowledgeError]:
    """What `clinic knowledge check` reports beyond the schema: topics the FAQ search
    cannot find (no questions) and questions two topics share."""
    found: list[KnowledgeError] = []
    owner: dict[str, str] = {}
    for topic in bundle.topics:
        path, line = bundle.topic_locations.get(topic.key, (Path("?"), None))
        if not topic.questions:
            found.append(
                KnowledgeError(
                    path, line, f"topic {topic.key!r} has no 'questions:' (list 5 to 15 ways "
                    "clients ask it, or the assistant cannot find it)"
                )
            )
        for question in topic.questions:
            normal = " ".join(question.lower().split())
            if normal in owner and owner[normal] != topic.key:
                found.append(
                    KnowledgeError(
                        path, line, f"question {question!r} of {topic.key!r} is also a "
                        f"question of {owner[normal]!r}"
                    )
                )
            owner.setdefault(normal, topic.key)
    return found
