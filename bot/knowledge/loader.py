"""Read data/knowledge/*.yml and mirror it into the store in one transaction.

The YAML files are the single source of truth: loading adds what is new,
updates what changed and removes what was deleted, so running it twice changes
nothing. Any problem is reported as `file:line: reason` before the store is
touched.

The jobs live apart: reading (YAML, schema, file:line) into a bundle, checks (what
spans files), store_sync (writing to the store); this module joins them and keeps the names
callers import from it.
"""

from __future__ import annotations

from pathlib import Path

from bot.knowledge.bundle import KnowledgeBundle
from bot.knowledge.checks import problems
from bot.knowledge.errors import KnowledgeError
from bot.knowledge.reading import TOPICS_FOLDER, read_knowledge_dir
from bot.knowledge.store_sync import LoadReport, TableChanges, sync_store
from bot.store.models import KnowledgeLoad
from bot.store.session import session_scope

__all__ = [
    "TOPICS_FOLDER",
    "KnowledgeBundle",
    "KnowledgeError",
    "LoadReport",
    "TableChanges",
    "load_knowledge",
    "problems",
    "read_knowledge_dir",
    "sync_store",
]


def load_knowledge(directory: Path | None = None, database_url: str | None = None) -> LoadReport:
    """Validate the knowledge files, then mirror them into the store atomically."""
    bundle = read_knowledge_dir(directory)
    with session_scope(database_url) as session:
        report = sync_store(session, bundle)
        # When and what: the front desk console shows it (Knowledge status).
        session.add(KnowledgeLoad(changed=report.changed_anything, summary=report.summary()))
        return report
