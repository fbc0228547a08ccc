"""The webhook refuses what LINE did not sign or did not shape, and answers LINE's Verify."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import os
import secrets
import time
from typing import cast

import pytest
import redis

from bot.adapters.redis import keys
from linesim.client import COMPUTE, SimClient
from localdev.harness import now_ms
from localdev.stack import Stack
from tests.e2e.support import new_user_id

pytestmark = pytest.mark.e2e

BOT_ID = "U" + "b07" * 10 + "b0"


def timer_webhook(user: str, event_id: str) -> str:
    """A well-formed webhook asking for a 3 s timer: accepted, it would store one."""
    event = {
        "type": "message",
        "mode": "active",
        "timestamp": now_ms(),
        "source": {"type": "user", "userId": user},
        "webhookEventId": event_id,
        "deliveryContext": {"isRedelivery": False},
        "replyToken": secrets.token_hex(16),
        "message": {"id": "1", "type": "text", "quoteToken": "q", "text": "3"},
    }
    return json.dumps({"destination": BOT_ID, "events": [event]})


def sign(secret: str, body: str) -> str:
    digest = hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def stored_for(client: redis.Redis, chat: str) -> int:
    """Timers stored for a chat whatever the store's layout: members of its sorted sets."""
    count = 0
    for key in client.scan_iter(count=1000):
        if key.startswith(b"rq:") or client.type(key) != b"zset":
            continue
        members = cast(list[bytes], client.zrange(key, 0, -1))
        count += sum(1 for m in members if chat.encode() in m)
    return count


def request_count(sim: SimClient) -> int:
    # The timer worker reads the month's quota on its own schedule: not caused by a webhook.
    return len([r for r in sim.requests() if r["endpoint"] != "quota"])


# name → (body, signature); COMPUTE signs the body correctly, None omits the header.
REFUSED = {
    "bad signature": ("timer", "wrong"),
    "signature of another secret": ("timer", "other-secret"),
    "missing signature": ("timer", None),
    "signed non-JSON": ("not json {", COMPUTE),
    "signed JSON that is not a webhook": ('{"hello": "world"}', COMPUTE),
    "signed JSON list": ("[1, 2, 3]", COMPUTE),
    "signed events that are not objects": ('{"destination": "U1", "events": [1]}', COMPUTE),
    "signed deep nesting": ("[" * 100_000 + "]" * 100_000, COMPUTE),
    "signed NaN": ('{"destination": "U1", "events": [], "n": NaN}', COMPUTE),
    "signed huge number": ('{"destination": "U1", "events": [], "n": ' + "9" * 400 + "}", COMPUTE),
    "signed events not a list": ('{"destination": "U1", "events": {"a": 1}}', COMPUTE),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_unsigned_or_malformed_webhook_is_400_and_changes_nothing(
    stack: Stack, redis_conn: redis.Redis, case: str
) -> None:
    sim, user = stack.sim, new_user_id()
    event_id = "01" + os.urandom(12).hex().upper()[:24]
    body, signature = REFUSED[case]
    if body == "timer":
        body = timer_webhook(user, event_id)
    if signature == "wrong":
        signature = base64.b64encode(os.urandom(32)).decode()
    elif signature == "other-secret":
        signature = sign("not-the-channel-secret", body)
    since, requests_before = sim.last_seq(), request_count(sim)

    answer = sim.send_raw(body, signature=signature)

    assert answer["status"] == 400, answer
    assert stored_for(redis_conn, user) == 0
    assert not redis_conn.exists(keys.event_seen_key(event_id))
    assert sim.messages(since=since) == []
    assert request_count(sim) == requests_before, "the bot called the LINE API"


def test_verify_request_with_no_events_is_200(stack: Stack) -> None:
    answer = stack.sim.send_raw(json.dumps({"destination": BOT_ID, "events": []}))

    assert answer["status"] == 200, answer


def _post_raw(stack: Stack, head: list[tuple[str, str]], chunks: list[bytes]) -> int:
    """A request written by hand (http.client cannot send a chunked body with no length)."""
    conn = http.client.HTTPConnection("127.0.0.1", stack.web_port, timeout=10)
    try:
        conn.putrequest("POST", "/callback")
        for name, value in head:
            conn.putheader(name, value)
        conn.endheaders()
        try:
            for chunk in chunks:
                conn.send(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer 413 and close before the rest is written
        return conn.getresponse().status
    finally:
        conn.close()


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_signed_body_over_the_limit_is_413_and_changes_nothing(
    stack: Stack, redis_conn: redis.Redis, chunked: bool
) -> None:
    """3 MB, correctly signed, through gunicorn: 413 promptly, never a 500 or a hang."""
    sim, event_id = stack.sim, "01" + os.urandom(12).hex().upper()[:24]
    body = timer_webhook(new_user_id(), event_id).replace(
        '"text": "3"', '"text": "3' + " " * (3 << 20) + '"'
    )
    raw = body.encode()
    head = [("X-Line-Signature", sign(stack.env["LINE_CHANNEL_SECRET"], body)),
            ("Content-Type", "application/json")]  # fmt: skip
    if chunked:
        head.append(("Transfer-Encoding", "chunked"))
        step = 64 * 1024
        parts = [f"{len(raw[i:i + step]):x}\r\n".encode() + raw[i:i + step] + b"\r\n"
                 for i in range(0, len(raw), step)] + [b"0\r\n\r\n"]  # fmt: skip
    else:
        head.append(("Content-Length", str(len(raw))))
        parts = [raw]
    requests_before = request_count(sim)
    started = time.monotonic()

    assert _post_raw(stack, head, parts) == 413
    assert time.monotonic() - started < 2.0
    assert not redis_conn.exists(keys.event_seen_key(event_id))
    assert request_count(sim) == requests_before, "the bot called the LINE API"


def test_small_chunked_webhook_is_read_and_answered(stack: Stack) -> None:
    body = json.dumps({"destination": BOT_ID, "events": []})
    head = [("X-Line-Signature", sign(stack.env["LINE_CHANNEL_SECRET"], body)),
            ("Transfer-Encoding", "chunked")]  # fmt: skip
    raw = body.encode()
    assert _post_raw(stack, head, [f"{len(raw):x}\r\n".encode() + raw + b"\r\n0\r\n\r\n"]) == 200
