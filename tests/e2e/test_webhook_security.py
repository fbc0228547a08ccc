"""The webhook refuses what LINE did not sign or did not shape, and answers LINE's Verify."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets

import pytest
import redis

from bot.adapters.redis import keys
from linesim.client import COMPUTE, SimClient
from localdev.stack import Stack
from tests.e2e.support import new_user_id, now_ms

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


def request_count(sim: SimClient) -> int:
    return len(sim.requests())


# name → (body, signature); COMPUTE signs the body correctly, None omits the header.
REFUSED = {
    "bad signature": ("timer", "wrong"),
    "signature of another secret": ("timer", "other-secret"),
    "missing signature": ("timer", None),
    "signed non-JSON": ("not json {", COMPUTE),
    "signed JSON that is not a webhook": ('{"hello": "world"}', COMPUTE),
    "signed JSON list": ("[1, 2, 3]", COMPUTE),
    "signed events that are not objects": ('{"destination": "U1", "events": [1]}', COMPUTE),
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
    assert redis_conn.zcard(keys.TIMERS_DUE) == 0
    assert not redis_conn.exists(keys.event_seen_key(event_id))
    assert sim.messages(since=since) == []
    assert request_count(sim) == requests_before, "the bot called the LINE API"


def test_verify_request_with_no_events_is_200(stack: Stack) -> None:
    answer = stack.sim.send_raw(json.dumps({"destination": BOT_ID, "events": []}))

    assert answer["status"] == 200, answer
