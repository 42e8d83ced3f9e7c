"""What reading the knowledge directory gives: every file's sections, validated."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.knowledge.schema import (
    ClinicSpec,
    ConditionSpec,
    PractitionerSpec,
    TopicSpec,
    TreatmentSpec,
)


@dataclass
class KnowledgeBundle:
    """Everything in the knowledge directory, validated."""

    clinic: ClinicSpec
    topics: list[TopicSpec]
    conditions: list[ConditionSpec]
    treatments: list[TreatmentSpec]
    practitioners: list[PractitionerSpec] = field(default_factory=list)
    # topic key -> (file, line), for problems found after parsing (see `problems`).
    topic_locations: dict[str, tuple[Path, int | None]] = field(default_factory=dict)
