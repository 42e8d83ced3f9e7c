"""Reading data/knowledge/*.yml: parsed, schema-checked, with `file:line` for every problem.

Each file is checked against bot.knowledge.schema; what spans files (keys defined twice,
one first-session treatment) is checked by bot.knowledge.checks. Nothing here touches the
store.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError

from bot.knowledge.bundle import KnowledgeBundle
from bot.knowledge.checks import Places, check_across_files
from bot.knowledge.errors import KnowledgeError
from bot.knowledge.schema import (
    ClinicSpec,
    ConditionSpec,
    KnowledgeFile,
    PractitionerSpec,
    TopicSpec,
    TreatmentSpec,
)
from bot.settings import get_settings

# New topics may live one file per category in this sub-folder of the knowledge directory.
TOPICS_FOLDER = "topics"


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
    places = Places(directory, path_of, line_of)
    check_across_files(places, topics, conditions, treatments, practitioners)
    locations: dict[str, tuple[Path, int | None]] = {
        t.key: (path_of[id(t)], line_of[id(t)]) for t in topics
    }
    return KnowledgeBundle(clinic[0], topics, conditions, treatments, practitioners, locations)
