"""The ask box (the `clinic ask` answer with its sources) and the knowledge status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from bot.answers import Answers
from bot.store import queries
from bot.store.models import Condition, KnowledgeLoad, Topic
from bot.store.session import session_scope

CONDITION_ENTITY = "condition"


@dataclass(frozen=True)
class AskResult:
    intent: str | None
    confidence: float
    answer: str | None
    sources: list[str]


def parse_result_answer(result: dict, database_url: str | None = None) -> AskResult:
    """The vetted answer and its sources for a parsed message (Rasa's parse_message result)."""
    intent = result.get("intent") or {}
    name, confidence = intent.get("name"), float(intent.get("confidence") or 0.0)
    keys = [
        e["value"]
        for e in result.get("entities") or []
        if e.get("entity") == CONDITION_ENTITY and e.get("value")
    ]
    # The same choice as `clinic ask` and the action server (FAQ retrieval included).
    answer = Answers(database_url).for_message(name, result.get("text") or "", keys)
    return AskResult(name, confidence, answer, sources_for(name, keys, database_url))


def sources_for(
    intent: str | None, condition_keys: list[str], database_url: str | None
) -> list[str]:
    with session_scope(database_url) as session:
        if intent == "ask_suitability" and condition_keys:
            rows = session.execute(
                select(Condition.sources).where(Condition.key.in_(condition_keys))
            ).scalars()
            found = [source for sources in rows for source in (sources or [])]
            return list(dict.fromkeys(found))
        if intent:
            topic = queries.topic_for_intent(session, intent)
            return list(topic.sources) if topic else []
    return []


async def ask(question: str, model_path: Path, database_url: str | None = None) -> AskResult:
    """What the assistant would answer (loads the model once per process: slow the first time)."""
    from starlette.concurrency import run_in_threadpool

    from bot.cli import load_agent, quiet_warnings

    agent = await run_in_threadpool(load_agent, str(model_path))
    with quiet_warnings():
        result = await agent.parse_message(question)
    return await run_in_threadpool(parse_result_answer, result, database_url)


@dataclass(frozen=True)
class KnowledgeStatus:
    last_load: datetime | None
    last_change: datetime | None
    summary: str
    topics: int
    conditions: int
    check_error: str | None
    check_summary: str | None


def knowledge_status(directory: Path, database_url: str | None = None) -> KnowledgeStatus:
    """When the knowledge was last loaded, what the store holds, and `knowledge check`."""
    from bot.knowledge.loader import KnowledgeError, read_knowledge_dir

    with session_scope(database_url) as session:
        last = session.execute(
            select(KnowledgeLoad).order_by(KnowledgeLoad.loaded_at.desc()).limit(1)
        ).scalar_one_or_none()
        last_change = session.execute(
            select(func.max(KnowledgeLoad.loaded_at)).where(KnowledgeLoad.changed)
        ).scalar_one_or_none()
        topics = session.execute(select(func.count(Topic.id))).scalar_one()
        conditions = session.execute(select(func.count(Condition.id))).scalar_one()
    error = summary = None
    try:
        bundle = read_knowledge_dir(directory)
        summary = (
            f"{len(bundle.topics)} topics, {len(bundle.conditions)} conditions, "
            f"{len(bundle.treatments)} treatments"
        )
    except KnowledgeError as problem:
        error = str(problem)
    return KnowledgeStatus(
        last.loaded_at if last else None,
        last_change,
        last.summary if last else "",
        topics,
        conditions,
        error,
        summary,
    )
