"""A chat message (or a tapped button) turned into a reminder or a command, and answered.

Relative expressions resolve against the event's `timestamp` in the chat's time zone: the
user's moment, so a redelivered event resolves the same, however late it arrives.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from redis.exceptions import ResponseError

from bot.adapters.redis.reminder_store import Added
from bot.domain import cards, intents, reminder_texts, texts
from bot.domain.occurrences import zone_of
from bot.domain.parsing import read_message
from bot.domain.reminders import Kind, Reminder, reminder_id_for_event
from bot.domain.texts import Reply
from bot.service import asking, asking_readings
from bot.service.context import Turn

log = logging.getLogger(__name__)


def chat_zone(turn: Turn) -> ZoneInfo:
    return zone_of(turn.ctx.reminders.timezone(turn.chat_id) or "", turn.ctx.settings.tz)


def handle_text(text: str, turn: Turn) -> str:
    # One round trip for both (chat_zone and asking.open_question read them one by one).
    stored_zone, stored_question = turn.ctx.reminders.timezone_and_question(
        turn.chat_id, turn.user_id
    )
    zone = zone_of(stored_zone or "", turn.ctx.settings.tz)
    now = datetime.fromtimestamp(turn.timestamp_ms / 1000, UTC).astimezone(zone)
    max_ahead = timedelta(days=turn.ctx.settings.reminder_max_days)
    question = asking.Question.decode(stored_question)
    if question is not None and asking.is_abandon(text):
        turn.ctx.reminders.forget_question(turn.chat_id, turn.user_id)
        return turn.reply_once(asking.abandoned(), "question_abandoned")
    intent = read_message(text, now=now, max_ahead=max_ahead)
    if getattr(intent, "alerts", ()) or getattr(intent, "nag", None) is not None:
        # Alerts before and reminding until done are read but not yet delivered: asking
        # is better than a reminder that silently drops them.
        intent = intents.AskWhich("unread_time", getattr(intent, "label", ""))
    reminder = _reminder_for(intent, turn)
    if reminder is not None:
        if question is None:
            return arm(turn, reminder, zone)
        return _answer(turn, question, reminder, zone)
    bare_timezone = text.strip().lower() in ("タイムゾーン", "timezone", "time zone")
    if isinstance(intent, intents.Unreadable) and bare_timezone:
        return turn.reply_once(reminder_texts.timezone_is(zone, now), "timezone_shown")
    if isinstance(intent, intents.Unreadable) and intent.reason == "no_time":
        if asking.is_greeting(text):
            return turn.reply_once(asking.greeting_reply(text), "greeting")
        if intent.label:
            if not turn.ctx.reminders.mark_event_seen(turn.event_id):
                return "duplicate"
            return turn.reply(asking.ask_when(turn, intent.label, zone), "ask_when")
    if isinstance(intent, intents.AskWhich):
        return asking_readings.ask(turn, intent, zone, question)
    if isinstance(intent, intents.ListReminders):
        return _list(turn, zone)
    if isinstance(intent, intents.CancelReminder):
        return _cancel(turn, intent.number, zone)
    if isinstance(intent, intents.SetTimezone):
        return _set_timezone(turn, intent.zone)
    if isinstance(intent, intents.Analyze | intents.Reading | intents.Keywords | intents.Broadcast):
        return _analyze(turn, intent)
    if isinstance(intent, intents.ShowHelp):
        return turn.reply_once(texts.help_text(), "help")
    if isinstance(intent, intents.OutOfRange):
        return turn.reply_once(texts.out_of_range(intent.reason), "out_of_range")
    reason = intent.reason if isinstance(intent, intents.Unreadable) else ""
    return turn.reply_once(texts.unreadable(reason), "unreadable")


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
    turn: Turn, reminder: Reminder, zone: ZoneInfo, *, outcome: str = "", seen: bool = False
) -> str:
    """Store a reminder once per event (`seen`: the caller already marked the event), within
    the chat's limit, and confirm it."""
    limit = turn.ctx.settings.max_reminders_per_chat
    event_id = None if seen else turn.event_id or None
    try:
        added = turn.ctx.reminders.add(reminder, event_id=event_id, max_pending=limit)
    except ResponseError as exc:
        if "OOM" not in str(exc):
            raise
        # Redis is full: say so rather than pretend (a silent loss is the one thing not allowed).
        log.error("redis refused a reminder: out of memory")
        return turn.reply(reminder_texts.not_stored(), "not_stored")
    if added is Added.DUPLICATE:
        return "duplicate"
    if added is Added.FULL:
        return turn.reply(reminder_texts.chat_full(limit), "chat_full")
    turn.ctx.line.reply(turn.reply_token, [reminder_texts.confirmation(reminder, zone)])
    return outcome or reminder.kind.name.lower()


def _list(turn: Turn, zone: ZoneInfo) -> str:
    if not turn.ctx.reminders.mark_event_seen(turn.event_id):
        return "duplicate"
    return turn.reply(list_reply(turn, zone), "list")


def list_reply(turn: Turn, zone: ZoneInfo, *, page: int = 1) -> Reply:
    """一覧: a carousel (its altText the numbered text list), remembered for `取消 N`."""
    pending = turn.ctx.reminders.pending(turn.chat_id)
    if page == 1:
        turn.ctx.reminders.remember_listed(turn.chat_id, [r.id for r in pending])
    listing = reminder_texts.listing(pending, zone)
    if not pending or (page - 1) * cards.LIST_PAGE_SIZE >= len(pending):
        return listing
    carousel = cards.list_message(pending, zone, listing.text, page)
    return replace(listing, flex_json=cards.to_json(carousel))


def _cancel(turn: Turn, number: int | None, zone: ZoneInfo) -> str:
    if not turn.ctx.reminders.mark_event_seen(turn.event_id):
        return "duplicate"
    book = turn.ctx.reminders
    pending = book.pending(turn.chat_id)
    if not pending:
        return turn.reply(reminder_texts.nothing_to_cancel(), "cancel_nothing")
    if number is None:
        book.cancel(turn.chat_id, [r.id for r in pending])
        return turn.reply(reminder_texts.cancelled(pending, zone), "cancel_all")
    # The N the user saw in the last 一覧 (reminders may have fired since), else today's order.
    order = book.listed(turn.chat_id) or [r.id for r in pending]
    by_id = {r.id: r for r in pending}
    if not 1 <= number <= len(order) or order[number - 1] not in by_id:
        return turn.reply(reminder_texts.no_such_number(number, len(pending)), "cancel_unknown")
    victim = by_id[order[number - 1]]
    book.cancel(turn.chat_id, [victim.id])
    return turn.reply(reminder_texts.cancelled([victim], zone), "cancel")


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
