"""Taps on the chat page for what issue 25 added (the whole bot behind it): 時間を変更 on a
confirmation moves the reminder through the date-time picker; 完了 on a card stops the repeats
of a 完了するまで reminder at once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from localdev.stack import Stack
from tests.browser.support import bot_rows, due_ms, open_chat, say, wait_count
from tests.e2e.support import quick_reply_items, text_of, wait_one

TOKYO = ZoneInfo("Asia/Tokyo")


def test_time_change_on_a_confirmation_moves_the_reminder(
    stack: Stack, page: Any, user: str
) -> None:
    open_chat(page, stack.sim_url, user)
    since = stack.sim.last_seq()
    say(page, "明日10時 会議")
    confirmed = wait_one(stack.sim, since, user, timeout=5)
    (picker,) = [
        item["action"]
        for item in quick_reply_items(confirmed)
        if item["action"]["label"] == "時間を変更"
    ]
    assert (picker["type"], picker["mode"]) == ("datetimepicker", "datetime")
    tomorrow = datetime.now(TOKYO).date() + timedelta(days=1)
    assert picker["initial"] == f"{tomorrow.isoformat()}T10:00"
    page.locator("#quick button", has_text="時間を変更").click()
    moved_to = datetime.combine(tomorrow, datetime.min.time(), TOKYO).replace(hour=15)
    page.fill("#pickerInput", moved_to.strftime("%Y-%m-%dT%H:%M"))
    since = stack.sim.last_seq()
    page.click("#pickerOk")
    edited = wait_one(stack.sim, since, user, timeout=5)
    assert "変更しました" in text_of(edited)
    assert due_ms(stack, user) == [int(moved_to.timestamp() * 1000)]


def test_done_on_the_card_stops_the_repeats(stack: Stack, page: Any, user: str) -> None:
    open_chat(page, stack.sim_url, user)
    say(page, "3 薬 1分おきに完了するまで 2回")
    wait_count(bot_rows(page, user, "push"), 1, timeout=8)
    assert len(due_ms(stack, user)) == 2  # the two repeats, a minute apart, still to come
    card = bot_rows(page, user, "push").last
    since = stack.sim.last_seq()
    card.locator("button.fx-button", has_text="完了").click()
    done = wait_one(stack.sim, since, user, timeout=5)
    assert done["kind"] == "reply"
    assert due_ms(stack, user) == []
