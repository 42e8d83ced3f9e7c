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


def usage_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """stderr of a command that argparse rejects (exit status 2)."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        cli.main(list(argv))
    assert exit_info.value.code == 2
    return capsys.readouterr().err


def help_description(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """The description paragraph that `clinic ARGV... --help` prints (it must exit 0)."""
    with pytest.raises(SystemExit) as exit_info:
        cli.main([*argv, "--help"])
    assert exit_info.value.code == 0
    return capsys.readouterr().out.split("\n\n")[1]
