"""The EventContext on a real ReminderStore (a real redis-server), for the integration tests
that check what the handlers leave in Redis; the event builders are the unit tier's."""

from __future__ import annotations

import pytest
import redis

from bot.adapters.redis.reminder_store import ReminderStore
from bot.service.webhook_events import EventContext
from bot.settings import Settings
from tests.unit.service_support import (
    TOKYO,
    USER,
    NoJobs,
    RecordingReplier,
    at,
    base_event,
    postback,
    replies_of,
    text,
)

__all__ = [
    "TOKYO",
    "USER",
    "NoJobs",
    "RecordingReplier",
    "at",
    "base_event",
    "ctx",
    "postback",
    "replies_of",
    "text",
]


@pytest.fixture
def ctx(redis_client: redis.Redis) -> EventContext:
    settings = Settings("secret", "token", "redis://unused", max_reminders_per_chat=3)
    return EventContext(settings, ReminderStore(redis_client), RecordingReplier(), NoJobs())
