"""`clinic ask`: the intent the trained model reads in a question and the vetted answer."""

from __future__ import annotations

import argparse
import logging
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from bot.cli.common import CommandFailed, Commands, command, store_url
from bot.settings import get_settings

# This ask_* intent is answered per condition entity, not by a topic.
CONDITION_ENTITY = "condition"
ASK_HELP = "show the intent the trained model reads in a question and the vetted answer"
ASK_DETAILS = """\
Uses the model at MODEL_PATH (default: models/clinic.tar.gz; build it with
`make train`) and the answers in the store. Loading the model takes a while."""


def add_commands(commands: Commands) -> None:
    ask = command(commands, "ask", ASK_HELP, ASK_DETAILS)
    ask.add_argument("question", type=_question, help="the question, in quotes")
    ask.set_defaults(handler=_ask)


@lru_cache(maxsize=1)
def load_agent(model_path: str) -> Any:
    """The trained Rasa agent (slow: imports Rasa and TensorFlow; cached per process)."""
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with quiet_warnings():
        from rasa.core.agent import Agent
        from rasa.utils.log_utils import configure_structlog

        # Rasa's structured debug logs would otherwise be printed on stdout with the answer.
        configure_structlog(logging.WARNING)
        return Agent.load(model_path)


@contextmanager
def quiet_warnings() -> Iterator[None]:
    """No warnings on the terminal: Rasa, TensorFlow and their dependencies warn about
    their own internals, and importing Sanic turns deprecation warnings back on, so
    the output itself is silenced rather than filtered."""
    with warnings.catch_warnings():
        warnings.showwarning = _no_warning
        yield


def _no_warning(*_args: object, **_kwargs: object) -> None:
    return None


def _vetted_answer(
    intent: str | None, entities: list[dict[str, Any]], question: str
) -> str | None:
    """What the assistant would answer: the same FAQ retrieval as the action server."""
    from bot.answers import Answers

    keys = [e["value"] for e in entities if e.get("entity") == CONDITION_ENTITY and e.get("value")]
    return Answers(store_url()).for_message(intent, question, keys)


def _question(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("the question is empty")
    return text


def _ask(args: argparse.Namespace) -> int:
    import asyncio

    model_path = get_settings().model_path
    if not model_path.is_file():
        raise CommandFailed(f"no trained model at {model_path}: run `make train`")
    with quiet_warnings():
        result = asyncio.run(load_agent(str(model_path)).parse_message(args.question))
    intent = result.get("intent") or {}
    name, confidence = intent.get("name"), intent.get("confidence") or 0.0
    print(f"[{name} {confidence:.2f}]")
    answer = _vetted_answer(name, result.get("entities") or [], args.question)
    print(answer if answer else f"Recognised intent {name!r}: there is no vetted answer for it.")
    return 0
