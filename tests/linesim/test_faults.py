"""Fault injection: rate limits, errors and timeouts before/after accepting, 429 windows."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from linesim.client import SimClient, SimError
from linesim.process import SimulatorProcess
from tests.linesim.support import call, push_body

PUSH = "/v2/bot/message/push"


def _push(sim: SimulatorProcess, key: str | None = None) -> tuple[int, dict[str, str]]:
    headers = {"X-Line-Retry-Key": key} if key else None
    status, hdrs, _ = call(sim.url, "POST", PUSH, push_body(), headers=headers)
    return status, hdrs


def _burst(sim: SimulatorProcess, count: int) -> list[tuple[int, object]]:
    """`count` pushes at once (threads): they arrive within a few ms even on a busy host,
    where one after another they could outlast the window."""
    with ThreadPoolExecutor(count) as pool:
        answers = list(pool.map(lambda _: call(sim.url, "POST", PUSH, push_body()), range(count)))
    return [(status, answer) for status, _, answer in answers]


def test_rate_limit(sim: SimulatorProcess) -> None:
    """A sliding second: 5/s lets exactly 5 of a burst through, and all again 1 s later."""
    sim.client.set_faults(rate_limits={"push": 5})
    answers = _burst(sim, 7)
    assert sorted(status for status, _ in answers) == [200] * 5 + [429] * 2
    refused = {"message": "The API rate limit has been exceeded. Try again later."}
    assert [answer for status, answer in answers if status == 429] == [refused] * 2
    time.sleep(1.05)  # every request above, refused ones too, has left the window
    assert sorted(status for status, _ in _burst(sim, 6)) == [200] * 5 + [429]
    assert sim.client.stats()["status_429"] == 3


def test_error_before_accepting(sim: SimulatorProcess) -> None:
    sim.client.set_faults(push_error_before_rate=1.0)
    key = str(uuid.uuid4())
    assert _push(sim, key)[0] == 500
    assert sim.client.messages() == []
    sim.client.set_faults(push_error_before_rate=0.0)
    # The key was not remembered, so the retry is delivered.
    assert _push(sim, key)[0] == 200
    assert len(sim.client.messages()) == 1


def test_error_after_accepting(sim: SimulatorProcess) -> None:
    sim.client.set_faults(push_error_after_rate=1.0, push_error_status=503)
    key = str(uuid.uuid4())
    assert _push(sim, key)[0] == 503
    sim.client.set_faults(push_error_after_rate=0.0)
    status, headers = _push(sim, key)
    assert status == 409
    (record,) = sim.client.messages()
    assert headers["x-line-accepted-request-id"] == record["request_id"]


@pytest.mark.parametrize(("option", "delivered"), [("timeout_rate", 0), ("timeout_after_rate", 1)])
def test_timeouts(sim: SimulatorProcess, option: str, delivered: int) -> None:
    sim.client.set_faults(timeout_hold_s=0.2, **{option: 1.0})
    started = time.monotonic()
    assert _push(sim)[0] == 500
    assert time.monotonic() - started >= 0.2
    assert len(sim.client.messages()) == delivered


def test_429_window(sim: SimulatorProcess) -> None:
    sim.client.set_faults(window_429={"in_ms": 0, "duration_ms": 300, "retry_after_s": 1})
    status, headers = _push(sim)
    assert (status, headers["retry-after"]) == (429, "1")
    time.sleep(0.35)
    assert _push(sim)[0] == 200


def test_monthly_limit(sim: SimulatorProcess) -> None:
    sim.client.set_faults(monthly_limit=True)
    status, _, answer = call(sim.url, "POST", PUSH, push_body())
    assert (status, answer) == (429, {"message": "You have reached your monthly limit."})
    token = sim.client.send_text("replies are free")["event"]["replyToken"]
    reply = {"replyToken": token, "messages": [{"type": "text", "text": "ok"}]}
    assert call(sim.url, "POST", "/v2/bot/message/reply", reply)[0] == 200


def test_seeded_faults_repeat(sim: SimulatorProcess) -> None:
    runs = []
    for _ in range(2):
        sim.client.set_faults(push_error_before_rate=0.3, push_error_after_rate=0.2, seed=7)
        runs.append([_push(sim)[0] for _ in range(20)])
    assert runs[0] == runs[1]
    assert set(runs[0]) == {200, 500}


def test_scripted_outcomes(sim: SimulatorProcess) -> None:
    sim.client.set_faults(script=["error_before", "ok", "429"])
    assert [_push(sim)[0] for _ in range(4)] == [500, 200, 429, 200]
    faults = [r["fault"] for r in sim.client.requests()]
    assert faults == ["error_before", None, "429", None]


def test_latency(sim: SimulatorProcess) -> None:
    sim.client.set_faults(latency_ms=100, jitter_ms=20)
    started = time.monotonic()
    _push(sim)
    assert time.monotonic() - started >= 0.1
    (record,) = sim.client.messages()
    (req,) = sim.client.requests()
    assert req["answered_at_ms"] - record["received_at_ms"] >= 100


def test_request_log_includes_rejections(sim: SimulatorProcess) -> None:
    call(sim.url, "POST", PUSH, push_body(), token="bad")
    _push(sim)
    rejected, accepted = sim.client.requests()
    assert (rejected["status"], accepted["status"]) == (401, 200)
    assert rejected["method"] == "POST"
    assert rejected["path"] == PUSH
    assert rejected["received_at_ms"] <= rejected["answered_at_ms"]
    assert sim.client.requests(since=rejected["seq"]) == [accepted]
    assert sim.client.stats()["by_endpoint"]["push"] == {"401": 1, "200": 1}


def test_fault_config_is_checked_and_reset(client: SimClient) -> None:
    with pytest.raises(SimError) as err:
        client.set_faults(latncy_ms=5)
    assert err.value.status == 400
    assert client.set_faults(latency_ms=5)["latency_ms"] == 5
    client.reset()
    assert client.faults()["latency_ms"] == 0
