"""Types that cross the service boundary: what the adapters answer the service with.

The service layer speaks to Redis, RQ and LINE only through Protocols (bot/service/context.py)
whose arguments and answers are these domain types, so it imports no adapter.
"""

from __future__ import annotations

from enum import StrEnum


class Added(StrEnum):
    """What arming a reminder did."""

    ADDED = "added"
    DUPLICATE = "duplicate"  # this webhook event was already acted on
    FULL = "full"  # the chat already holds its maximum of pending reminders


class StoreFullError(RuntimeError):
    """The store refused a write because it is out of memory (Redis OOM under noeviction):
    the user is told it was not stored rather than shown a confirmation."""


# What a store answers when it is unreachable for a moment (Redis down, a dropped link): the
# composition root passes the adapter's exception types, so the service catches them without
# importing the adapter (bot.adapters.redis.connection.STORE_ERRORS).
StoreErrors = tuple[type[BaseException], ...]
