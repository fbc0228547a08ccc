"""The parser's ask on the chat page (the whole bot behind it): the readings are quick-reply
buttons; tapping one stores it once and 一覧 shows it; キャンセル stores nothing.

The texts are read by the new parser (AskWhich), with the clock around 2026-12: 2027-06-04 is
a Friday, so `6月4日(木)` contradicts itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from localdev.stack import Stack
from tests.browser.support import bot_rows, due_ms, open_chat, say, transcript
from tests.e2e.support import quick_reply_items, text_of, wait_one

TOKYO = ZoneInfo("Asia/Tokyo")
JUNE_4 = datetime(2027, 6, 4, 10, 0, tzinfo=TOKYO)


def _labels(record: dict[str, Any]) -> list[str]:
    return [item["action"]["label"] for item in quick_reply_items(record)]


def test_a_reading_tapped_on_the_page_is_stored_once_and_listed(
    stack: Stack, page: Any, user: str
) -> None:
    open_chat(page, stack.sim_url, user)
    since = stack.sim.last_seq()
    say(page, "6月4日(木) 10時 会議")
    asked = wait_one(stack.sim, since, user, timeout=5)
    assert "6月4日は金曜日です。" in text_of(asked)
    year = "2027/" if datetime.now(TOKYO).year != 2027 else ""
    june_4 = f"{year}6/4(金) 10:00"
    assert _labels(asked)[0] == june_4
    assert due_ms(stack, user) == []
    page.locator("#quick button", has_text=june_4).click()
    confirmed = wait_one(stack.sim, asked["seq"], user, timeout=5)
    assert "2027年6月4日(金) 10:00" in text_of(confirmed)
    assert transcript(page, user).locator(".row.me .bubble").last.inner_text() == june_4
    assert due_ms(stack, user) == [int(JUNE_4.timestamp() * 1000)]
    say(page, "一覧")
    listing = wait_one(stack.sim, confirmed["seq"], user, timeout=5)
    assert "1. 会議 — 2027年6月4日(金) 10:00" in text_of(listing)
    row = bot_rows(page, user).last
    row.locator(".fx-bubble", has_text="会議").first.wait_for()


def test_cancel_on_the_page_stores_nothing(stack: Stack, page: Any, user: str) -> None:
    open_chat(page, stack.sim_url, user)
    since = stack.sim.last_seq()
    say(page, "来月 会議")
    asked = wait_one(stack.sim, since, user, timeout=5)
    assert '"来月"の部分が読み取れませんでした' in text_of(asked)
    assert _labels(asked) == ["日時を選ぶ", "キャンセル"]
    page.locator("#quick button", has_text="キャンセル").click()
    abandoned = wait_one(stack.sim, asked["seq"], user, timeout=5)
    assert "キャンセルしました" in text_of(abandoned)
    say(page, "一覧")
    listing = wait_one(stack.sim, abandoned["seq"], user, timeout=5)
    assert "ありません" in text_of(listing)
    assert due_ms(stack, user) == []
