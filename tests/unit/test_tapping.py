"""Tapping instead of typing, in-process (see handler_support): 「いつ?」 and the date-time
picker, a notification card's buttons, and 一覧's carousel."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from bot.domain import cards, postbacks
from bot.domain.postbacks import CardAction
from bot.domain.reminders import Kind, Reminder, new_reminder_id
from bot.service.webhook_events import EventContext, handle_event
from tests.unit.service_support import (
    TOKYO,
    USER,
    at,
    book_of,
    ctx,
    postback,
    replies_of,
    text,
)

__all__ = ["ctx"]  # the fixture
DAILY_7 = "FREQ=DAILY;BYHOUR=7;BYMINUTE=0"
T = at(2026, 12, 1, 9, 0)


def picker_data(ctx: EventContext) -> str:
    (picker,) = [b for b in replies_of(ctx).replies[-1][1].quick_replies if b.picker]
    assert (picker.label, picker.picker) == ("日時を選ぶ", "datetime")
    assert (picker.min, picker.max) == ("2026-12-01T09:00", "2027-12-01T09:00")
    return picker.data


def test_what_without_when_is_asked_and_the_picker_completes_it_once(ctx: EventContext) -> None:
    assert handle_event(text("ゴミ出し", T), ctx) == "ask_when"
    assert "「ゴミ出し」をいつお知らせしますか?" in replies_of(ctx).last
    data = picker_data(ctx)
    params = {"datetime": "2026-12-01T09:02"}
    assert handle_event(postback(data, T + 5_000, params=params), ctx) == "once"
    assert "2026年12月1日(火) 9:02" in replies_of(ctx).last
    assert handle_event(postback(data, T + 6_000, params=params), ctx) == "pick_again"  # 2nd tap
    (reminder,) = ctx.reminders.pending(USER)
    assert (reminder.label, reminder.occurrence_ms) == ("ゴミ出し", at(2026, 12, 1, 9, 2))
    assert ctx.reminders.question(USER, USER) is None


def test_a_typed_answer_completes_the_question_and_keeps_its_label(ctx: EventContext) -> None:
    handle_event(text("歯医者の予約", T), ctx)
    assert handle_event(text("10分後", T + 3_000), ctx) == "timer"
    (reminder,) = ctx.reminders.pending(USER)
    assert (reminder.label, reminder.occurrence_ms) == ("歯医者の予約", T + 3_000 + 600_000)
    assert handle_event(text("3分 カップ麺", T + 4_000), ctx) == "timer"  # no question now
    assert {r.label for r in ctx.reminders.pending(USER)} == {"歯医者の予約", "カップ麺"}


def test_cancel_abandons_the_question_and_greetings_are_answered(ctx: EventContext) -> None:
    handle_event(text("ゴミ出し", T), ctx)
    assert handle_event(text("キャンセル", T + 1_000), ctx) == "question_abandoned"
    assert handle_event(text("10分後", T + 2_000), ctx) == "timer"
    assert [r.label for r in ctx.reminders.pending(USER)] == [""]
    assert handle_event(text("ありがとう！", T + 3_000), ctx) == "greeting"
    assert "どういたしまして" in replies_of(ctx).last
    assert handle_event(text("こんにちは", T + 4_000), ctx) == "greeting"
    assert ctx.reminders.question(USER, USER) is None


def test_in_a_group_the_question_belongs_to_the_member_who_asked(ctx: EventContext) -> None:
    group, other = "C" + "3" * 32, "U" + "4" * 32
    handle_event(text("会議の準備", T, chat=group, member=USER), ctx)
    handle_event(text("10分後", T + 1_000, chat=group, member=other), ctx)
    handle_event(text("1時間後", T + 2_000, chat=group, member=USER), ctx)
    labels = {r.occurrence_ms - T: r.label for r in ctx.reminders.pending(group)}
    assert labels == {601_000: "", 3_602_000: "会議の準備"}


def test_a_card_snoozes_once_and_the_snooze_is_listed(ctx: EventContext) -> None:
    delivered = Reminder(USER, new_reminder_id(), Kind.ONCE, T, "ゴミ出し")  # record already gone
    message = cards.notification_message(delivered, TOKYO)
    footer = message["contents"]["footer"]["contents"]
    snooze = footer[1]["contents"][0]["action"]
    assert snooze["label"] == "5分後"
    tap = T + 30_000
    assert handle_event(postback(snooze["data"], tap), ctx) == "snoozed"
    assert handle_event(postback(snooze["data"], tap + 1_000), ctx) == "card_again"
    done = footer[0]["action"]["data"]
    assert handle_event(postback(done, tap + 2_000), ctx) == "card_again"  # one action a card
    (snoozed,) = ctx.reminders.pending(USER)
    assert (snoozed.label, snoozed.occurrence_ms) == ("ゴミ出し", tap + 300_000)
    assert snoozed.retry_key != delivered.retry_key
    handle_event(text("一覧", tap + 3_000), ctx)
    assert "ゴミ出し — 2026年12月1日(火) 9:05" in replies_of(ctx).last


def test_tomorrow_keeps_the_clock_time_and_done_acts(ctx: EventContext) -> None:
    first = Reminder(USER, new_reminder_id(), Kind.ONCE, at(2026, 12, 1, 7, 30), "薬")
    data = postbacks.on_card(CardAction.TOMORROW, first.id, first.occurrence_ms, "薬")
    assert handle_event(postback(data, T), ctx) == "snoozed"
    (moved,) = ctx.reminders.pending(USER)
    assert moved.occurrence_ms == at(2026, 12, 2, 7, 30)
    second = Reminder(USER, new_reminder_id(), Kind.ONCE, T, "水やり")
    data = postbacks.on_card(CardAction.DONE, second.id, second.occurrence_ms, "水やり")
    assert handle_event(postback(data, T), ctx) == "done"
    assert "完了" in replies_of(ctx).last


def test_a_recurring_card_skips_the_next_occurrence_or_stops(ctx: EventContext) -> None:
    handle_event(text("毎日 7:00 起きる", at(2026, 12, 1, 6, 0)), ctx)
    (daily,) = ctx.reminders.pending(USER)
    assert daily.occurrence_ms == at(2026, 12, 1, 7, 0)
    delivered_occurrence = at(2026, 11, 30, 7, 0)  # yesterday's card
    skip = postbacks.on_card(CardAction.SKIP_NEXT, daily.id, delivered_occurrence, "起きる")
    assert handle_event(postback(skip, at(2026, 12, 1, 6, 10)), ctx) == "skipped"
    (after,) = ctx.reminders.pending(USER)
    assert after.occurrence_ms == at(2026, 12, 2, 7, 0)
    assert book_of(ctx).due[(USER, after.id)] == after.occurrence_ms
    stop = postbacks.on_card(CardAction.STOP, daily.id, at(2026, 12, 2, 7, 0), "起きる")
    assert handle_event(postback(stop, at(2026, 12, 2, 7, 1)), ctx) == "cancel"
    assert ctx.reminders.pending(USER) == []


def test_the_list_is_a_carousel_whose_buttons_cancel_and_change(ctx: EventContext) -> None:
    for n in range(1, 3):
        handle_event(text(f"{n}時間後 用事{n}", T), ctx)
    assert handle_event(text("一覧", T), ctx) == "list"
    listing = replies_of(ctx).replies[-1][1]
    bubbles = json.loads(listing.flex_json)["contents"]
    assert "1. 用事1" in listing.text  # the altText: the whole list, readable alone
    cancel = bubbles[0]["footer"]["contents"][0]["action"]
    change = bubbles[1]["footer"]["contents"][1]["action"]
    assert (cancel["label"], change["label"]) == ("取消", "変更")
    assert handle_event(postback(cancel["data"], T + 1_000), ctx) == "cancel"
    assert handle_event(postback(cancel["data"], T + 2_000), ctx) == "cancel_nothing"
    assert handle_event(postback(change["data"], T + 3_000), ctx) == "edit_ask"
    assert "いつに変更しますか?" in replies_of(ctx).last
    moved_to = (datetime.fromtimestamp(T / 1000, TOKYO) + timedelta(days=1)).strftime(
        "%Y-%m-%dT%H:%M"
    )
    params = {"datetime": moved_to}
    assert handle_event(postback(picker_data(ctx), T + 4_000, params=params), ctx) == "once"
    (changed,) = ctx.reminders.pending(USER)
    assert (changed.label, changed.occurrence_ms) == ("用事2", T + 86_400_000)


def test_a_picker_answer_in_the_past_or_junk_changes_nothing(ctx: EventContext) -> None:
    handle_event(text("ゴミ出し", T), ctx)
    data = picker_data(ctx)
    past = {"datetime": "2026-11-30T09:00"}
    assert handle_event(postback(data, T + 1_000, params=past), ctx) == "out_of_range"
    assert handle_event(postback(data, T + 2_000, params={"date": "x"}), ctx) == "pick_unreadable"
    assert ctx.reminders.pending(USER) == []
