"""Every kind of event, intent and tap reaches its handler through a table; none falls
through to a default by omission."""

from __future__ import annotations

from typing import get_args

from bot.domain import intents, postbacks
from bot.service import reminder_commands, tapping


def test_every_intent_has_a_handler() -> None:
    kinds = set(get_args(intents.Intent))
    assert kinds <= set(reminder_commands._ANSWERS), kinds - set(reminder_commands._ANSWERS)


def test_every_postback_has_a_handler() -> None:
    kinds = set(get_args(postbacks.Postback))
    assert kinds == set(tapping._TAPS)
