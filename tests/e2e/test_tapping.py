"""Tapping end to end, through the real processes and the simulator's postbacks: a task, then
the date-time picker; the pushed card's 5分後; and the same postback twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import redis

from localdev.stack import Stack
from tests.e2e.support import (
    assert_quiet,
    drop_timers,
    new_user_id,
    seconds_until,
    text_of,
    wait_one,
)

pytestmark = pytest.mark.e2e

TOKYO = ZoneInfo("Asia/Tokyo")


def _picker(record: dict[str, Any]) -> dict[str, Any]:
    items = record["messages"][0]["quickReply"]["items"]
    (picker,) = [i["action"] for i in items if i["action"]["type"] == "datetimepicker"]
    return dict(picker)


def _card_button(push: dict[str, Any], label: str) -> str:
    footer = push["messages"][0]["contents"]["footer"]["contents"]
    actions = [b["action"] for row in footer for b in row.get("contents", [row])]
    (data,) = [a["data"] for a in actions if a["label"] == label]
    return str(data)


def test_a_task_set_with_the_picker_is_pushed_once_at_its_minute_and_snoozed_from_its_card(
    stack: Stack, redis_conn: redis.Redis
) -> None:
    sim, user = stack.sim, new_user_id()
    try:
        since = sim.last_seq()
        sim.send_text("ゴミ出し", user_id=user)
        question = wait_one(sim, since, user, timeout=2.0)
        assert "いつお知らせしますか" in text_of(question)
        picker = _picker(question)
        assert (picker["label"], picker["mode"]) == ("日時を選ぶ", "datetime")

        now = datetime.now(UTC).astimezone(TOKYO)
        target = (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
        if (target - now).total_seconds() < 5:
            target += timedelta(minutes=1)
        params = {"datetime": target.strftime("%Y-%m-%dT%H:%M")}
        sim.send_postback(picker["data"], params, user_id=user)
        confirmation = wait_one(sim, question["seq"], user, timeout=2.0)
        assert f"{target.month}月{target.day}日" in text_of(confirmation)
        sim.send_postback(picker["data"], params, user_id=user)  # the same answer again
        again = wait_one(sim, confirmation["seq"], user, timeout=2.0)
        assert "操作済み" in text_of(again)

        due_ms = int(target.timestamp() * 1000)
        push = wait_one(sim, again["seq"], user, timeout=seconds_until(due_ms) + 3.0)
        assert push["kind"] == "push"
        assert 0 <= push["received_at_ms"] - due_ms <= 1000
        assert push["messages"][0]["type"] == "flex"
        assert text_of(push).startswith("⏰ ゴミ出し")
        assert_quiet(sim, push["seq"], user)  # one push, not one per answer

        tap = sim.send_postback(_card_button(push, "5分後"), user_id=user)
        snoozed = wait_one(sim, push["seq"], user, timeout=2.0)
        assert snoozed["kind"] == "reply"
        in_five = datetime.fromtimestamp(tap["event"]["timestamp"] / 1000, TOKYO)
        in_five += timedelta(minutes=5)
        sim.send_text("一覧", user_id=user)
        listing = wait_one(sim, snoozed["seq"], user, timeout=2.0)
        assert f"ゴミ出し — {in_five.year}年{in_five.month}月{in_five.day}日" in text_of(listing)
        assert f"{in_five.hour}:{in_five.minute:02d}" in text_of(listing)
    finally:
        drop_timers(redis_conn, user)
