"""Run the `clinic` staff command in this process, as staff would type it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot import cli


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_clinic(capsys: pytest.CaptureFixture[str], *argv: str) -> Result:
    """`clinic ARGV...` against whatever the settings point at (tests/conftest.py: the
    test's own store); its exit code and what it printed."""
    capsys.readouterr()
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)
