"""The parser's ask end to end, through the real processes and the simulator's postbacks: a
weekday that contradicts its date is asked about, a tapped reading is stored once (a second
tap and a redelivered tap store nothing more) and listed; an unread time asked about and
abandoned with キャンセル stores nothing.

The texts are read by the new parser (AskWhich), with the clock around 2026-12: 2027-06-04 is
a Friday, so `6月4日(木)` contradicts itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import redis

from localdev.stack import Stack
from tests.e2e.support import (
    assert_quiet,
    drop_timers,
    new_user_id,
    pending_timers,
    quick_reply_items,
    text_of,
    wait_one,
)

pytestmark = pytest.mark.e2e

TOKYO = ZoneInfo("Asia/Tokyo")
MEETING = "6月4日(木) 10時 会議"


def reading_labels() -> list[str]:
    """The two readings' buttons: the date as typed, then the weekday as typed."""
    year = "2027/" if datetime.now(TOKYO).year != 2027 else ""
    return [f"{year}6/4(金) 10:00", f"{year}6/3(木) 10:00"]


def actions(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["action"]["label"]: i["action"] for i in quick_reply_items(record)}


def test_a_tapped_reading_is_stored_once_and_listed(stack: Stack, redis_conn: redis.Redis) -> None:
    sim, user = stack.sim, new_user_id()
    try:
        since = sim.last_seq()
        sim.send_text(MEETING, user_id=user)
        asked = wait_one(sim, since, user, timeout=2.0)
        assert asked["kind"] == "reply"
        assert "6月4日は金曜日です。" in text_of(asked)
        buttons = actions(asked)
        assert list(buttons) == [*reading_labels(), "日時を選ぶ", "キャンセル"]
        assert buttons["日時を選ぶ"]["type"] == "datetimepicker"
        assert pending_timers(redis_conn, user) == []  # nothing before the tap

        june_4 = buttons[reading_labels()[0]]
        assert june_4["type"] == "postback"
        tap = sim.send_postback(june_4["data"], user_id=user)
        confirmed = wait_one(sim, asked["seq"], user, timeout=2.0)
        assert "2027年6月4日(金) 10:00 に「会議」をリマインドします" in text_of(confirmed)
        sim.redeliver(tap["event"]["webhookEventId"])
        sim.send_postback(june_4["data"], user_id=user)  # the same button again
        again = wait_one(sim, confirmed["seq"], user, timeout=2.0)
        assert "この質問はもう終わっています" in text_of(again)
        assert_quiet(sim, again["seq"], user)  # the redelivery answered nothing
        assert len(pending_timers(redis_conn, user)) == 1

        sim.send_text("一覧", user_id=user)
        listing = wait_one(sim, again["seq"], user, timeout=2.0)
        assert "1. 会議 — 2027年6月4日(金) 10:00" in text_of(listing)
    finally:
        drop_timers(redis_conn, user)


def test_an_unread_time_abandoned_with_cancel_stores_nothing(
    stack: Stack, redis_conn: redis.Redis
) -> None:
    sim, user = stack.sim, new_user_id()
    try:
        since = sim.last_seq()
        sim.send_text("来月 会議", user_id=user)
        asked = wait_one(sim, since, user, timeout=2.0)
        assert '"来月"の部分が読み取れませんでした' in text_of(asked)
        assert list(actions(asked)) == ["日時を選ぶ", "キャンセル"]
        sim.send_text(actions(asked)["キャンセル"]["text"], user_id=user)
        abandoned = wait_one(sim, asked["seq"], user, timeout=2.0)
        assert "キャンセルしました" in text_of(abandoned)
        assert pending_timers(redis_conn, user) == []
        sim.send_text("一覧", user_id=user)
        listing = wait_one(sim, abandoned["seq"], user, timeout=2.0)
        assert "ありません" in text_of(listing)
    finally:
        drop_timers(redis_conn, user)
