"""Parsers that refuse a client's text with a message the client sees."""

from __future__ import annotations

from collections.abc import Callable

import pytest


def refusal(parse: Callable[[], object], error: type[Exception]) -> str:
    """The message `parse()` refuses with: it must raise `error`."""
    with pytest.raises(error) as caught:
        parse()
    return str(caught.value)
