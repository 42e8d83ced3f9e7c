"""Writing a validated knowledge bundle into the store: add what is new, update what
changed, remove what was deleted (so loading twice changes nothing)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.knowledge.bundle import KnowledgeBundle
from bot.knowledge.schema import PractitionerSpec, TopicSpec
from bot.store.models import (
    ClinicInfo,
    Condition,
    ConditionSynonym,
    KnowledgeState,
    OpeningHours,
    Practitioner,
    Topic,
    Treatment,
    WorkingHours,
    utc_now,
)


@dataclass
class TableChanges:
    added: int = 0
    changed: int = 0
    removed: int = 0

    @property
    def total(self) -> int:
        return self.added + self.changed + self.removed


@dataclass
class LoadReport:
    """What a load changed, per table."""

    tables: dict[str, TableChanges] = field(default_factory=dict)

    def table(self, name: str) -> TableChanges:
        return self.tables.setdefault(name, TableChanges())

    @property
    def changed_anything(self) -> bool:
        return any(changes.total for changes in self.tables.values())

    def summary(self) -> str:
        return "\n".join(
            f"{name}: {c.added} added, {c.changed} changed, {c.removed} removed"
            for name, c in sorted(self.tables.items())
        )


def _sync_rows(
    session: Session,
    model: type,
    key_attribute: str,
    wanted: dict[Any, dict[str, Any]],
    changes: TableChanges,
) -> dict[Any, Any]:
    """Make the rows of `model` equal `wanted` (key -> column values); return key -> row."""
    key_column = getattr(model, key_attribute)
    existing = {
        getattr(row, key_attribute): row
        for row in session.execute(select(model).order_by(key_column)).scalars()
    }
    for key in existing.keys() - wanted.keys():
        session.delete(existing.pop(key))
        changes.removed += 1
    # Deletes first, so a unique value can move from a removed row to a new one.
    session.flush()
    for key, values in wanted.items():
        row = existing.get(key)
        if row is None:
            row = model(**{key_attribute: key}, **values)
            session.add(row)
            existing[key] = row
            changes.added += 1
        elif any(getattr(row, column) != value for column, value in values.items()):
            for column, value in values.items():
                setattr(row, column, value)
            changes.changed += 1
    session.flush()
    return existing


def _delete_rows_not_in(
    session: Session, model: type, key_attribute: str, wanted: set, changes: TableChanges
) -> None:
    """Delete rows whose key is no longer wanted (before a cascade could hide them)."""
    for row in session.execute(select(model)).scalars():
        if getattr(row, key_attribute) not in wanted:
            session.delete(row)
            changes.removed += 1
    session.flush()


def _release_moved_intents(session: Session, topics: list[TopicSpec]) -> None:
    """Unset intents that move to another topic, so two topics can swap them in one load."""
    wanted = {topic.key: topic.intent for topic in topics}
    moved = [
        row
        for row in session.execute(select(Topic)).scalars()
        if row.intent is not None and wanted.get(row.key) != row.intent
    ]
    for row in moved:
        row.intent = None
    session.flush()


def sync_store(session: Session, bundle: KnowledgeBundle) -> LoadReport:
    """Mirror a validated bundle into the store (the caller owns the transaction)."""
    report = LoadReport()
    clinic = bundle.clinic
    clinic_values = clinic.dict(exclude={"opening_hours"})
    _sync_rows(session, ClinicInfo, "id", {1: clinic_values}, report.table("clinic_info"))
    _sync_rows(
        session,
        OpeningHours,
        "weekday",
        {h.weekday: {"opens": h.opens, "closes": h.closes} for h in clinic.opening_hours},
        report.table("opening_hours"),
    )
    _release_moved_intents(session, bundle.topics)
    _sync_rows(
        session,
        Topic,
        "key",
        {t.key: t.dict(exclude={"key"}) for t in bundle.topics},
        report.table("topics"),
    )
    wanted_phrases = {phrase for c in bundle.conditions for phrase in c.synonyms}
    _delete_rows_not_in(
        session, ConditionSynonym, "phrase", wanted_phrases, report.table("condition_synonyms")
    )
    condition_rows = _sync_rows(
        session,
        Condition,
        "key",
        {c.key: c.dict(exclude={"key", "synonyms"}) for c in bundle.conditions},
        report.table("conditions"),
    )
    _sync_rows(
        session,
        ConditionSynonym,
        "phrase",
        {
            phrase: {"condition_id": condition_rows[c.key].id}
            for c in bundle.conditions
            for phrase in c.synonyms
        },
        report.table("condition_synonyms"),
    )
    _sync_rows(
        session,
        Treatment,
        "key",
        {
            t.key: {
                "name": t.name,
                "description": t.description,
                "duration_minutes": t.duration_minutes,
                "price_minor": t.price_minor,
                "first_session": t.first_session,
                "position": position,
            }
            for position, t in enumerate(bundle.treatments)
        },
        report.table("treatments"),
    )
    _sync_practitioners(session, bundle.practitioners, report)
    if report.changed_anything:
        _bump_version(session)
    return report


def _bump_version(session: Session) -> None:
    """Tell running servers (which poll this row) that the knowledge changed."""
    state = session.get(KnowledgeState, 1)
    if state is None:
        session.add(KnowledgeState(id=1, version=1, loaded_at=utc_now()))
    else:
        state.version += 1
        state.loaded_at = utc_now()
    session.flush()


def _sync_practitioners(
    session: Session, practitioners: list[PractitionerSpec], report: LoadReport
) -> None:
    """Practitioners who left are deactivated, not deleted: their bookings keep pointing at them."""
    existing_keys = set(session.execute(select(Practitioner.key)).scalars())
    wanted = {p.key: {"name": p.name, "active": True} for p in practitioners}
    for key in existing_keys - wanted.keys():
        wanted[key] = {"active": False}
    rows = _sync_rows(session, Practitioner, "key", wanted, report.table("practitioners"))
    hours = {
        (rows[p.key].id, h.weekday): {"starts": h.starts, "ends": h.ends}
        for p in practitioners
        for h in p.working_hours
    }
    changes = report.table("working_hours")
    existing = {
        (row.practitioner_id, row.weekday): row
        for row in session.execute(select(WorkingHours)).scalars()
    }
    for key in existing.keys() - hours.keys():
        session.delete(existing.pop(key))
        changes.removed += 1
    for (practitioner_id, weekday), values in hours.items():
        row = existing.get((practitioner_id, weekday))
        if row is None:
            session.add(WorkingHours(practitioner_id=practitioner_id, weekday=weekday, **values))
            changes.added += 1
        elif (row.starts, row.ends) != (values["starts"], values["ends"]):
            row.starts, row.ends = values["starts"], values["ends"]
            changes.changed += 1
    session.flush()
