"""Every event type and source as LINE sends them, through the SDK's WebhookParser and the
handler table (see handler_support): greetings where a user would expect one, a short reply to
media, and nothing at all for the rest."""

from __future__ import annotations

import json
from typing import Any

import pytest
from linebot.v3 import WebhookParser

from bot.service.webhook_events import EventContext, handle_event
from linesim import ids
from tests.unit.service_support import USER, at, book_of, ctx, replies_of

__all__ = ["ctx"]  # the fixture
SECRET = "secret"
GROUP = "C" + "5" * 32
ROOM = "R" + "6" * 32
T = at(2026, 12, 1, 9, 0)
SOURCES = {
    "user": {"type": "user", "userId": USER},
    "group": {"type": "group", "groupId": GROUP, "userId": USER},
    "room": {"type": "room", "roomId": ROOM, "userId": USER},
}
CHAT = {"user": USER, "group": GROUP, "room": ROOM}


def parse(event: dict[str, Any]) -> Any:
    """One event through the SDK's parser, as the web process reads it."""
    base = {
        "mode": "active",
        "timestamp": T,
        "webhookEventId": ids.ulid(T),
        "deliveryContext": {"isRedelivery": False},
        **event,
    }
    body = json.dumps({"destination": "U" + "0" * 32, "events": [base]})
    (parsed,) = WebhookParser(SECRET).parse(body, ids.sign(SECRET, body.encode()))
    return parsed


def message(content: dict[str, Any], source: str = "user") -> dict[str, Any]:
    return {
        "type": "message",
        "source": SOURCES[source],
        "replyToken": "r" * 32,
        "message": {"id": "1", "quoteToken": "q", **content},
    }


MEDIA: list[dict[str, Any]] = [
    {"type": "image", "contentProvider": {"type": "line"}},
    {"type": "video", "duration": 1000, "contentProvider": {"type": "line"}},
    {"type": "audio", "duration": 1000, "contentProvider": {"type": "line"}},
    {"type": "file", "fileName": "a.pdf", "fileSize": 10},
    {"type": "location", "latitude": 35.0, "longitude": 139.0, "address": "東京"},
    {"type": "sticker", "packageId": "1", "stickerId": "1", "stickerResourceType": "STATIC"},
]


@pytest.mark.parametrize("source", ["user", "group", "room"])
@pytest.mark.parametrize("content", MEDIA, ids=[m["type"] for m in MEDIA])
def test_media_gets_a_short_reply(ctx: EventContext, content: dict[str, Any], source: str) -> None:
    assert handle_event(parse(message(content, source)), ctx) == "not_text"
    assert "文字で送ってください" in replies_of(ctx).last


def test_follow_is_greeted_with_what_the_bot_can_do(ctx: EventContext) -> None:
    event = {
        "type": "follow",
        "source": SOURCES["user"],
        "replyToken": "r" * 32,
        "follow": {"isUnblocked": False},
    }
    assert handle_event(parse(event), ctx) == "follow"
    assert "友だち追加ありがとうございます" in replies_of(ctx).last
    assert "明日の朝7時 ゴミ出し" in replies_of(ctx).last


@pytest.mark.parametrize("source", ["group", "room"])
def test_join_and_member_joined_greet_the_group(ctx: EventContext, source: str) -> None:
    join = {"type": "join", "source": SOURCES[source], "replyToken": "r" * 32}
    members = {"members": [{"type": "user", "userId": "U" + "7" * 32}]}
    joined = {**join, "type": "memberJoined", "joined": members}
    assert handle_event(parse(join), ctx) == "join"
    assert handle_event(parse(joined), ctx) == "join"
    assert all("グループ" in reply.text for _, reply in replies_of(ctx).replies)


@pytest.mark.parametrize("source", ["user", "group", "room"])
def test_a_reminder_in_any_chat_belongs_to_that_chat(ctx: EventContext, source: str) -> None:
    text = message({"type": "text", "text": "10分後に電話"}, source)
    assert handle_event(parse(text), ctx) == "timer"
    assert [r.label for r in ctx.reminders.pending(CHAT[source])] == ["電話"]


QUIET: list[dict[str, Any]] = [
    {"type": "unsend", "source": SOURCES["user"], "unsend": {"messageId": "1"}},
    {"type": "videoPlayComplete", "source": SOURCES["user"], "replyToken": "r" * 32,
     "videoPlayComplete": {"trackingId": "t"}},
    {"type": "beacon", "source": SOURCES["user"], "replyToken": "r" * 32,
     "beacon": {"hwid": "d41d8cd98f", "type": "enter"}},
    {"type": "accountLink", "source": SOURCES["user"], "replyToken": "r" * 32,
     "link": {"result": "ok", "nonce": "n"}},
    {"type": "memberLeft", "source": SOURCES["group"],
     "left": {"members": [{"type": "user", "userId": USER}]}},
    {"type": "messageEdited", "source": SOURCES["user"], "replyToken": "r" * 32,
     "message": {"type": "text", "id": "1", "text": "10分後"}},
    {"type": "somethingLineAddsLater", "source": SOURCES["user"], "replyToken": "r" * 32},
]  # fmt: skip


@pytest.mark.parametrize("event", QUIET, ids=[e["type"] for e in QUIET])
def test_other_events_are_acknowledged_and_nothing_else(
    ctx: EventContext, event: dict[str, Any]
) -> None:
    assert handle_event(parse(event), ctx) == "ignored"
    assert replies_of(ctx).replies == []
    assert book_of(ctx).is_empty()


def test_standby_events_send_nothing(ctx: EventContext) -> None:
    event = message({"type": "text", "text": "3"})
    event["mode"] = "standby"
    del event["replyToken"]
    assert handle_event(parse(event), ctx) == "standby"
    assert book_of(ctx).is_empty()


def test_a_follow_without_the_newer_follow_field_is_still_greeted(ctx: EventContext) -> None:
    from bot.entrypoints.web import parse_events

    raw = {
        "type": "follow",
        "mode": "active",
        "timestamp": T,
        "source": SOURCES["user"],
        "webhookEventId": ids.ulid(T),
        "deliveryContext": {"isRedelivery": False},
        "replyToken": "r" * 32,
    }
    (event,) = parse_events(json.dumps({"events": [raw]}).encode(), now_ms=T)
    assert handle_event(event, ctx) == "follow"
