"""Test helpers: a tiny Flask webhook receiver parsing with the SDK, and a raw HTTP caller."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, request
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    MessagingApi,
    ReplyMessageRequest,
    TextMessage,
)
from linebot.v3.webhooks import MessageEvent, TextMessageContent
from werkzeug.serving import make_server

SECRET = "test-channel-secret"
TOKEN = "test-access-token"
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Receiver:
    """A bot stand-in: verifies the signature, parses with the SDK, can echo-reply."""

    sim_url: str = ""
    auto_reply: bool = False
    answer_status: int = 200
    events: list[Any] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    raw: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    url: str = ""

    def reset(self) -> None:
        self.auto_reply = False
        self.answer_status = 200
        self.events.clear()
        self.bodies.clear()
        self.raw.clear()


def start_receiver() -> tuple[Receiver, Any]:
    state = Receiver()
    parser = WebhookParser(SECRET)
    app = Flask("receiver")

    @app.post("/callback")
    def callback() -> tuple[str, int]:
        body = request.get_data(as_text=True)
        signature = request.headers.get("X-Line-Signature")
        if signature is None:
            return "missing signature", 400
        try:
            events = parser.parse(body, signature)
        except InvalidSignatureError:
            return "bad signature", 400
        state.bodies.append(json.loads(body))
        state.raw.append((body, dict(request.headers)))
        state.events.extend(events)
        if state.auto_reply:
            _echo(state, events)
        return "OK", state.answer_status

    server = make_server("127.0.0.1", 0, app, threaded=True)
    state.url = f"http://127.0.0.1:{server.server_port}/callback"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return state, server


def _echo(state: Receiver, events: list[Any]) -> None:
    config = Configuration(host=state.sim_url, access_token=TOKEN)
    with ApiClient(config) as client:
        api = MessagingApi(client)
        for ev in events:
            if isinstance(ev, MessageEvent) and isinstance(ev.message, TextMessageContent):
                reply = TextMessage(text="echo: " + ev.message.text)
                api.reply_message(ReplyMessageRequest(reply_token=ev.reply_token, messages=[reply]))


def call(
    base: str,
    method: str,
    path: str,
    body: Any = None,
    *,
    token: str | None = TOKEN,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
) -> tuple[int, dict[str, str], Any]:
    """Call an endpoint without the SDK: (status, lower-cased headers, parsed JSON body)."""
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token is not None:
        req.add_header("Authorization", f"Bearer {token}")
    for key, value in (headers or {}).items():
        req.add_header(key, value)
    try:
        with _NO_PROXY.open(req, timeout=10) as resp:
            status, hdrs, text = resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        status, hdrs, text = exc.code, exc.headers, exc.read()
    return status, {k.lower(): v for k, v in hdrs.items()}, json.loads(text) if text else None


def push_body(to: str = "U" + "1" * 32, text: str = "hello", n: int = 1) -> dict[str, Any]:
    return {"to": to, "messages": [{"type": "text", "text": text}] * n}
