"""Read data/knowledge/*.yml and mirror it into the store in one transaction.

The YAML files are the single source of truth: loading adds what is new,
updates what changed and removes what was deleted, so running it twice changes
nothing. Any problem is reported as `file:line: reason` before the store is
touched.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.knowledge.schema import (
    ClinicSpec,
    ConditionSpec,
    KnowledgeFile,
    PractitionerSpec,
    TopicSpec,
    TreatmentSpec,
)
from bot.settings import get_settings
from bot.store.models import (
    ClinicInfo,
    Condition,
    ConditionSynonym,
    KnowledgeLoad,
    KnowledgeState,
    OpeningHours,
    Practitioner,
    Topic,
    Treatment,
    WorkingHours,
    utc_now,
)
from bot.store.session import session_scope

# New topics may live one file per category in this sub-folder of the knowledge directory.
TOPICS_FOLDER = "topics"


class KnowledgeError(ValueError):
    """A knowledge file that cannot be loaded, with where and why."""

    def __init__(self, path: Path, line: int | None, reason: str) -> None:
        self.path, self.line, self.reason = path, line, reason
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {reason}")


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


# --- reading -----------------------------------------------------------------------


def _line_of(document: Any, location: tuple) -> int | None:
    """The 1-based line of the deepest node of `location` that exists in the document."""
    line = None
    node = document
    for part in location:
        lc = getattr(node, "lc", None)
        try:
            if isinstance(part, int) and isinstance(node, list) and part < len(node):
                line = lc.item(part)[0] + 1 if lc else line
                node = node[part]
            elif isinstance(node, dict) and part in node:
                line = lc.value(part)[0] + 1 if lc else line
                node = node[part]
            else:
                break
        except (KeyError, IndexError, TypeError):
            break
    return line


def _parse_file(path: Path) -> tuple[KnowledgeFile, Any]:
    try:
        document = YAML(typ="rt").load(path.read_text(encoding="utf-8"))
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        raise KnowledgeError(path, line, f"not valid YAML: {error.problem}") from None
    except UnicodeDecodeError as error:
        raise KnowledgeError(path, None, f"not UTF-8 text: {error.reason}") from None
    if document is None:
        return KnowledgeFile(), {}
    if not isinstance(document, dict):
        raise KnowledgeError(path, 1, "expected sections such as 'topics:' at the top level")
    try:
        return KnowledgeFile.parse_obj(document), document
    except ValidationError as error:
        # A misspelt key also makes the real key "missing": name the typo first.
        errors = sorted(error.errors(), key=lambda e: e["type"] != "value_error.extra")
        first = errors[0]
        location = tuple(part for part in first["loc"] if part != "__root__")
        field_path = ".".join(str(part) for part in location)
        message = (
            "unknown field (a typo?)" if first["type"] == "value_error.extra" else first["msg"]
        )
        reason = f"{field_path}: {message}" if field_path else message
        raise KnowledgeError(path, _line_of(document, location), reason) from None


def _unique(items: list, attribute: str, path_of: dict, line_of: dict, what: str) -> None:
    seen: dict[Any, int] = {}
    for index, item in enumerate(items):
        value = getattr(item, attribute)
        if value is None:
            continue
        if value in seen:
            raise KnowledgeError(
                path_of[id(item)], line_of[id(item)], f"{what} {value!r} is defined twice"
            )
        seen[value] = index


def read_knowledge_dir(directory: Path | None = None) -> KnowledgeBundle:
    """Parse and validate every *.yml file of the knowledge directory and of its topics/."""
    directory = Path(directory or get_settings().knowledge_dir)
    paths = sorted([*directory.glob("*.yml"), *directory.glob("*.yaml")]) + sorted(
        [*directory.glob(f"{TOPICS_FOLDER}/*.yml"), *directory.glob(f"{TOPICS_FOLDER}/*.yaml")]
    )
    if not paths:
        raise KnowledgeError(directory, None, "no *.yml knowledge files found")

    clinic: tuple[ClinicSpec, Path] | None = None
    topics: list[TopicSpec] = []
    conditions: list[ConditionSpec] = []
    treatments: list[TreatmentSpec] = []
    practitioners: list[PractitionerSpec] = []
    path_of: dict[int, Path] = {}
    line_of: dict[int, int | None] = {}

    for path in paths:
        parsed, document = _parse_file(path)
        if parsed.clinic is not None:
            if clinic is not None:
                raise KnowledgeError(
                    path, _line_of(document, ("clinic",)), f"'clinic' is already in {clinic[1]}"
                )
            clinic = (parsed.clinic, path)
        # list[Any]: each section fills its own typed list, which one tuple type cannot say.
        sections: tuple[tuple[str, list[Any], list[Any]], ...] = (
            ("topics", parsed.topics, topics),
            ("conditions", parsed.conditions, conditions),
            ("treatments", parsed.treatments, treatments),
            ("practitioners", parsed.practitioners, practitioners),
        )
        for section, items, bucket in sections:
            for index, item in enumerate(items):
                path_of[id(item)] = path
                line_of[id(item)] = _line_of(document, (section, index))
            bucket.extend(items)

    if clinic is None:
        raise KnowledgeError(directory, None, "no file has a 'clinic:' section")
    _unique(topics, "key", path_of, line_of, "topic key")
    _unique(topics, "intent", path_of, line_of, "topic for intent")
    _unique(conditions, "key", path_of, line_of, "condition key")
    _unique(treatments, "key", path_of, line_of, "treatment key")
    _unique(practitioners, "key", path_of, line_of, "practitioner key")
    _check_synonyms_unique(conditions, path_of, line_of)
    firsts = [t for t in treatments if t.first_session]
    if len(firsts) != 1:
        where = firsts[1] if len(firsts) > 1 else (treatments[0] if treatments else None)
        raise KnowledgeError(
            path_of.get(id(where), directory),
            line_of.get(id(where)),
            f"exactly one treatment needs 'first_session: true' (found {len(firsts)})",
        )
    locations: dict[str, tuple[Path, int | None]] = {
        t.key: (path_of[id(t)], line_of[id(t)]) for t in topics
    }
    return KnowledgeBundle(clinic[0], topics, conditions, treatments, practitioners, locations)


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


def _check_synonyms_unique(conditions: list[ConditionSpec], path_of: dict, line_of: dict) -> None:
    owner: dict[str, str] = {}
    for condition in conditions:
        repeated = [p for p, n in Counter(condition.synonyms).items() if n > 1]
        if repeated:
            raise KnowledgeError(
                path_of[id(condition)],
                line_of[id(condition)],
                f"condition {condition.key!r} lists {repeated[0]!r} twice",
            )
        for phrase in condition.synonyms:
            if phrase in owner:
                raise KnowledgeError(
                    path_of[id(condition)],
                    line_of[id(condition)],
                    f"synonym {phrase!r} of {condition.key!r} already belongs to "
                    f"{owner[phrase]!r}",
                )
            owner[phrase] = condition.key


# --- writing -----------------------------------------------------------------------


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


def load_knowledge(directory: Path | None = None, database_url: str | None = None) -> LoadReport:
    """Validate the knowledge files, then mirror them into the store atomically."""
    bundle = read_knowledge_dir(directory)
    with session_scope(database_url) as session:
        report = sync_store(session, bundle)
        # When and what: the front desk console shows it (Knowledge status).
        session.add(KnowledgeLoad(changed=report.changed_anything, summary=report.summary()))
        return report
