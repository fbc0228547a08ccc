"""Webhook events shaped like LINE's, signed and posted to the bot."""

from __future__ import annotations

import copy
import json
import time
from typing import Any

import aiohttp

from linesim import ids
from linesim.core import Simulator

# Event types whose active-mode events carry a reply token (LINE's webhook reference).
TOKEN_EVENTS = frozenset(
    {
        "message",
        "follow",
        "join",
        "postback",
        "beacon",
        "memberJoined",
        "accountLink",
        "things",
        "videoPlayComplete",
    }
)
QUOTABLE = frozenset({"text", "sticker", "image", "video"})
MESSAGE_DEFAULTS: dict[str, dict[str, Any]] = {
    "text": {"text": ""},
    "sticker": {"packageId": "1", "stickerId": "1", "stickerResourceType": "STATIC"},
    "image": {"contentProvider": {"type": "line"}},
    "video": {"duration": 1000, "contentProvider": {"type": "line"}},
    "audio": {"duration": 1000, "contentProvider": {"type": "line"}},
    "file": {"fileName": "file.txt", "fileSize": 1},
    "location": {"latitude": 35.6586, "longitude": 139.7454},
}
EVENT_DEFAULTS: dict[str, dict[str, Any]] = {
    "follow": {"follow": {"isUnblocked": False}},
    "postback": {"postback": {"data": ""}},
    "unsend": {"unsend": {"messageId": "0"}},
}


def chat_id(source: dict[str, Any]) -> str:
    """The chat a reply goes to: the group, the room, or the user."""
    return str(source.get("groupId") or source.get("roomId") or source.get("userId") or "")


def source_of(sim: Simulator, body: dict[str, Any]) -> dict[str, Any]:
    """The event source a control call names: userId (demo user by default), groupId, roomId."""
    user_id = body.get("userId") or sim.config.demo_user_id
    if body.get("groupId"):
        return {"type": "group", "groupId": body["groupId"], "userId": user_id}
    if body.get("roomId"):
        return {"type": "room", "roomId": body["roomId"], "userId": user_id}
    return {"type": "user", "userId": user_id}


def text_event(sim: Simulator, body: dict[str, Any]) -> dict[str, Any]:
    """The partial event behind POST /_sim/webhook/text."""
    event: dict[str, Any] = {
        "type": "message",
        "mode": body.get("mode") or "active",
        "source": source_of(sim, body),
        "message": {"type": "text", "text": str(body.get("text", ""))},
    }
    if body.get("timestamp") is not None:
        event["timestamp"] = int(body["timestamp"])
    return event


# A datetimepicker's answer; richmenuswitch actions send newRichMenuAliasId and status.
POSTBACK_PARAMS = frozenset({"date", "time", "datetime", "newRichMenuAliasId", "status"})


def postback_event(sim: Simulator, body: dict[str, Any]) -> dict[str, Any]:
    """The partial event behind POST /_sim/webhook/postback: what a tapped button sends."""
    data = body.get("data")
    if not isinstance(data, str) or len(data) > 300:
        raise ValueError("data (a string of at most 300 characters) is required")
    postback: dict[str, Any] = {"data": data}
    params = body.get("params")
    if params is not None:
        if not isinstance(params, dict) or not set(params) <= POSTBACK_PARAMS:
            raise ValueError("params may hold date, time or datetime")
        postback["params"] = {k: str(v) for k, v in params.items()}
    event: dict[str, Any] = {
        "type": "postback",
        "mode": body.get("mode") or "active",
        "source": source_of(sim, body),
        "postback": postback,
    }
    if body.get("timestamp") is not None:
        event["timestamp"] = int(body["timestamp"])
    return event


def complete_event(sim: Simulator, partial: dict[str, Any]) -> dict[str, Any]:
    """Fill the fields LINE always sends, issue the reply token, and remember the event."""
    now_ms = int(time.time() * 1000)
    event = copy.deepcopy(partial)
    etype = event.setdefault("type", "message")
    mode = event.setdefault("mode", "active")
    event.setdefault("timestamp", now_ms)
    source = event.setdefault("source", {"type": "user", "userId": sim.config.demo_user_id})
    event.setdefault("webhookEventId", ids.ulid(now_ms))
    event.setdefault("deliveryContext", {"isRedelivery": False})
    for key, value in EVENT_DEFAULTS.get(etype, {}).items():
        event.setdefault(key, copy.deepcopy(value))
    if etype == "message":
        message = event.setdefault("message", {"type": "text", "text": ""})
        mtype = message.setdefault("type", "text")
        message.setdefault("id", ids.message_id())
        for key, value in MESSAGE_DEFAULTS.get(mtype, {}).items():
            message.setdefault(key, copy.deepcopy(value))
        if mtype in QUOTABLE:
            message.setdefault("quoteToken", ids.quote_token())
    if mode == "active" and etype in TOKEN_EVENTS:
        sim.tokens.issue(event.setdefault("replyToken", ids.reply_token()), chat_id(source))
    else:
        # Standby events and event types without replies carry no token.
        event.pop("replyToken", None)
    if isinstance(source, dict) and source.get("userId"):
        sim.know_user(str(source["userId"]))
        if source.get("type") in ("group", "room"):
            sim.know_member(chat_id(source), str(source["userId"]))
    sim.store_event(event)
    return event


def redelivery(sim: Simulator, event_id: str) -> dict[str, Any] | None:
    """The stored event marked as redelivered, with its reply token's window renewed."""
    stored = sim.events.get(event_id)
    if stored is None:
        return None
    event = copy.deepcopy(stored)
    event["deliveryContext"] = {"isRedelivery": True}
    if "replyToken" in event:
        sim.tokens.redelivered(event["replyToken"])
    return event


def encode(sim: Simulator, events: list[dict[str, Any]]) -> bytes:
    payload = {"destination": sim.config.bot_user_id, "events": events}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


async def post(
    sim: Simulator, session: aiohttp.ClientSession, body: bytes, signature: str | None
) -> dict[str, Any]:
    """POST a body to the bot: status (None on failure), elapsed_ms, response_body[, error]."""
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "LineBotWebhook/2.0",
    }
    if signature is not None:
        headers["X-Line-Signature"] = signature
    started = time.perf_counter()
    result: dict[str, Any] = {"status": None, "response_body": None}
    try:
        async with session.post(sim.config.webhook_url, data=body, headers=headers) as resp:
            result["response_body"] = await resp.text(errors="replace")
            result["status"] = resp.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
    result["elapsed_ms"] = (time.perf_counter() - started) * 1000
    sim.stats.webhooks[str(result["status"]) if result["status"] else "error"] += 1
    sim.stats.webhooks["sent"] += 1
    return result


async def deliver(
    sim: Simulator, session: aiohttp.ClientSession, events: list[dict[str, Any]]
) -> dict[str, Any]:
    """Sign and send one webhook carrying `events`."""
    body = encode(sim, events)
    sent_at_ms = time.time() * 1000
    result = await post(sim, session, body, ids.sign(sim.config.channel_secret, body))
    record = {"events": events, "status": result["status"], "elapsed_ms": result["elapsed_ms"]}
    record["sent_at_ms"] = sent_at_ms
    if "error" in result:
        record["error"] = result["error"]
    sim.webhooks.append(record)
    return result
