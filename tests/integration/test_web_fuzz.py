"""Property tests: whatever a signed body holds, the webhook never answers 5xx, and what it
refuses (400/413) changes nothing in Redis and sends nothing to LINE.

Through the real Flask app (test client), a real redis-server and the LINE simulator. The
examples share one Redis and one simulator, so each one compares before and after itself.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.entrypoints.web import shutdown
from linesim.process import SimulatorProcess
from tests.integration import test_web
from tests.integration.test_web import Web, make_web, text_event, webhook

# The simulator fixtures of test_web, shared (module scope: one simulator for this module).
sim, webhook_port = test_web.sim, test_web.webhook_port

pytestmark = pytest.mark.timeout(600)

FUZZ = settings(
    max_examples=300,
    database=None,  # no .hypothesis/ left in the work tree
    deadline=None,  # a cold first request builds the clients
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
)
json_trees = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=30,
)
EVENT_KEYS = ("type", "mode", "timestamp", "source", "webhookEventId", "deliveryContext",
              "replyToken", "message")  # fmt: skip


@pytest.fixture
def fuzz_web(redis_url: str, sim: SimulatorProcess) -> Iterator[Web]:
    sim.client.reset()
    yield make_web(redis_url, sim)
    shutdown(5.0)


def check(web: Web, client: redis.Redis, body: bytes) -> int:
    """Post `body` signed; no 5xx, and a refusal leaves no trace."""
    web.settle()  # earlier accepted examples' replies are out of the way
    keys_before, calls_before = client.dbsize(), web.line_calls()
    status = web.post(body).status_code
    assert status < 500, body[:300]
    if status in (400, 413):
        assert web.sender.pending() == 0
        assert client.dbsize() == keys_before, body[:300]
        assert web.line_calls() == calls_before, body[:300]
    return status


def dumps(value: Any) -> bytes:
    return json.dumps(value, allow_nan=True, ensure_ascii=False).encode("utf-8", "surrogatepass")


@FUZZ
@given(tree=json_trees)
def test_arbitrary_json(fuzz_web: Web, redis_client: redis.Redis, tree: Any) -> None:
    status = check(fuzz_web, redis_client, dumps(tree))
    if not (isinstance(tree, dict) and isinstance(tree.get("events"), list)):
        assert status == 400


@FUZZ
@given(tree=json_trees)
def test_arbitrary_json_as_events(fuzz_web: Web, redis_client: redis.Redis, tree: Any) -> None:
    check(fuzz_web, redis_client, dumps({"destination": "U1", "events": [tree]}))


@FUZZ
@given(depth=st.integers(1, 200_000), opener=st.sampled_from(["[", '{"a":', '{"events":[']))
def test_deep_nesting(fuzz_web: Web, redis_client: redis.Redis, depth: int, opener: str) -> None:
    closer = {"[": "]", '{"a":': "}", '{"events":[': "]}"}[opener]
    body = (opener * depth + "1" + closer * depth).encode()
    assert check(fuzz_web, redis_client, body) in (400, 413)  # 413 once over 1 MB


def _mutate(event: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    for _ in range(data.draw(st.integers(1, 3))):
        key = data.draw(st.sampled_from(EVENT_KEYS))
        action = data.draw(st.sampled_from(["drop", "replace", "nest"]))
        if action == "drop":
            event.pop(key, None)
        elif action == "replace":
            event[key] = data.draw(json_trees)
        elif isinstance(event.get(key), dict):
            inner = event[key]
            sub = data.draw(st.sampled_from([*inner, "extra"]))
            inner[sub] = data.draw(json_trees)
    return event


@FUZZ
@given(data=st.data())
def test_mutated_valid_webhooks(
    fuzz_web: Web, redis_client: redis.Redis, data: st.DataObject
) -> None:
    events = [_mutate(text_event(data.draw(st.sampled_from(["3", "ヘルプ", "x"]))), data)]
    if data.draw(st.booleans()):
        events.append(text_event("180"))  # a valid neighbour: the payload is all or nothing
    check(fuzz_web, redis_client, webhook(*events))


@FUZZ
@given(data=st.data())
def test_mutated_bytes(fuzz_web: Web, redis_client: redis.Redis, data: st.DataObject) -> None:
    body = bytearray(webhook(text_event("3分 ラーメン")))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(body) - 1))
        op = data.draw(st.sampled_from(["flip", "drop", "insert"]))
        if op == "flip":
            body[at] = data.draw(st.integers(0, 255))
        elif op == "drop":
            del body[at]
        else:
            body[at:at] = data.draw(st.binary(min_size=1, max_size=8))
    check(fuzz_web, redis_client, bytes(body))


@FUZZ
@given(
    text=st.text(max_size=300) | st.text(alphabet="0123456789０１２３分秒時間 minsec.", max_size=30)
)
def test_any_message_text_is_answered(fuzz_web: Web, redis_client: redis.Redis, text: str) -> None:
    status = check(
        fuzz_web, redis_client, dumps({"destination": "U1", "events": [text_event(text)]})
    )
    assert status == 200


@settings(max_examples=10, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(size=st.integers(5_000, 400_000))
def test_long_texts_are_answered_quickly(
    fuzz_web: Web, redis_client: redis.Redis, size: int
) -> None:
    """Well past LINE's 5,000 characters, within the 1 MB bound: still quick, still 200."""
    body = dumps({"destination": "U1", "events": [text_event("3分 " + "あ" * size)]})
    fuzz_web.settle()
    started = time.monotonic()
    assert check(fuzz_web, redis_client, body) in (200, 413)
    assert time.monotonic() - started < 1.0
