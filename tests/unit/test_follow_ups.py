"""Alerts before an event and repeats until done: each a reminder of its own, linked to its
reminder — armed with it once, listed under it, cancelled and moved with it; 完了 stops the
repeats. In-process, on the fake."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.domain import postbacks
from bot.domain.follow_ups import shifted_rule
from bot.domain.postbacks import CardAction
from bot.domain.recurrence import Recurrence
from bot.domain.reminders import Kind
from bot.service.webhook_events import EventContext, handle_event
from tests.unit.service_support import USER, at, book_of, ctx, postback, replies_of, roomy, text

__all__ = ["ctx", "roomy"]  # the fixtures
T = at(2026, 12, 6, 12, 46)
TOKYO = ZoneInfo("Asia/Tokyo")


def _by_time(ctx: EventContext) -> list[tuple[int, str]]:
    return [(r.occurrence_ms, r.label) for r in ctx.reminders.pending(USER)]


def test_an_alert_before_is_its_own_reminder_armed_with_the_event(ctx: EventContext) -> None:
    assert handle_event(text("明日10時 会議 30分前にも", T), ctx) == "once"
    assert _by_time(ctx) == [
        (at(2026, 12, 7, 9, 30), "⏰ 30分前: 会議 (10:00)"),
        (at(2026, 12, 7, 10, 0), "会議"),
    ]
    said = replies_of(ctx).last
    assert "30分前（9:30）にもお知らせします" in said


def test_several_alerts_and_a_redelivery_arms_one_group(ctx: EventContext) -> None:
    event = text("明日10時 会議 1日前と1時間前に", T)
    assert handle_event(event, ctx) == "once"
    assert handle_event(event, ctx) == "duplicate"
    assert [moment for moment, _ in _by_time(ctx)] == [
        at(2026, 12, 7, 9, 0),
        at(2026, 12, 7, 10, 0),
    ]
    assert "1日前はもう過ぎているため省きます" in replies_of(ctx).replies[0][1].text


def test_alerts_are_listed_under_their_reminder_and_cancelled_with_it(ctx: EventContext) -> None:
    handle_event(text("明日10時 会議 30分前にも", T), ctx)
    handle_event(text("明後日9時 歯医者", T), ctx)
    handle_event(text("一覧", T), ctx)
    lines = replies_of(ctx).last.splitlines()
    assert lines[0] == "📋 リマインダー一覧（2件）"
    assert lines[1].startswith("1. 会議")
    assert lines[2].startswith("　└ ⏰ 30分前")
    assert lines[3].startswith("2. 歯医者")
    assert handle_event(text("取消 1", T), ctx) == "cancel"
    assert [label for _, label in _by_time(ctx)] == ["歯医者"]
    assert book_of(ctx).links(USER) == {}


def test_a_recurring_reminder_s_alert_recurs_with_it() -> None:
    rule = Recurrence("FREQ=WEEKLY;BYDAY=MO;BYHOUR=0;BYMINUTE=30")
    shifted = shifted_rule(rule, -3600)
    assert shifted is not None
    assert shifted.rule == "FREQ=WEEKLY;BYDAY=SU;BYHOUR=23;BYMINUTE=30"
    monthly = Recurrence("FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0")
    assert shifted_rule(monthly, -86400) is None  # "the day before the 1st" is no rule
    assert shifted_rule(monthly, -600) is not None


def test_a_weekly_alert_is_armed_for_the_first_occurrence(ctx: EventContext) -> None:
    assert handle_event(text("毎週月曜 9時 朝会 10分前にも", T), ctx) == "recurring"
    (alert, event) = ctx.reminders.pending(USER)
    assert (alert.kind, alert.occurrence_ms) == (Kind.RECURRING, at(2026, 12, 7, 8, 50))
    assert "BYDAY=MO" in alert.rule().rule
    assert event.occurrence_ms == at(2026, 12, 7, 9, 0)


def test_a_day_before_alert_on_a_monthly_rule_is_refused(ctx: EventContext) -> None:
    assert handle_event(text("毎月1日 9時 家賃 1日前にも", T), ctx) == "alert_refused"
    assert ctx.reminders.pending(USER) == []


def test_until_done_arms_the_repeats_and_says_what_they_may_cost(roomy: EventContext) -> None:
    assert handle_event(text("明日7時 薬 5分おきに完了するまで 3回", T), roomy) == "once"
    assert [moment for moment, _ in _by_time(roomy)] == [
        at(2026, 12, 7, 7, 0),
        at(2026, 12, 7, 7, 5),
        at(2026, 12, 7, 7, 10),
        at(2026, 12, 7, 7, 15),
    ]
    assert "プッシュ最大3通" in replies_of(roomy).last


def test_done_stops_the_repeats_at_once_and_once(roomy: EventContext) -> None:
    handle_event(text("明日7時 薬 完了するまで", T), roomy)
    parent = next(r for r in roomy.reminders.pending(USER) if r.label == "薬")
    assert len(roomy.reminders.pending(USER)) == 7  # the reminder and 6 repeats (default)
    done = postbacks.on_card(CardAction.DONE, parent.id, parent.occurrence_ms, "薬")
    book_of(roomy).cancel(USER, [parent.id])  # delivered: a one-shot's record is gone
    assert handle_event(postback(done, at(2026, 12, 7, 7, 1)), roomy) == "done"
    assert roomy.reminders.pending(USER) == []
    assert handle_event(postback(done, at(2026, 12, 7, 7, 2)), roomy) == "card_again"


def test_done_on_a_daily_reminder_skips_today_s_repeats_only(roomy: EventContext) -> None:
    handle_event(text("毎日7時 薬 10分おきに完了するまで 2回", T), roomy)
    parent = next(r for r in roomy.reminders.pending(USER) if r.label == "薬")
    done = postbacks.on_card(CardAction.DONE, parent.id, parent.occurrence_ms, "薬")
    assert handle_event(postback(done, at(2026, 12, 7, 7, 3)), roomy) == "done"
    repeats = [r for r in roomy.reminders.pending(USER) if r.id != parent.id]
    assert sorted(r.occurrence_ms for r in repeats) == [
        at(2026, 12, 8, 7, 10),
        at(2026, 12, 8, 7, 20),
    ]


def test_an_edit_moves_the_alerts_with_their_reminder(ctx: EventContext) -> None:
    handle_event(text("明日10時 会議 30分前にも", T), ctx)
    assert handle_event(text("変更 1 明後日の15時", T), ctx) == "edited"
    assert [moment for moment, _ in _by_time(ctx)] == [
        at(2026, 12, 8, 14, 30),
        at(2026, 12, 8, 15, 0),
    ]


def test_follow_ups_need_room_in_the_chat(ctx: EventContext) -> None:
    # The chat's limit is 3 here (service_support): a reminder with 6 repeats does not fit.
    assert handle_event(text("明日7時 薬 完了するまで", T), ctx) == "chat_full"
    assert ctx.reminders.pending(USER) == []
