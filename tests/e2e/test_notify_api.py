"""The Notify-style API end to end: a token issued in the chat, POST /api/notify to the web
process, the timer worker's notify loop pushing through the simulator — exactly once, as
plain text, across a LINE error after acceptance and a client retry of the same request."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
import redis

from bot.adapters.redis import keys
from localdev.stack import Stack
from tests.e2e.support import assert_quiet, is_uuid, new_user_id, wait_one

pytestmark = pytest.mark.e2e

TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$", re.M)


def post(
    stack: Stack, path: str, token: str, fields: dict[str, str], **headers: str
) -> tuple[int, dict[str, object], dict[str, str]]:
    request = urllib.request.Request(
        stack.web_url + path,
        data=urllib.parse.urlencode(fields).encode(),
        headers={"Authorization": f"Bearer {token}", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), dict(error.headers)


def issue_token(stack: Stack, user: str) -> str:
    since = stack.sim.last_seq()
    stack.sim.send_text("通知トークン", user_id=user)
    reply = wait_one(stack.sim, since, user, timeout=5.0)
    (token,) = TOKEN.findall(reply["messages"][0]["text"])
    return str(token)


def test_a_message_is_pushed_once_as_plain_text_through_a_line_error_and_a_retry(
    stack: Stack, redis_conn: redis.Redis
) -> None:
    sim, user = stack.sim, new_user_id()
    token = issue_token(stack, user)
    since, requests_since = sim.last_seq(), len(sim.requests())
    # LINE accepts the first push but answers 500: the worker's retry must be a 409, not a
    # second message.
    sim.set_faults(script=["error_after"])
    try:
        first = post(
            stack,
            "/api/notify",
            token,
            {"message": "ビルド失敗: main"},
            **{"X-Request-Id": "ci-42"},
        )
        retry = post(
            stack,
            "/api/notify",
            token,
            {"message": "ビルド失敗: main"},
            **{"X-Request-Id": "ci-42"},
        )

        assert first[:2] == (200, {"status": 200, "message": "ok"})
        assert retry[:2] == (200, {"status": 200, "message": "ok"})
        assert first[2]["X-RateLimit-Limit"] == "1000"
        assert retry[2]["X-RateLimit-Remaining"] == "998"
        push = wait_one(sim, since, user, timeout=5.0)
        assert push["kind"] == "push"
        assert push["messages"] == [{"type": "text", "text": "ビルド失敗: main"}]
        assert is_uuid(push["retry_key"])
        assert_quiet(sim, push["seq"], user)
        ours = [r for r in sim.requests()[requests_since:] if r["retry_key"] == push["retry_key"]]
        assert [r["status"] for r in ours] == [500, 409]
    finally:
        sim.set_faults(script=[])
    assert redis_conn.zcard(keys.NOTIFY_DUE) == 0
    assert not redis_conn.exists(keys.NOTIFY_QUEUE.chat_key(user))  # acked: nothing waits


def test_unfollow_revokes_the_chats_tokens(stack: Stack, redis_conn: redis.Redis) -> None:
    user = new_user_id()
    token = issue_token(stack, user)

    stack.sim.send_event({"type": "unfollow", "source": {"type": "user", "userId": user}})

    status, body, _ = post(stack, "/api/notify", token, {"message": "x"})
    assert (status, body) == (401, {"status": 401, "message": "Invalid access token"})
    assert not redis_conn.exists(keys.NOTIFY_TOKENS_OF_FORMAT.format(chat_id=user))
