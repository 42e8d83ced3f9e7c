"""What follows a verdict, and what an off-topic message takes (bot/reply.py, pure)."""

from __future__ import annotations

import pytest

from bot.reply import UNSURE_OFF_TOPIC, UNSURE_WORRY, Reply, beside_verdict, taken_off_topic

CLEAR = Reply("answer", topic="pain")
GUESS = Reply("guess", topic="vs_botox_fillers", likely=True)
MENU = Reply("Do you mean:", [{"title": "A", "payload": "/x"}])
WORRY = Reply("care advice", topic="after_breakout", health_worry=True)
WORRY_GUESS = Reply("care advice", topic="after_ache", likely=True, health_worry=True)


@pytest.mark.parametrize(
    "reply, bookable, expected",
    [
        (WORRY, True, (None, WORRY)),  # after a visit: care advice, no pre-visit verdict
        (GUESS, False, (False, None)),  # talk-first: no guess in between
        (MENU, False, (False, None)),
        (CLEAR, False, (False, CLEAR)),  # a clear answer to the rest still follows
        (GUESS, True, (True, GUESS)),  # with some care: the guess may be the answer
        (None, True, (True, None)),
        (CLEAR, None, (None, CLEAR)),  # no known condition: nothing to hide
    ],
)
def test_what_follows_a_verdict(reply, bookable, expected):
    assert beside_verdict(reply, bookable) == expected


@pytest.mark.parametrize(
    "reply, confidence, taken",
    [
        (CLEAR, 0.99, True),
        (MENU, UNSURE_OFF_TOPIC, False),
        (MENU, UNSURE_OFF_TOPIC - 0.01, True),
        (GUESS, 0.6, False),
        (WORRY_GUESS, UNSURE_WORRY - 0.01, True),
        (WORRY_GUESS, UNSURE_WORRY, False),
        (None, 0.1, False),
    ],
)
def test_what_an_off_topic_message_takes(reply, confidence, taken):
    assert taken_off_topic(reply, confidence) is taken
