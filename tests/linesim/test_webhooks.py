"""Webhooks the simulator sends, checked by the SDK's own WebhookParser in a real receiver."""

from __future__ import annotations

import json
import re

from linebot.v3.webhook import SignatureValidator
from linebot.v3.webhooks import (
    FollowEvent,
    GroupSource,
    ImageMessageContent,
    MessageEvent,
    RoomSource,
    StickerMessageContent,
    TextMessageContent,
    UserSource,
)

from linesim import DEMO_USER_ID, ids
from linesim.client import SimClient
from tests.linesim.support import SECRET, Receiver

ULID = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")


def test_signature_matches_the_sdk_test_vector() -> None:
    expected = "/gg9a+LvFevTH1sd7XCQycD7tsWclCsInj7MhBHxN7k="
    assert ids.sign("channel_secret", b"bodybodybodybody") == expected
    assert SignatureValidator("channel_secret").validate("bodybodybodybody", expected)


def test_text_webhook_is_parsed_by_the_sdk(client: SimClient, receiver: Receiver) -> None:
    result = client.send_text("こんにちは", timestamp=1_700_000_000_000)
    assert result["status"] == 200
    assert result["elapsed_ms"] > 0
    (event,) = receiver.events
    assert isinstance(event, MessageEvent)
    assert isinstance(event.message, TextMessageContent)
    assert isinstance(event.source, UserSource)
    assert event.source.user_id == DEMO_USER_ID
    assert event.message.text == "こんにちは"
    assert event.timestamp == 1_700_000_000_000
    assert event.mode.value == "active"
    assert event.delivery_context.is_redelivery is False
    assert re.fullmatch(r"[0-9a-f]{32}", event.reply_token or "")
    assert ULID.fullmatch(event.webhook_event_id)
    assert event.message.quote_token
    body = receiver.bodies[0]
    assert re.fullmatch(r"U[0-9a-f]{32}", body["destination"])
    assert result["event"]["replyToken"] == event.reply_token


def test_group_room_and_standby(client: SimClient, receiver: Receiver) -> None:
    client.send_text("g", user_id="U" + "2" * 32, group_id="C" + "3" * 32)
    client.send_text("r", room_id="R" + "4" * 32)
    standby = client.send_text("s", mode="standby")
    group, room, idle = receiver.events
    assert isinstance(group.source, GroupSource)
    assert group.source.group_id == "C" + "3" * 32
    assert group.source.user_id == "U" + "2" * 32
    assert isinstance(room.source, RoomSource)
    assert idle.mode.value == "standby"
    assert idle.reply_token is None
    assert "replyToken" not in standby["event"]


def test_sticker_image_and_follow_events(client: SimClient, receiver: Receiver) -> None:
    client.send_sticker("446", "1988")
    client.send_event({"type": "message", "message": {"type": "image"}})
    client.send_follow(user_id="U" + "5" * 32)
    sticker, image, follow = receiver.events
    assert isinstance(sticker.message, StickerMessageContent)
    assert (sticker.message.package_id, sticker.message.sticker_id) == ("446", "1988")
    assert isinstance(image.message, ImageMessageContent)
    assert image.message.content_provider.type == "line"
    assert isinstance(follow, FollowEvent)
    assert follow.follow.is_unblocked is False
    assert follow.reply_token


def test_several_events_in_one_webhook(client: SimClient, receiver: Receiver) -> None:
    result = client.send_events([{"message": {"type": "text", "text": "a"}}, {"type": "follow"}])
    assert result["status"] == 200
    assert len(receiver.bodies) == 1
    assert [type(e) for e in receiver.events] == [MessageEvent, FollowEvent]


def test_redelivery_keeps_id_and_token(client: SimClient, receiver: Receiver) -> None:
    first = client.send_text("again")["event"]
    again = client.redeliver(first["webhookEventId"])
    assert again["status"] == 200
    original, redelivered = receiver.events
    assert redelivered.delivery_context.is_redelivery is True
    assert redelivered.webhook_event_id == original.webhook_event_id
    assert redelivered.reply_token == original.reply_token


def test_raw_bodies_and_signatures(client: SimClient, receiver: Receiver) -> None:
    verify = json.dumps({"destination": "U" + "0" * 32, "events": []})
    assert client.send_raw(verify)["status"] == 200
    bad = client.send_raw(verify, signature="AAAA")
    assert bad["status"] == 400
    assert bad["response_body"] == "bad signature"
    assert client.send_raw(verify, signature=None)["response_body"] == "missing signature"
    assert receiver.bodies == [json.loads(verify)]


def test_bot_status_is_reported(client: SimClient, receiver: Receiver) -> None:
    receiver.answer_status = 503
    assert client.send_text("x")["status"] == 503
    stats = client.stats()["webhooks"]
    assert stats["503"] == 1


def test_headers_and_signature_as_line_sends_them(client: SimClient, receiver: Receiver) -> None:
    client.send_text("signed")
    ((body, headers),) = receiver.raw
    assert headers["X-Line-Signature"] == ids.sign(SECRET, body.encode())
    assert headers["Content-Type"].startswith("application/json")
    assert headers["User-Agent"].startswith("LineBotWebhook/")
