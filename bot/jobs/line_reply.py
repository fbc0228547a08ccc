"""Replies from RQ job threads: one keep-alive connection per thread, the JSON built here.

The SDK's MessagingApi costs ~1 ms of CPU a reply (pydantic models, urllib3); a heavy reply is
plain text, so its body is the JSON of the SDK's ReplyMessageRequest written directly (the
tests compare it with the SDK's). Anything else (quick replies, Flex) goes through the SDK's
model. The outcome is classified like the web's reply sender: 2xx sent; 5xx, 408, 429,
timeouts and connection errors worth another try; any other 4xx refused.
"""

from __future__ import annotations

import http.client
import json
import logging
import threading
from typing import Any
from urllib.parse import urlsplit

from bot.adapters.line_api import DUMMY_REPLY_TOKENS, MAX_MESSAGES_PER_REQUEST, ReplyOutcome
from bot.adapters.line_messages import to_line_message
from bot.domain.texts import Reply

log = logging.getLogger(__name__)

REPLY_PATH = "/v2/bot/message/reply"
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def message_json(reply: Reply) -> dict[str, Any]:
    if not reply.quick_replies and not reply.flex_json:
        return {"type": "text", "text": reply.text}
    result: dict[str, Any] = to_line_message(reply).to_dict()
    return result


def reply_body(reply_token: str, replies: list[Reply]) -> bytes:
    messages = [message_json(r) for r in replies[:MAX_MESSAGES_PER_REQUEST]]
    body = {"replyToken": reply_token, "messages": messages, "notificationDisabled": False}
    return _JSON.encode(body).encode()


class ThreadReplier:
    """`send_reply` from any thread; each thread keeps its own connection to LINE."""

    def __init__(self, base_url: str, access_token: str, *, timeout_s: float = 5.0) -> None:
        parts = urlsplit(base_url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or "api.line.me"
        self._port = parts.port
        self._path = parts.path.rstrip("/") + REPLY_PATH
        self._timeout = timeout_s
        self._headers = {
            "Authorization": f"Bearer {access_token}",
            "Content-Type": "application/json",
            "User-Agent": "line-timer-bot",
        }
        self._local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            conn = kind(self._host, self._port, timeout=self._timeout)
            self._local.conn = conn
        return conn

    def send_reply(self, reply_token: str, replies: list[Reply]) -> ReplyOutcome:
        if not reply_token or reply_token in DUMMY_REPLY_TOKENS:
            return ReplyOutcome.REFUSED
        body = reply_body(reply_token, replies)
        conn = self._connection()
        try:
            conn.request("POST", self._path, body=body, headers=self._headers)
            response = conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()  # a fresh connection next time (LINE may have closed the idle one)
            log.warning("reply failed: %s", type(exc).__name__)
            return ReplyOutcome.RETRY
        status = response.status
        if 200 <= status < 300:
            return ReplyOutcome.SENT
        log.warning("reply refused: status=%s request_id=%s", status,
                    response.getheader("x-line-request-id"))  # fmt: skip
        if status >= 500 or status in (408, 429):
            return ReplyOutcome.RETRY
        return ReplyOutcome.REFUSED
