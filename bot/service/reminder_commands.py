"""A chat message (or a tapped button) turned into a reminder or a command, and answered.

Relative expressions resolve against the event's `timestamp` in the chat's time zone: the
user's moment, so a redelivered event resolves the same, however late it arrives.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain import agenda, intents, reminder_texts, texts
from bot.domain.occurrences import zone_of
from bot.domain.parsing import read_message
from bot.domain.reminders import Kind, Reminder, reminder_id_for_event
from bot.domain.texts import Reply
from bot.service import asking, asking_readings, notify_tokens
from bot.service.calendar_feed import handle_calendar
from bot.service.context import Turn
from bot.service.follow_up_commands import (
    arm_with_follow_ups,
)
from bot.service.listing import cancel_numbered, show_list
from bot.service.members import setter_of
from bot.service.storing import refused

log = logging.getLogger(__name__)


def chat_zone(turn: Turn) -> ZoneInfo:
    return zone_of(turn.ctx.reminders.timezone(turn.chat_id) or "", turn.ctx.settings.tz)


@dataclass(frozen=True, slots=True)
class Said:
    """One text message being answered: the turn, the chat's zone, the message's moment in
    it, and the member's open question (if any)."""

    turn: Turn
    zone: ZoneInfo
    now: datetime
    question: asking.Question | None


IntentHandler = Callable[[Any, Said], str]
_ANSWERS: dict[type, IntentHandler] = {}


def answers(*kinds: type) -> Callable[[IntentHandler], IntentHandler]:
    """Register the handler of one or more intent types (as events are, in webhook_events)."""

    def register(handler: IntentHandler) -> IntentHandler:
        for kind in kinds:
            _ANSWERS[kind] = handler
        return handler

    return register


def handle_text(text: str, turn: Turn) -> str:
    # One round trip for both (chat_zone and asking.open_question read them one by one).
    stored_zone, stored_question = turn.ctx.reminders.timezone_and_question(
        turn.chat_id, turn.user_id
    )
    zone = zone_of(stored_zone or "", turn.ctx.settings.tz)
    now = datetime.fromtimestamp(turn.timestamp_ms / 1000, UTC).astimezone(zone)
    max_ahead = timedelta(days=turn.ctx.settings.reminder_max_days)
    intent = read_message(text, now=now, max_ahead=max_ahead)
    question = asking.Question.decode(stored_question) if turn.user_id else None
    said = Said(turn, zone, now, question)
    handler = _ANSWERS.get(type(intent), _unreadable)
    return handler(intent, said)


@answers(intents.StartTimer, intents.RemindOnce, intents.RemindRecurring)
def _remind(intent: intents.Reminding, said: Said) -> str:
    reminder = _reminder_for(intent, said.turn)
    assert reminder is not None
    if intent.alerts or intent.nag is not None:
        if said.question is not None and not reminder.label:
            reminder = replace(reminder, label=said.question.label)
        turn = said.turn
        outcome = arm_with_follow_ups(
            turn, reminder, intent, said.zone, setter_of(turn, reminder.label)
        )
        if said.question is not None and outcome in ("timer", "once", "recurring"):
            turn.ctx.reminders.forget_question(turn.chat_id, turn.user_id)
        return outcome
    if said.question is None:
        return arm(said.turn, reminder, said.zone)
    return _answer(said.turn, said.question, reminder, said.zone)


@answers(intents.Unreadable)
def _unreadable(intent: intents.Intent, said: Said) -> str:
    turn = said.turn
    if isinstance(intent, intents.Unreadable) and intent.reason == "no_time" and intent.label:
        if not turn.ctx.reminders.mark_event_seen(turn.event_id):
            return "duplicate"
        return turn.reply(asking.ask_when(turn, intent.label, said.zone), "ask_when")
    reason = intent.reason if isinstance(intent, intents.Unreadable) else ""
    return turn.reply_once(texts.unreadable(reason), "unreadable")


@answers(intents.AskWhich)
def _ask_which(intent: intents.AskWhich, said: Said) -> str:
    return asking_readings.ask(said.turn, intent, said.zone, said.question)


@answers(intents.Abandon)
def _abandon(intent: intents.Abandon, said: Said) -> str:
    turn = said.turn
    if said.question is None:
        return turn.reply_once(texts.unreadable("cancel_needs_number"), "unreadable")
    turn.ctx.reminders.forget_question(turn.chat_id, turn.user_id)
    return turn.reply_once(asking.abandoned(), "question_abandoned")


@answers(intents.Greeting)
def _greeting(intent: intents.Greeting, said: Said) -> str:
    return said.turn.reply_once(texts.greeting(thanks=intent.thanks), "greeting")


@answers(intents.ShowTimezone)
def _show_timezone(intent: intents.ShowTimezone, said: Said) -> str:
    return said.turn.reply_once(reminder_texts.timezone_is(said.zone, said.now), "timezone_shown")


@answers(intents.NotifyToken)
def _notify_token(intent: intents.NotifyToken, said: Said) -> str:
    return notify_tokens.handle(intent, said.turn)


@answers(intents.CalendarFeed)
def _calendar(intent: intents.CalendarFeed, said: Said) -> str:
    return handle_calendar(intent, said.turn)


@answers(intents.ListReminders)
def _list_intent(intent: intents.ListReminders, said: Said) -> str:
    return show_list(said.turn, said.zone)


@answers(intents.CancelReminder)
def _cancel_intent(intent: intents.CancelReminder, said: Said) -> str:
    return cancel_numbered(said.turn, intent.number, said.zone)


@answers(intents.SetTimezone)
def _timezone_intent(intent: intents.SetTimezone, said: Said) -> str:
    return _set_timezone(said.turn, intent.zone)


@answers(intents.Analyze, intents.Reading, intents.Keywords, intents.Broadcast)
def _heavy(intent: intents.HeavyIntent, said: Said) -> str:
    return _analyze(said.turn, intent)


@answers(intents.EditReminder)
def _edit(intent: intents.EditReminder, said: Said) -> str:
    from bot.service.editing import handle_edit  # editing imports arm's neighbours from here

    return handle_edit(intent, said.turn, said.zone)


@answers(intents.ShowAgenda)
def _show_agenda(intent: intents.ShowAgenda, said: Said) -> str:
    day = said.now.date() + timedelta(days=intent.days_ahead)
    pending = said.turn.ctx.reminders.pending(said.turn.chat_id)
    items = agenda.occurrences_on([r for r in pending if not agenda.is_agenda(r)], day, said.zone)
    return said.turn.reply_once(agenda.agenda_reply(items, day), "agenda")


@answers(intents.SetAgenda)
def _set_agenda(intent: intents.SetAgenda, said: Said) -> str:
    from bot.service.agenda_commands import set_agenda  # it arms through this module

    return set_agenda(intent, said.turn, said.zone)


@answers(intents.SetDigest)
def _set_digest(intent: intents.SetDigest, said: Said) -> str:
    return said.turn.reply_once(texts.unreadable("digest_not_yet"), "unreadable")


@answers(intents.ShowHelp)
def _help(intent: intents.ShowHelp, said: Said) -> str:
    return said.turn.reply_once(texts.help_text(), "help")


@answers(intents.OutOfRange)
def _out_of_range(intent: intents.OutOfRange, said: Said) -> str:
    return said.turn.reply_once(texts.out_of_range(intent.reason), "out_of_range")


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _reminder_for(intent: intents.Intent, turn: Turn) -> Reminder | None:
    """The reminder an intent sets (its id derived from the event: a redelivery names it)."""
    rid = reminder_id_for_event(turn.event_id or str(turn.timestamp_ms))
    chat = turn.chat_id
    if isinstance(intent, intents.StartTimer):
        due = turn.timestamp_ms + intent.seconds * 1000
        return Reminder(chat, rid, Kind.TIMER, due, intent.label, str(intent.seconds))
    if isinstance(intent, intents.RemindOnce):
        return Reminder(chat, rid, Kind.ONCE, _ms(intent.at), intent.label)
    if isinstance(intent, intents.RemindRecurring):
        return Reminder.recurring(chat, rid, _ms(intent.first), intent.label, intent.rule)
    return None


def _answer(turn: Turn, question: asking.Question, reminder: Reminder, zone: ZoneInfo) -> str:
    """A time that answers the open 「いつ?」: the question's label unless it brought its own."""
    if not reminder.label:
        reminder = replace(reminder, label=question.label)
    outcome = arm(turn, reminder, zone)
    if outcome in ("timer", "once", "recurring"):
        turn.ctx.reminders.forget_question(turn.chat_id, turn.user_id)
        if question.edit_id:
            turn.ctx.reminders.cancel(turn.chat_id, [question.edit_id])
    return outcome


def arm(
    turn: Turn,
    reminder: Reminder,
    zone: ZoneInfo,
    *,
    outcome: str = "",
    seen: bool = False,
    note: Reply | None = None,
) -> str:
    """Store a reminder once per event (`seen`: the caller already marked the event), within
    the chat's limit, and confirm it (after `note`, when given)."""
    limit = turn.ctx.settings.max_reminders_per_chat
    event_id = None if seen else turn.event_id or None
    setter = setter_of(turn, reminder.label)
    not_stored = refused(
        turn,
        lambda: turn.ctx.reminders.add(
            reminder, event_id=event_id, max_pending=limit, setter=setter
        ),
        limit,
    )
    if not_stored is not None:
        return not_stored
    confirmation = reminder_texts.confirmation(reminder, zone)
    turn.ctx.line.reply(turn.reply_token, [note, confirmation] if note else [confirmation])
    return outcome or reminder.kind.name.lower()


def _set_timezone(turn: Turn, zone_name: str) -> str:
    if not turn.ctx.reminders.mark_event_seen(turn.event_id):
        return "duplicate"
    turn.ctx.reminders.set_timezone(turn.chat_id, zone_name)
    now = datetime.fromtimestamp(turn.timestamp_ms / 1000, UTC).astimezone(ZoneInfo(zone_name))
    return turn.reply(reminder_texts.timezone_set(zone_name, now), "timezone")


def _analyze(turn: Turn, intent: intents.HeavyIntent) -> str:
    # Heavy commands and 配信 live in bot.service.heavy_commands (imported here, where used).
    from bot.service import heavy_commands

    return heavy_commands.handle(intent, turn)
