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


def test_a_daily_agenda_is_one_reminder_a_chat_and_stops(ctx: EventContext) -> None:
    from bot.domain.agenda import AGENDA_LABEL

    assert handle_event(text("毎朝7時に今日の予定", T), ctx) == "agenda_on"
    assert "その日の予定を1通のプッシュで" in replies_of(ctx).last
    assert handle_event(text("予定 毎朝8時", T), ctx) == "agenda_on"  # replaces the first
    (only,) = ctx.reminders.pending(USER)
    assert (only.label, only.occurrence_ms) == (AGENDA_LABEL, at(2026, 12, 7, 8, 0))
    assert handle_event(text("今日の予定", T), ctx) == "agenda"
    assert "この日のリマインダーはありません" in replies_of(ctx).last  # the agenda lists others
    assert handle_event(text("予定 停止", T), ctx) == "agenda_off"
    assert ctx.reminders.pending(USER) == []


def test_the_agenda_push_lists_the_day_from_its_moment_or_is_not_sent() -> None:
    from bot.domain.agenda import AGENDA_LABEL, agenda_push

    rule = Recurrence("FREQ=DAILY;BYHOUR=7;BYMINUTE=0")
    seven = at(2026, 12, 7, 7, 0)
    own = Reminder.recurring(USER, "agenda__", seven, AGENDA_LABEL, rule)
    early = Reminder(USER, "early___", Kind.ONCE, at(2026, 12, 7, 6, 0), "もう過ぎた")
    later = Reminder(USER, "later___", Kind.ONCE, at(2026, 12, 7, 9, 0), "会議")
    tomorrow = Reminder(USER, "tomorrow", Kind.ONCE, at(2026, 12, 8, 9, 0), "明日の")
    pushed = agenda_push([own, early, later, tomorrow], seven, TOKYO)
    assert pushed is not None
    assert pushed["text"] == "📅 12月7日(月)の予定\n09:00 会議\n(1件 / 1 reminders)"
    assert agenda_push([own, tomorrow], seven, TOKYO) is None
