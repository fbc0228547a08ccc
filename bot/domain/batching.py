"""Which due notifications go out together: one push per chat for those due within a window
of each other, at most five (LINE's messages per request). Pure.

Why: a push costs one message of the month's quota per recipient whatever it carries, so two
reminders a chat set for the same moment cost one instead of two. Only notifications already
due are put together, so the first one is never delayed (nor a later one sent early).

A batch has its own retry key, derived from its members' identities and occurrences: the same
members make the same key, so a batch sent again (after a 5xx, or by another worker after a
crash) is answered 409 by LINE if it was accepted, never delivered twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.domain.reminders import Reminder

MAX_PER_PUSH = 5  # LINE: 1-5 message objects per request
DEFAULT_WINDOW_MS = 1_000  # PUSH_BATCH_WINDOW_MS
_BATCH_NAMESPACE = uuid.UUID("5a0f3c9e-2b64-4d1a-8e7f-9c3b1d6a2e48")

T = TypeVar("T")


def batch_key(reminders: Sequence[Reminder]) -> str:
    """The batch's X-Line-Retry-Key: the same for the same occurrences, in any order."""
    names = sorted(f"{r.chat_id}:{r.id}:{r.occurrence_ms}" for r in reminders)
    return str(uuid.uuid5(_BATCH_NAMESPACE, ",".join(names)))


def group(
    items: Sequence[T], chat_of: Callable[[T], str], due_of: Callable[[T], int], window_ms: int
) -> list[list[T]]:
    """Items of one chat due within `window_ms` of the group's first, five at most a group;
    every item in exactly one group, chats in their first item's order."""
    if window_ms <= 0:
        return [[item] for item in items]
    by_chat: dict[str, list[T]] = {}
    for item in items:
        by_chat.setdefault(chat_of(item), []).append(item)
    groups: list[list[T]] = []
    for chat_items in by_chat.values():
        current: list[T] = []
        for item in sorted(chat_items, key=due_of):
            first_due = due_of(current[0]) if current else None
            if current and (
                len(current) >= MAX_PER_PUSH or due_of(item) - (first_due or 0) > window_ms
            ):
                groups.append(current)
                current = []
            current.append(item)
        groups.append(current)
    return groups


@dataclass(frozen=True, slots=True)
class SavedBatch:
    key: str  # the batch's X-Line-Retry-Key
    to: str
    messages: list[dict[str, Any]]
