"""Request body checks: LINE's limits first, then the SDK's own request models."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

from linesim import tapping

# Importing linebot.v3.messaging takes ~1.7 s, so the server starts first and loads it in a thread;
# LINE API handlers wait for it, the control API does not.
_models: dict[str, Any] = {}
_loaded = threading.Event()
_lock = threading.Lock()

MESSAGE_TYPES = frozenset(
    {
        "text",
        "textV2",
        "image",
        "video",
        "audio",
        "location",
        "sticker",
        "imagemap",
        "template",
        "flex",
        "coupon",
    }
)
MAX_TEXT = 5000
MEMO_SIZE = 4096
MEMO_MAX_KEY = 8192
_accepted: set[str] = set()
Detail = dict[str, str]


def load_models() -> None:
    """Import the SDK request models (idempotent, thread-safe)."""
    with _lock:
        if _loaded.is_set():
            return
        from linebot.v3.messaging import models

        _models.update(
            reply=models.ReplyMessageRequest,
            push=models.PushMessageRequest,
            multicast=models.MulticastRequest,
            loading=models.ShowLoadingAnimationRequest,
            message=models.Message,
            richmenu=models.RichMenuRequest,
        )
        _loaded.set()


def start_loading() -> None:
    """Import the models in a daemon thread, so stopping the simulator never waits for it."""
    if not _loaded.is_set():
        threading.Thread(target=load_models, name="linesim-sdk-import", daemon=True).start()


def loaded() -> bool:
    return _loaded.is_set()


async def ensure_loaded() -> None:
    # Polling keeps no executor thread blocked on the import (those are joined at exit).
    while not _loaded.is_set():
        await asyncio.sleep(0.01)


def utf16_len(text: str) -> int:
    """LINE counts text in UTF-16 code units: an emoji outside the BMP counts as two."""
    if len(text) * 2 <= MAX_TEXT:
        return len(text)  # cannot exceed the limit whatever it contains; skip the encode
    return len(text.encode("utf-16-le")) // 2


def _check_messages(messages: Any) -> list[Detail]:
    if not isinstance(messages, list):
        return [{"message": "Must be an array", "property": "messages"}]
    if not 1 <= len(messages) <= 5:
        return [{"message": "Size must be between 1 and 5", "property": "messages"}]
    details: list[Detail] = []
    for i, msg in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(msg, dict):
            details.append({"message": "Must be an object", "property": where})
            continue
        mtype = msg.get("type")
        if mtype not in MESSAGE_TYPES:
            details.append(
                {
                    "message": f"Must be one of the following values: {sorted(MESSAGE_TYPES)}",
                    "property": f"{where}.type",
                }
            )
        elif mtype == "text":
            text = msg.get("text")
            if not isinstance(text, str) or not text:
                details.append({"message": "May not be empty", "property": f"{where}.text"})
            elif utf16_len(text) > MAX_TEXT:
                details.append(
                    {
                        "message": f"Length must be between 0 and {MAX_TEXT}",
                        "property": f"{where}.text",
                    }
                )
    return details


def _check_tapping(body: dict[str, Any]) -> list[Detail]:
    """LINE's rules for what users tap; run only for bodies the memo has not seen accepted."""
    details: list[Detail] = []
    for i, msg in enumerate(body.get("messages") or ()):
        if msg.get("type") in ("flex", "template") or "quickReply" in msg:
            details.extend(tapping.check_message(msg, f"messages[{i}]"))
    return details


def _check_limits(kind: str, body: dict[str, Any]) -> list[Detail]:
    if kind == "loading":
        chat_id = body.get("chatId")
        if not isinstance(chat_id, str) or not chat_id.startswith("U"):
            return [{"message": "Must be a user ID (1:1 chats only)", "property": "chatId"}]
        seconds = body.get("loadingSeconds", 20)
        if type(seconds) is not int or not 5 <= seconds <= 60 or seconds % 5:
            return [{"message": "Must be a multiple of 5 in 5..60", "property": "loadingSeconds"}]
        return []
    if kind == "richmenu":
        return richmenu_limits(body)
    details = _check_messages(body.get("messages"))
    if kind == "multicast":
        to = body.get("to")
        if not isinstance(to, list) or not 1 <= len(to) <= 500:
            details.append({"message": "Size must be between 1 and 500", "property": "to"})
    elif kind == "push" and not (isinstance(body.get("to"), str) and body["to"]):
        details.append({"message": "May not be empty", "property": "to"})
    elif kind == "reply" and not (isinstance(body.get("replyToken"), str) and body["replyToken"]):
        details.append({"message": "May not be empty", "property": "replyToken"})
    return details


RICH_MENU_SIZES = ((2500, 1686), (2500, 843))
MAX_AREAS = 20


def richmenu_limits(body: dict[str, Any]) -> list[Detail]:
    """A rich menu as LINE takes it: a standard size, 1..20 areas inside it, each with an action."""
    size = body.get("size")
    if not isinstance(size, dict) or (size.get("width"), size.get("height")) not in RICH_MENU_SIZES:
        return [{"message": "Must be 2500x1686 or 2500x843", "property": "size"}]
    details: list[Detail] = []
    for key, limit in (("name", 300), ("chatBarText", 14)):
        value = body.get(key)
        if not isinstance(value, str) or not value or len(value) > limit:
            details.append({"message": f"Length must be between 1 and {limit}", "property": key})
    if not isinstance(body.get("selected"), bool):
        details.append({"message": "Must be a boolean", "property": "selected"})
    areas = body.get("areas")
    if not isinstance(areas, list) or not 1 <= len(areas) <= MAX_AREAS:
        details.append({"message": f"Size must be between 1 and {MAX_AREAS}", "property": "areas"})
        return details
    for i, area in enumerate(areas):
        where = f"areas[{i}]"
        bounds = area.get("bounds") if isinstance(area, dict) else None
        try:
            x, y, w, h = (int(bounds[k]) for k in ("x", "y", "width", "height"))  # type: ignore[index]
        except (TypeError, KeyError, ValueError):
            details.append({"message": "Must have x, y, width and height", "property": where})
            continue
        if x < 0 or y < 0 or w < 1 or h < 1 or x + w > size["width"] or y + h > size["height"]:
            details.append(
                {"message": "Must be within the rich menu", "property": f"{where}.bounds"}
            )
        details.extend(tapping.check_action(area.get("action"), f"{where}.action"))
    return details


def _sdk_details(exc: Exception, body: dict[str, Any]) -> list[Detail]:
    """Turn an SDK/pydantic failure into LINE-style details; runs only on the error path."""
    prefix = ""
    messages = body.get("messages")
    if isinstance(messages, list):
        for i, msg in enumerate(messages):
            try:
                _models["message"].from_dict(msg)
            except Exception as inner:  # any failure pins the culprit down
                exc, prefix = inner, f"messages[{i}]."
                break
    errors = getattr(exc, "errors", None)
    if callable(errors):
        return [
            {
                "message": str(e.get("msg")),
                "property": prefix + ".".join(str(p) for p in e.get("loc", ())),
            }
            for e in errors()
        ]
    return [{"message": f"{type(exc).__name__}: {exc}", "property": prefix.rstrip(".")}]


def validate(kind: str, body: Any) -> list[Detail]:
    """Details of every problem with a request body; empty when LINE would accept it."""
    if not isinstance(body, dict):
        return [{"message": "Must be an object", "property": ""}]
    details = _check_limits(kind, body)
    if details:
        return details
    key = _memo_key(kind, body)
    if key is not None and key in _accepted:
        return []
    if kind in ("reply", "push", "multicast"):
        details = _check_tapping(body)
        if details:
            return details
    try:
        _models[kind].from_dict(body)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        return _sdk_details(exc, body)
    if key is not None:
        if len(_accepted) >= MEMO_SIZE:
            _accepted.clear()
        _accepted.add(key)
    return []


def _memo_key(kind: str, body: dict[str, Any]) -> str | None:
    """A key for the body minus its recipient, or None when it is not worth remembering.

    The SDK's pydantic validation is ~70 % of a push's cost. Bots send the same messages to many
    recipients, and the recipient fields are plain strict strings checked here, so an accepted
    body with another recipient needs no second run through the SDK.
    """
    if kind == "push":
        recipient_ok = isinstance(body.get("to"), str)
    elif kind == "multicast":
        recipient_ok = all(isinstance(t, str) for t in body["to"])
    elif kind == "reply":
        recipient_ok = isinstance(body.get("replyToken"), str)
    else:
        return None
    if not recipient_ok:
        return None
    rest = {k: v for k, v in body.items() if k not in ("to", "replyToken")}
    key = kind + json.dumps(rest, separators=(",", ":"))
    return key if len(key) <= MEMO_MAX_KEY else None


def error_body(details: list[Detail]) -> dict[str, Any]:
    return {"message": f"The request body has {len(details)} error(s)", "details": details}
