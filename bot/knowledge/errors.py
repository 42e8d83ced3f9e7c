"""The one error every knowledge problem is reported as: `file:line: reason`."""

from __future__ import annotations

from pathlib import Path


class KnowledgeError(ValueError):
    """A knowledge file that cannot be loaded, with where and why."""

    def __init__(self, path: Path, line: int | None, reason: str) -> None:
        self.path, self.line, self.reason = path, line, reason
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {reason}")
