"""LINE message objects as JSON-ready dicts, written directly for what the bot says most.

The SDK's models (messages.py) cost ~0.4 ms of CPU to build and serialise
a text with five quick-reply buttons (pydantic v1). Every timer's confirmation is such a text
and each is different (its time, its reminder's postback data), so the reply sender's cache
never hits: bench/formation.py's profile of the webhook load put ~10 % of the web process's
CPU there. A text with message / postback / date-time picker buttons is written here, key for
key what the SDK's `to_dict()` gives (tests/unit/test_line_json.py compares them on generated
replies); anything else — Flex, a picker mode the SDK would refuse — still goes through the
SDK's models, which validate it.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from bot.adapters.line.messages import (
    MAX_LABEL_CHARS,
    MAX_POSTBACK_DATA_CHARS,
    MAX_QUICK_REPLIES,
    to_line_message,
)
from bot.domain.line_limits import MAX_MESSAGES_PER_REQUEST
from bot.domain.push import MAX_TEXT_CHARS
from bot.domain.texts import Button, Reply

PICKER_MODES = frozenset({"date", "time", "datetime"})  # the SDK's DatetimePickerAction.mode
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def reply_body(reply_token: str, replies: tuple[Reply, ...]) -> bytes:
    """The JSON of the SDK's ReplyMessageRequest."""
    messages = [_cached_dict(r) for r in replies[:MAX_MESSAGES_PER_REQUEST]]
    body = {"replyToken": reply_token, "messages": messages, "notificationDisabled": False}
    return _JSON.encode(body).encode()


def _cached_dict(reply: Reply) -> dict[str, Any]:
    """Help and can't-read answers repeat: their dicts are kept (read-only once built)."""
    try:
        return _cached(reply)
    except TypeError:  # a Reply holding something unhashable: serialise it every time
        return message_dict(reply)


def message_dict(reply: Reply) -> dict[str, Any]:
    """The message object of one Reply, as the SDK's `to_line_message(reply).to_dict()`."""
    if reply.flex_json or any(b.picker and b.picker not in PICKER_MODES
                              for b in reply.quick_replies):  # fmt: skip
        result: dict[str, Any] = to_line_message(reply).to_dict()
        return result
    message: dict[str, Any] = {"type": "text", "text": reply.text[:MAX_TEXT_CHARS]}
    if reply.quick_replies:
        items = [{"action": _action(b), "type": "action"}
                 for b in reply.quick_replies[:MAX_QUICK_REPLIES]]  # fmt: skip
        message["quickReply"] = {"items": items}
    return message


def _action(button: Button) -> dict[str, str]:
    label = button.label[:MAX_LABEL_CHARS]
    if button.picker:
        action = {"type": "datetimepicker", "label": label,
                  "data": button.data[:MAX_POSTBACK_DATA_CHARS], "mode": button.picker}  # fmt: skip
        for name in ("initial", "min", "max"):
            if value := getattr(button, name):
                action[name] = value
        return action
    if button.data:
        action = {"type": "postback", "label": label,
                  "data": button.data[:MAX_POSTBACK_DATA_CHARS]}  # fmt: skip
        if button.display_text:
            action["displayText"] = button.display_text
        return action
    return {"type": "message", "label": label, "text": button.text or button.label}


_cached = lru_cache(maxsize=512)(message_dict)
