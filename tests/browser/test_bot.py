"""The chat page against the whole bot (Redis, the simulator, web, rq_worker, timer_worker).

The flows that tap (a reminder set with the picker, snooze from a card, cancel from 一覧) are
written against the bot's contract: quick reply 「日時を選ぶ」 (datetimepicker, mode datetime) after
a task with no time, notification cards with 完了 / 5分後 / 1時間後 / 明日, and 一覧 as a carousel
with a 取消 button per reminder.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from localdev.stack import Stack
from tests.browser.support import bot_rows, due_ms, open_chat, say, transcript, wait_count
from tests.e2e.support import quick_reply_items, text_of, wait_one

TOKYO = ZoneInfo("Asia/Tokyo")
CARD_BUTTONS = ["完了", "5分後", "1時間後", "明日"]
Record = dict[str, Any]


def _json(record: Record) -> str:
    return json.dumps(record["messages"], ensure_ascii=False)


def _hm(moment: datetime) -> str:
    return f"{moment.hour}:{moment.minute:02d}"


def test_timer_reply_then_push(stack: Stack, page: Any, user: str, shots: Path) -> None:
    open_chat(page, stack.sim_url, user)
    say(page, "3")
    wait_count(bot_rows(page, user, "reply"), 1, timeout=5)
    wait_count(bot_rows(page, user, "push"), 1, timeout=8)
    reply, pushed = stack.sim.messages(chat=user)
    assert (reply["kind"], pushed["kind"]) == ("reply", "push")
    (hook,) = stack.sim.webhooks(chat=user)
    assert 2_900 <= pushed["received_at_ms"] - hook["sent_at_ms"] <= 4_500
    me = transcript(page, user).locator(".row.me .bubble")
    assert me.inner_text() == "3"
    page.screenshot(path=str(shots / "chat-page.png"))


def test_reminder_set_in_two_taps(stack: Stack, page: Any, user: str) -> None:
    open_chat(page, stack.sim_url, user)
    since = stack.sim.last_seq()
    say(page, "ゴミ出し")
    asked = wait_one(stack.sim, since, user, timeout=5)
    assert "いつ" in text_of(asked)
    pickers = [
        item["action"]
        for item in quick_reply_items(asked)
        if item["action"]["type"] == "datetimepicker" and item["action"]["label"] == "日時を選ぶ"
    ]
    assert pickers, quick_reply_items(asked)
    assert pickers[0]["mode"] == "datetime"
    now = datetime.now(TOKYO)
    # The picker has minutes only: the next minute, unless it is too close for the taps.
    target = (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
    if (target - now).total_seconds() < 10:
        target += timedelta(minutes=1)
    page.locator("#quick button", has_text="日時を選ぶ").click()
    page.fill("#pickerInput", target.strftime("%Y-%m-%dT%H:%M"))
    since = stack.sim.last_seq()
    page.click("#pickerOk")
    confirmed = wait_one(stack.sim, since, user, timeout=5)
    assert confirmed["kind"] == "reply"
    assert _hm(target) in _json(confirmed)
    # Due at that minute to the millisecond. Waiting for the push here would cost up to a
    # minute; tests/e2e/test_reminders.py sees a next-minute reminder pushed within 1 s of it.
    assert due_ms(stack, user) == [int(target.timestamp() * 1000)]


def test_snooze_from_a_notification_card(stack: Stack, page: Any, user: str) -> None:
    open_chat(page, stack.sim_url, user)
    say(page, "3")
    wait_count(bot_rows(page, user, "push"), 1, timeout=8)
    pushed = stack.sim.messages(chat=user)[-1]
    assert pushed["messages"][0]["type"] == "flex", pushed["messages"]
    card = bot_rows(page, user, "push").last
    labels = card.locator("button.fx-button").all_inner_texts()
    assert all(label in labels for label in CARD_BUTTONS), labels
    since = stack.sim.last_seq()
    card.locator("button.fx-button", has_text="5分後").click()
    confirmed = wait_one(stack.sim, since, user, timeout=5)
    assert confirmed["kind"] == "reply"
    expected = datetime.now(TOKYO) + timedelta(minutes=5)
    since = confirmed["seq"]
    say(page, "一覧")
    listing = _json(wait_one(stack.sim, since, user, timeout=5))
    nearby = [_hm(expected + timedelta(minutes=d)) for d in (-1, 0, 1)]
    assert any(hm in listing for hm in nearby), (nearby, listing)


def test_cancel_from_the_list_carousel(stack: Stack, page: Any, user: str) -> None:
    open_chat(page, stack.sim_url, user)
    since = stack.sim.last_seq()
    say(page, "10分 ゴミ出し")
    since = wait_one(stack.sim, since, user, timeout=5)["seq"]
    say(page, "一覧")
    listing = wait_one(stack.sim, since, user, timeout=5)
    message = listing["messages"][0]
    assert message["type"] == "flex", message
    assert message["contents"]["type"] == "carousel"
    row = bot_rows(page, user).last
    row.locator(".fx-bubble").first.wait_for()
    assert "ゴミ出し" in row.inner_text()
    since = listing["seq"]
    row.locator(".fx-bubble", has_text="ゴミ出し").locator("button", has_text="取消").click()
    confirmed = wait_one(stack.sim, since, user, timeout=5)
    assert confirmed["kind"] == "reply"
    say(page, "一覧")
    after = wait_one(stack.sim, confirmed["seq"], user, timeout=5)
    assert "ゴミ出し" not in _json(after)
