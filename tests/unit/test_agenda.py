"""今日の予定 / 明日の予定: that day's reminders by reply, recurring ones at every occurrence."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from bot.domain.agenda import MAX_LINES, agenda_text, occurrences_on
from bot.domain.recurrence import Recurrence
from bot.domain.reminders import Kind, Reminder
from bot.service.webhook_events import EventContext, handle_event
from tests.unit.service_support import USER, at, ctx, replies_of, text

__all__ = ["ctx"]  # the fixture
TOKYO = ZoneInfo("Asia/Tokyo")
T = at(2026, 12, 6, 12, 46)


def test_today_lists_the_day_s_reminders_by_reply(ctx: EventContext) -> None:
    handle_event(text("15時 会議", T), ctx)
    handle_event(text("毎日 7時と19時 薬", T), ctx)
    handle_event(text("明日10時 歯医者", T), ctx)
    assert handle_event(text("今日の予定", T), ctx) == "agenda"
    said = replies_of(ctx).last
    assert said.splitlines()[:3] == ["📅 12月6日(日)の予定", "15:00 会議", "19:00 薬"]
    assert "歯医者" not in said


def test_tomorrow_counts_every_occurrence_of_a_rule(ctx: EventContext) -> None:
    handle_event(text("毎日 7時と19時 薬", T), ctx)
    handle_event(text("明日10時 歯医者", T), ctx)
    handle_event(text("明日の予定", T), ctx)
    lines = replies_of(ctx).last.splitlines()
    assert lines[1:4] == ["07:00 薬", "10:00 歯医者", "19:00 薬"]


def test_an_empty_day_says_so(ctx: EventContext) -> None:
    handle_event(text("明日の予定", T), ctx)
    assert "この日のリマインダーはありません" in replies_of(ctx).last


def test_a_busy_rule_is_cut_and_counted() -> None:
    rule = Recurrence("FREQ=DAILY;BYHOUR=" + ",".join(map(str, range(24))) + ";BYMINUTE=0,30")
    every = Reminder.recurring(USER, "halfhour", at(2026, 12, 7, 0, 0), "水", rule)
    items = occurrences_on([every], date(2026, 12, 7), TOKYO)
    assert len(items) == 48
    said = agenda_text(items, date(2026, 12, 7))
    assert f"…ほか{48 - MAX_LINES}件" in said


def test_a_one_shot_outside_the_day_is_not_listed() -> None:
    late = Reminder(USER, "latenite", Kind.ONCE, at(2026, 12, 8, 0, 0), "x")
    assert occurrences_on([late], date(2026, 12, 7), TOKYO) == []
