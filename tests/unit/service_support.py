"""Building webhook events and an in-process EventContext for the service tests: the
in-memory ReminderBook (the store's contract, tests/contract) and a replier and job queue that
implement the handlers' Protocols, so each reply can be read back. No redis-server."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from linebot.v3.webhooks import Event, MessageEvent, PostbackEvent

from bot.adapters.memory.reminder_book import MemoryReminderBook
from bot.domain.texts import Reply
from bot.service.webhook_events import EventContext
from bot.settings import Settings

TOKYO = ZoneInfo("Asia/Tokyo")
USER = "U" + "1" * 32
_ids = itertools.count(1)


@dataclass
class RecordingReplier:
    replies: list[tuple[str, Reply]] = field(default_factory=list)

    def reply(self, reply_token: str, replies: list[Reply]) -> bool:
        self.replies.extend((reply_token, r) for r in replies)
        return True

    @property
    def last(self) -> str:
        return self.replies[-1][1].text


@dataclass
class NoJobs:
    def enqueue_analysis(
        self, *, chat_id: str, reply_token: str, text: str, received_ms: int
    ) -> str:
        raise AssertionError("no analysis expected")


@pytest.fixture
def ctx() -> EventContext:
    settings = Settings("secret", "token", "redis://unused", max_reminders_per_chat=3)
    return EventContext(settings, MemoryReminderBook(), RecordingReplier(), NoJobs())


@pytest.fixture
def roomy() -> EventContext:
    """A context whose chats hold the default 50 reminders (follow-ups take room)."""
    settings = Settings("secret", "token", "redis://unused")
    return EventContext(settings, MemoryReminderBook(), RecordingReplier(), NoJobs())


def book_of(ctx: EventContext) -> MemoryReminderBook:
    assert isinstance(ctx.reminders, MemoryReminderBook)
    return ctx.reminders


def at(year: int, month: int, day: int, hour: int, minute: int) -> int:
    return int(datetime(year, month, day, hour, minute, tzinfo=TOKYO).timestamp() * 1000)


def base_event(
    kind: str, when_ms: int, chat: str, extra: dict[str, Any], member: str = USER
) -> dict[str, Any]:
    source = {"type": "user", "userId": chat}
    if chat.startswith("C"):
        source = {"type": "group", "groupId": chat, "userId": member}
    return {
        "type": kind,
        "mode": "active",
        "timestamp": when_ms,
        "source": source,
        "webhookEventId": f"01EVENT{next(_ids):019d}",
        "deliveryContext": {"isRedelivery": False},
        "replyToken": f"token{next(_ids)}",
        **extra,
    }


def text(body: str, when_ms: int, chat: str = USER, member: str = USER) -> Event:
    message = {"type": "text", "id": str(next(_ids)), "text": body, "quoteToken": "q"}
    return MessageEvent.from_dict(
        base_event("message", when_ms, chat, {"message": message}, member)
    )


def postback(
    data: str,
    when_ms: int,
    chat: str = USER,
    params: dict[str, str] | None = None,
    member: str = USER,
) -> Event:
    body: dict[str, Any] = {"data": data}
    if params:
        body["params"] = params
    extra = {"postback": body}
    return PostbackEvent.from_dict(base_event("postback", when_ms, chat, extra, member))


def replies_of(ctx: EventContext) -> RecordingReplier:
    assert isinstance(ctx.line, RecordingReplier)
    return ctx.line
