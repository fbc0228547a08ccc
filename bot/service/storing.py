"""What storing a reminder (alone or with its follow-ups) answers when it did not store it:
the one place that says "not stored" (Redis full), "already done" (a redelivered event) or
"the chat is full"."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.domain import reminder_texts
from bot.domain.ports import Added, StoreFullError
from bot.service.context import Turn

log = logging.getLogger(__name__)


def refused(turn: Turn, store: Callable[[], Added], limit: int) -> str | None:
    """Run `store`; the outcome to return when it stored nothing, None when it stored."""
    try:
        added = store()
    except StoreFullError:
        # Redis is full: say so rather than pretend (a silent loss is the one thing not allowed).
        log.error("redis refused a reminder: out of memory")
        return turn.reply(reminder_texts.not_stored(), "not_stored")
    if added is Added.DUPLICATE:
        return "duplicate"
    if added is Added.FULL:
        return turn.reply(reminder_texts.chat_full(limit), "chat_full")
    return None
