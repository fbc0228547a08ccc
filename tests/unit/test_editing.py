"""変更 N <time>, 3番を…に, change N to …, and 時間を変更 on a confirmation: the reminder moves,
keeping its label and rule, once however often the edit arrives. In-process, on the fake."""

from __future__ import annotations

from linebot.v3.webhooks import Event

from bot.domain.reminders import Kind
from bot.service.webhook_events import EventContext, handle_event
from tests.unit.service_support import USER, at, book_of, ctx, postback, replies_of, text

__all__ = ["ctx"]  # the fixture
T = at(2026, 12, 6, 12, 46)  # a Sunday lunchtime


def _set(ctx: EventContext, body: str) -> str:
    handle_event(text(body, T), ctx)
    return ctx.reminders.pending(USER)[-1].id


def test_an_edit_moves_the_listed_reminder_and_keeps_its_label(ctx: EventContext) -> None:
    rid = _set(ctx, "明日10時 会議")
    handle_event(text("一覧", T), ctx)
    assert handle_event(text("変更 1 明後日の9時", T), ctx) == "edited"
    (moved,) = ctx.reminders.pending(USER)
    assert (moved.id, moved.label, moved.occurrence_ms) == (rid, "会議", at(2026, 12, 8, 9, 0))
    assert "変更しました" in replies_of(ctx).last
    assert book_of(ctx).due[(USER, rid)] == at(2026, 12, 8, 9, 0)


def test_the_ja_and_en_forms_edit_too(ctx: EventContext) -> None:
    _set(ctx, "明日10時 会議")
    assert handle_event(text("1番を明日の15時に", T), ctx) == "edited"
    assert ctx.reminders.pending(USER)[0].occurrence_ms == at(2026, 12, 7, 15, 0)
    assert handle_event(text("change 1 to friday 10am", T), ctx) == "edited"
    assert ctx.reminders.pending(USER)[0].occurrence_ms == at(2026, 12, 11, 10, 0)


def test_a_recurring_rule_changes_its_time_for_every_later_occurrence(ctx: EventContext) -> None:
    rid = _set(ctx, "毎週月曜 9時 朝会")
    assert handle_event(text("変更 1 8時半", T), ctx) == "edited"
    (moved,) = ctx.reminders.pending(USER)
    assert (moved.id, moved.kind, moved.label) == (rid, Kind.RECURRING, "朝会")
    assert "BYDAY=MO" in moved.rule().rule
    assert moved.occurrence_ms == at(2026, 12, 7, 8, 30)
    assert "毎週 月曜 8:30" in replies_of(ctx).last


def test_a_recurring_rule_is_not_moved_to_a_one_off_day(ctx: EventContext) -> None:
    _set(ctx, "毎日 7:00 薬")
    assert handle_event(text("変更 1 明日の9時", T), ctx) == "edit_refused"
    assert ctx.reminders.pending(USER)[0].occurrence_ms == at(2026, 12, 7, 7, 0)


def test_one_edit_acts_once_however_often_it_is_delivered(ctx: EventContext) -> None:
    _set(ctx, "明日10時 会議")
    event: Event = text("変更 1 11時", T)
    assert handle_event(event, ctx) == "edited"
    assert handle_event(event, ctx) == "duplicate"
    assert len(replies_of(ctx).replies) == 2  # the confirmation of the set, then of the edit


def test_an_edit_without_a_time_asks_when(ctx: EventContext) -> None:
    _set(ctx, "明日10時 会議")
    assert handle_event(text("変更 1", T), ctx) == "edit_ask"
    assert "「会議」をいつに変更しますか?" in replies_of(ctx).last


def test_an_unknown_number_changes_nothing(ctx: EventContext) -> None:
    _set(ctx, "明日10時 会議")
    assert handle_event(text("変更 5 9時", T), ctx) == "edit_unknown"
    assert ctx.reminders.pending(USER)[0].occurrence_ms == at(2026, 12, 7, 10, 0)


def test_a_leased_reminder_is_not_moved(ctx: EventContext) -> None:
    rid = _set(ctx, "明日10時 会議")
    book_of(ctx).claim(USER, rid)
    assert handle_event(text("変更 1 11時", T), ctx) == "edit_busy"
    assert ctx.reminders.pending(USER)[0].occurrence_ms == at(2026, 12, 7, 10, 0)


def test_the_confirmation_offers_the_prefilled_picker(ctx: EventContext) -> None:
    rid = _set(ctx, "明日10時 会議")
    buttons = replies_of(ctx).replies[-1][1].quick_replies
    (edit,) = [b for b in buttons if b.label == "時間を変更"]
    assert (edit.picker, edit.initial, edit.data) == ("datetime", "2026-12-07T10:00", f"edit:{rid}")
    picked = postback(edit.data, T, params={"datetime": "2026-12-09T18:30"})
    assert handle_event(picked, ctx) == "edited"
    assert ctx.reminders.pending(USER)[0].occurrence_ms == at(2026, 12, 9, 18, 30)


def test_the_picker_changes_a_rule_s_time_of_day_only(ctx: EventContext) -> None:
    rid = _set(ctx, "毎週水曜 7時 ゴミ")
    picked = postback(f"edit:{rid}", T, params={"datetime": "2026-12-20T06:45"})
    assert handle_event(picked, ctx) == "edited"
    (moved,) = ctx.reminders.pending(USER)
    assert "BYDAY=WE" in moved.rule().rule
    assert moved.occurrence_ms == at(2026, 12, 9, 6, 45)
