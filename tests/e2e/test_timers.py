"""Timers end to end: webhook → reply → Redis → timer_worker → push, through the simulator."""

from __future__ import annotations

import pytest
import redis

from localdev.stack import Stack
from tests.e2e.support import (
    assert_quiet,
    drop_timers,
    is_uuid,
    new_group_id,
    new_user_id,
    pending_timers,
    seconds_until,
    text_of,
    wait_one,
)

pytestmark = pytest.mark.e2e

REPLY_WITHIN_MS = 2000
PUSH_LATE_AT_MOST_MS = 300


def test_three_seconds_replies_within_2s_then_pushes_once_on_time(stack: Stack) -> None:
    sim, user = stack.sim, new_user_id()
    since = sim.last_seq()

    answer = sim.send_text("3", user_id=user)

    assert answer["status"] == 200
    event = answer["event"]
    reply = wait_one(sim, since, user, timeout=REPLY_WITHIN_MS / 1000)
    assert reply["kind"] == "reply"
    assert reply["reply_token"] == event["replyToken"]
    assert reply["received_at_ms"] - event["timestamp"] <= REPLY_WITHIN_MS
    assert "3秒のタイマーをセットしました" in text_of(reply)

    due_ms = event["timestamp"] + 3000
    push = wait_one(sim, reply["seq"], user, timeout=seconds_until(due_ms) + 2.0)
    assert push["kind"] == "push"
    assert push["to"] == user
    late_ms = push["received_at_ms"] - due_ms
    assert 0 <= late_ms <= PUSH_LATE_AT_MOST_MS, f"push {late_ms:.0f} ms after due"
    assert is_uuid(push["retry_key"]), push["retry_key"]
    assert "3秒たちました" in text_of(push)
    assert_quiet(sim, push["seq"], user)


def test_timer_set_in_a_group_pushes_to_the_group(stack: Stack) -> None:
    sim, user, group = stack.sim, new_user_id(), new_group_id()
    since = sim.last_seq()

    answer = sim.send_text("2", user_id=user, group_id=group)

    assert answer["status"] == 200
    reply = wait_one(sim, since, group, timeout=2.0)
    assert reply["kind"] == "reply"
    due_ms = answer["event"]["timestamp"] + 2000
    push = wait_one(sim, reply["seq"], group, timeout=seconds_until(due_ms) + 2.0)
    assert push["kind"] == "push"
    assert push["to"] == group
    assert sim.messages(since=since, chat=user) == []  # nothing went to the member in person


def test_redelivered_timer_event_gets_no_second_reply_and_one_push(stack: Stack) -> None:
    sim, user = stack.sim, new_user_id()
    since = sim.last_seq()
    event = sim.send_text("3", user_id=user)["event"]
    reply = wait_one(sim, since, user, timeout=2.0)
    assert reply["kind"] == "reply"

    again = sim.redeliver(event["webhookEventId"])

    assert again["status"] == 200
    assert again["event"]["deliveryContext"]["isRedelivery"] is True
    due_ms = event["timestamp"] + 3000
    push = wait_one(sim, reply["seq"], user, timeout=seconds_until(due_ms) + 2.0)
    assert push["kind"] == "push", f"expected the push, got a second {push['kind']}"
    assert_quiet(sim, push["seq"], user)


def test_labelled_timer_reply_mentions_the_label(stack: Stack, redis_conn: redis.Redis) -> None:
    sim, user = stack.sim, new_user_id()
    since = sim.last_seq()
    try:
        answer = sim.send_text("3分 カップ麺", user_id=user)

        assert answer["status"] == 200
        reply = wait_one(sim, since, user, timeout=2.0)
        assert reply["kind"] == "reply"
        assert "カップ麺" in text_of(reply)
        assert "3分" in text_of(reply)
        assert len(pending_timers(redis_conn, user)) == 1
    finally:
        drop_timers(redis_conn, user)  # three minutes would outlive the test
