"""Postbacks: the buttons the bot sent, tapped. Data the bot did not send gets a friendly reply
and changes nothing. Two taps are two events with the same data, so what must happen once is
keyed by the data: a card acts once per delivered occurrence, a picker answer once per
question, and cancelling what is gone changes nothing. Every id is looked up under the chat the
event came from, so no postback touches another chat's reminders; in a group any member may act
on the group's reminders.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain import ask_texts, occurrences, postbacks, reminder_texts, texts
from bot.domain.postbacks import CardAction
from bot.domain.reminders import Kind, Reminder, reminder_id_for_event
from bot.service import asking, asking_readings
from bot.service.context import Turn
from bot.service.reminder_commands import arm, chat_zone, list_reply


def handle_postback(data: str, params: dict[str, str] | None, turn: Turn) -> str:
    tapped = postbacks.read(data)
    if tapped is None:
        return turn.reply_once(texts.unknown_button(), "postback_unknown")
    if isinstance(tapped, postbacks.PickedMoment):
        return _picked(tapped, params, turn)  # deduplicated by the store's add, per event
    if isinstance(tapped, postbacks.PickedReading):
        return _picked_reading(tapped, turn)  # likewise
    if not turn.ctx.reminders.mark_event_seen(turn.event_id):
        return "duplicate"
    zone = chat_zone(turn)
    if isinstance(tapped, postbacks.OnCard):
        return _on_card(tapped, turn, zone)
    if isinstance(tapped, postbacks.Undo | postbacks.CancelFromList):
        return _cancel(tapped.reminder_id, turn, zone)
    if isinstance(tapped, postbacks.EditFromList):
        reminder = turn.ctx.reminders.get(turn.chat_id, tapped.reminder_id)
        if reminder is None:
            return turn.reply(reminder_texts.already_gone(), "edit_nothing")
        label = reminder.label or "このリマインダー"
        return turn.reply(asking.ask_when(turn, label, zone, edit_id=reminder.id), "edit_ask")
    return turn.reply(list_reply(turn, zone, page=tapped.page), "list_page")


def _now(turn: Turn, zone: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(turn.timestamp_ms / 1000, UTC).astimezone(zone)


def _cancel(reminder_id: str, turn: Turn, zone: ZoneInfo) -> str:
    reminder = turn.ctx.reminders.get(turn.chat_id, reminder_id)
    if reminder is None or not turn.ctx.reminders.cancel(turn.chat_id, [reminder_id]):
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
    if not book.act_once(turn.chat_id, f"{tapped.reminder_id}:{tapped.occurrence_ms}"):
        return turn.reply(reminder_texts.already_done(), "card_again")
    if tapped.action is CardAction.DONE:
        return turn.reply(reminder_texts.done(tapped.label), "done")
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
    return arm(turn, snoozed, zone, outcome="snoozed", seen=True)


def _skip_next(reminder_id: str, turn: Turn, zone: ZoneInfo) -> str:
    book = turn.ctx.reminders
    current = book.get(turn.chat_id, reminder_id)
    if current is None or current.kind is not Kind.RECURRING:
        return turn.reply(reminder_texts.already_gone(), "skip_nothing")
    after = occurrences.following(current, current.occurrence_ms, zone)
    if after is None or not book.rearm(current, after):
        return turn.reply(reminder_texts.try_again(), "skip_busy")
    return turn.reply(reminder_texts.skipped(current, after, zone), "skipped")
