"""Postbacks: the buttons the bot sent, tapped. Data the bot did not send gets a friendly reply
and changes nothing. Two taps are two events with the same data, so what must happen once is
keyed by the data: a card acts once per delivered occurrence, a picker answer once per
question, and cancelling what is gone changes nothing. Every id is looked up under the chat the
event came from, so no postback touches another chat's reminders; in a group any member may act
on the group's reminders.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain import ask_texts, occurrences, postbacks, reminder_texts, texts
from bot.domain.postbacks import CardAction
from bot.domain.reminders import Kind, Reminder, reminder_id_for_event
from bot.service import asking, asking_readings, editing
from bot.service.context import Turn
from bot.service.follow_up_commands import cancel_with_follow_ups, stop_repeats
from bot.service.listing import list_reply
from bot.service.members import confirmed, confirms_too, who_acted
from bot.service.reminder_commands import arm, chat_zone

TapHandler = Callable[[Any, Turn, dict[str, str] | None], str]
# Taps that store through the store's own once-per-event write (a picked moment or reading)
# are not marked seen first; every other tap acts once per event.
_TAPS: dict[type, tuple[TapHandler, bool]] = {}


def on_tap(*kinds: type, marks_seen: bool = True) -> Callable[[TapHandler], TapHandler]:
    """Register the handler of one or more postback types (as events and intents are)."""

    def register(handler: TapHandler) -> TapHandler:
        for kind in kinds:
            _TAPS[kind] = (handler, marks_seen)
        return handler

    return register


def handle_postback(data: str, params: dict[str, str] | None, turn: Turn) -> str:
    tapped = postbacks.read(data)
    if tapped is None:
        return turn.reply_once(texts.unknown_button(), "postback_unknown")
    handler, marks_seen = _TAPS[type(tapped)]
    if marks_seen and not turn.ctx.reminders.mark_event_seen(turn.event_id):
        return "duplicate"
    return handler(tapped, turn, params)


@on_tap(postbacks.PickedMoment, marks_seen=False)
def _picked_tap(tapped: postbacks.PickedMoment, turn: Turn, params: dict[str, str] | None) -> str:
    return _picked(tapped, params, turn)


@on_tap(postbacks.PickedReading, marks_seen=False)
def _reading_tap(tapped: postbacks.PickedReading, turn: Turn, _: dict[str, str] | None) -> str:
    return _picked_reading(tapped, turn)


@on_tap(postbacks.OnCard)
def _card_tap(tapped: postbacks.OnCard, turn: Turn, _: dict[str, str] | None) -> str:
    return _on_card(tapped, turn, chat_zone(turn))


@on_tap(postbacks.Undo, postbacks.CancelFromList)
def _cancel_tap(
    tapped: postbacks.Undo | postbacks.CancelFromList, turn: Turn, _: dict[str, str] | None
) -> str:
    return _cancel(tapped.reminder_id, turn, chat_zone(turn))


@on_tap(postbacks.EditFromList)
def _edit_tap(tapped: postbacks.EditFromList, turn: Turn, params: dict[str, str] | None) -> str:
    reminder = turn.ctx.reminders.get(turn.chat_id, tapped.reminder_id)
    if reminder is None:
        return turn.reply(reminder_texts.already_gone(), "edit_nothing")
    zone = chat_zone(turn)
    picked = asking.picked_moment(params, zone)
    if picked is not None:
        # 時間を変更 on a confirmation: the picker's answer moves it at once.
        return _edit_to(reminder, picked, turn, zone)
    label = reminder.label or "このリマインダー"
    edit = asking.ask_when(turn, label, zone, edit_id=reminder.id)
    return turn.reply(edit, "edit_ask")


def _edit_to(reminder: Reminder, picked: datetime, turn: Turn, zone: ZoneInfo) -> str:
    now = _now(turn, zone)
    if reminder.kind is Kind.RECURRING:
        rule = editing.with_time(reminder.rule(), picked.hour, picked.minute)
        first = rule.next_after(now, zone)
        if first is None:
            return turn.reply(reminder_texts.already_gone(), "edit_nothing")
        moved = Reminder.recurring(
            reminder.chat_id, reminder.id, int(first.timestamp() * 1000), reminder.label, rule
        )
    else:
        problem = asking.within(picked, now, turn.ctx.settings.reminder_max_days)
        if problem is not None:
            return turn.reply(texts.out_of_range(problem), "out_of_range")
        moved = Reminder(
            reminder.chat_id, reminder.id, Kind.ONCE, int(picked.timestamp() * 1000), reminder.label
        )
    return editing.apply_edit(turn, reminder, moved, zone)


@on_tap(postbacks.ListPage)
def _page_tap(tapped: postbacks.ListPage, turn: Turn, _: dict[str, str] | None) -> str:
    return turn.reply(list_reply(turn, chat_zone(turn), page=tapped.page), "list_page")


def _now(turn: Turn, zone: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(turn.timestamp_ms / 1000, UTC).astimezone(zone)


def _cancel(reminder_id: str, turn: Turn, zone: ZoneInfo) -> str:
    reminder = turn.ctx.reminders.get(turn.chat_id, reminder_id)
    if reminder is None or not cancel_with_follow_ups(turn, [reminder_id]):
        return turn.reply(reminder_texts.already_gone(), "cancel_nothing")
    return turn.reply(reminder_texts.cancelled([reminder], zone), "cancel")


def _picked(tapped: postbacks.PickedMoment, params: dict[str, str] | None, turn: Turn) -> str:
    zone = chat_zone(turn)
    moment = asking.picked_moment(params, zone)
    if moment is None:
        return turn.reply_once(texts.unknown_button(), "pick_unreadable")
    reason = asking.within(moment, _now(turn, zone), turn.ctx.settings.reminder_max_days)
    if reason is not None:
        return turn.reply_once(texts.out_of_range(reason), "out_of_range")
    if not turn.ctx.reminders.act_once(turn.chat_id, f"pick:{tapped.nonce}"):
        return turn.reply_once(reminder_texts.already_done(), "pick_again")
    question = asking.open_question(turn)
    edit_id = ""
    if question is not None and question.nonce == tapped.nonce:
        turn.ctx.reminders.forget_question(turn.chat_id, turn.user_id)
        edit_id = question.edit_id
    reminder = Reminder(
        turn.chat_id,
        reminder_id_for_event(f"pick:{tapped.nonce}"),
        Kind.ONCE,
        int(moment.timestamp() * 1000),
        tapped.label,
    )
    outcome = arm(turn, reminder, zone)
    if edit_id and outcome == "once":
        turn.ctx.reminders.cancel(turn.chat_id, [edit_id])
    return outcome


def _picked_reading(tapped: postbacks.PickedReading, turn: Turn) -> str:
    zone = chat_zone(turn)
    question = asking.open_question(turn)
    reminder = asking_readings.tapped(question, tapped, turn.chat_id)
    if question is None or reminder is None:
        return turn.reply_once(ask_texts.closed(), "ask_closed")
    moment = reminder_texts.local(reminder.occurrence_ms, zone)
    reason = asking.within(moment, _now(turn, zone), turn.ctx.settings.reminder_max_days)
    if reason is not None:
        # The question stays open: another reading, the picker or a typed time can answer it.
        return turn.reply_once(texts.out_of_range(reason), "out_of_range")
    # One answer per question, shared with its picker: a second tap, on this reading or on
    # another, or a picked moment after it, sets nothing more.
    if not turn.ctx.reminders.act_once(turn.chat_id, f"pick:{tapped.nonce}"):
        return turn.reply_once(reminder_texts.already_done(), "pick_again")
    turn.ctx.reminders.forget_question(turn.chat_id, turn.user_id)
    outcome = arm(turn, reminder, zone)
    if question.edit_id and outcome in ("timer", "once", "recurring"):
        turn.ctx.reminders.cancel(turn.chat_id, [question.edit_id])
    return outcome


def _on_card(tapped: postbacks.OnCard, turn: Turn, zone: ZoneInfo) -> str:
    book = turn.ctx.reminders
    occurrence = f"{tapped.reminder_id}:{tapped.occurrence_ms}"
    if not book.act_once(turn.chat_id, occurrence):
        if tapped.action is CardAction.DONE and confirms_too(turn, occurrence):
            # In a group each member may confirm too: the reply lists who did so far.
            return turn.reply(
                reminder_texts.done(tapped.label, confirmed(turn, occurrence)), "done_too"
            )
        return turn.reply(reminder_texts.already_done(), "card_again")
    if tapped.action is CardAction.DONE:
        # 完了 stops the repeats still to come for this occurrence (完了するまで).
        stop_repeats(turn, tapped.reminder_id, tapped.occurrence_ms, zone)
        confirms_too(turn, occurrence)  # the one who tapped first confirms once
        return turn.reply(reminder_texts.done(tapped.label, confirmed(turn, occurrence)), "done")
    if tapped.action is CardAction.STOP:
        return _cancel(tapped.reminder_id, turn, zone)
    if tapped.action is CardAction.SKIP_NEXT:
        return _skip_next(tapped.reminder_id, turn, zone)
    now = _now(turn, zone)
    if tapped.action is CardAction.TOMORROW:
        was = datetime.fromtimestamp(tapped.occurrence_ms / 1000, UTC).astimezone(zone)
        when = occurrences.localize_on(now.date() + timedelta(days=1), was, zone)
    else:
        when = now + timedelta(minutes=postbacks.SNOOZE_MINUTES[tapped.action])
    # A snooze is a reminder of its own (its own id and retry key), armed through the same
    # once-per-event, exactly-once path as every other.
    snoozed = Reminder(
        turn.chat_id,
        reminder_id_for_event(f"snooze:{tapped.reminder_id}:{tapped.occurrence_ms}"),
        Kind.ONCE,
        int(when.timestamp() * 1000),
        tapped.label,
    )
    by = who_acted(turn)
    minutes = postbacks.SNOOZE_MINUTES.get(tapped.action)
    note = reminder_texts.snoozed_by(minutes, by) if by else None
    return arm(turn, snoozed, zone, outcome="snoozed", seen=True, note=note)


def _skip_next(reminder_id: str, turn: Turn, zone: ZoneInfo) -> str:
    book = turn.ctx.reminders
    current = book.get(turn.chat_id, reminder_id)
    if current is None or current.kind is not Kind.RECURRING:
        return turn.reply(reminder_texts.already_gone(), "skip_nothing")
    after = occurrences.following(current, current.occurrence_ms, zone)
    if after is None or not book.rearm(current, after):
        return turn.reply(reminder_texts.try_again(), "skip_busy")
    return turn.reply(reminder_texts.skipped(current, after, zone), "skipped")
