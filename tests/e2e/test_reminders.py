"""Reminders end to end, as a user writes them: a clock time, a daily rule, 一覧 and 取消."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import redis

from localdev.stack import Stack
from tests.e2e.support import (
    assert_quiet,
    drop_timers,
    is_uuid,
    new_user_id,
    pending_timers,
    seconds_until,
    text_of,
    wait_one,
)

pytestmark = pytest.mark.e2e

TOKYO = ZoneInfo("Asia/Tokyo")  # the stack's BOT_TIMEZONE


def test_a_clock_time_for_the_next_minute_is_pushed_once_within_a_second_of_it(
    stack: Stack,
) -> None:
    sim, user = stack.sim, new_user_id()
    now = datetime.now(UTC).astimezone(TOKYO)
    target = (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
    if (target - now).total_seconds() < 5:  # leave the reply time to arrive first
        target += timedelta(minutes=1)
    since = sim.last_seq()

    answer = sim.send_text(f"{target.hour}:{target.minute:02d} 会議", user_id=user)

    assert answer["status"] == 200
    reply = wait_one(sim, since, user, timeout=2.0)
    assert reply["kind"] == "reply"
    weekday = "月火水木金土日"[target.weekday()]
    stated = f"{target.year}年{target.month}月{target.day}日({weekday}) {target:%H:%M}".replace(
        ") 0", ") "
    )
    assert stated in text_of(reply), text_of(reply)
    due_ms = int(target.timestamp() * 1000)
    push = wait_one(sim, reply["seq"], user, timeout=seconds_until(due_ms) + 3.0)
    assert push["kind"] == "push"
    late_ms = push["received_at_ms"] - due_ms
    assert 0 <= late_ms <= 1000, f"push {late_ms:.0f} ms after {target:%H:%M}"
    assert is_uuid(push["retry_key"])
    assert text_of(push).startswith("⏰ 会議")
    assert_quiet(sim, push["seq"], user)


def test_a_daily_reminder_is_listed_and_gone_after_cancel(
    stack: Stack, redis_conn: redis.Redis
) -> None:
    sim, user = stack.sim, new_user_id()
    try:
        since = sim.last_seq()
        assert sim.send_text("毎日 7:30 起きる", user_id=user)["status"] == 200
        confirmation = wait_one(sim, since, user, timeout=2.0)
        assert "毎日 7:30" in text_of(confirmation)
        assert len(pending_timers(redis_conn, user)) == 1

        sim.send_text("一覧", user_id=user)
        listing = wait_one(sim, confirmation["seq"], user, timeout=2.0)
        assert "1. 起きる — 毎日 7:30" in text_of(listing)

        sim.send_text("取消 1", user_id=user)
        cancelled = wait_one(sim, listing["seq"], user, timeout=2.0)
        assert "取り消しました" in text_of(cancelled)
        assert pending_timers(redis_conn, user) == []

        sim.send_text("一覧", user_id=user)
        empty = wait_one(sim, cancelled["seq"], user, timeout=2.0)
        assert "ありません" in text_of(empty)
    finally:
        drop_timers(redis_conn, user)
