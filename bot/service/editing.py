"""変更 N <time>: move the N-th reminder of the last 一覧, keeping its label and rule. A
recurring rule given only a clock time changes its time for every later occurrence; a new
rule replaces it. One edit acts once: the event is marked seen before anything moves, and the
move itself only takes a reminder still armed for the occurrence that was read and not being
delivered at that moment."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.domain import intents, reminder_texts, texts
from bot.domain.recurrence import Recurrence
from bot.domain.reminders import Kind, Reminder
from bot.service import asking
from bot.service.context import Turn
from bot.service.follow_up_commands import follow_up_ids, links_of, move_follow_ups


def handle_edit(intent: intents.EditReminder, turn: Turn, zone: ZoneInfo) -> str:
    if not turn.ctx.reminders.mark_event_seen(turn.event_id):
        return "duplicate"
    target = _listed(turn, intent.number)
    if target is None:
        count = len(turn.ctx.reminders.pending(turn.chat_id))
        return turn.reply(reminder_texts.no_such_number(intent.number, count), "edit_unknown")
    reading = intent.reading
    if reading is None:
        label = target.label or "このリマインダー"
        return turn.reply(asking.ask_when(turn, label, zone, edit_id=target.id), "edit_ask")
    if isinstance(reading, intents.OutOfRange):
        return turn.reply(texts.out_of_range(reading.reason), "out_of_range")
    if not isinstance(reading, intents.StartTimer | intents.RemindOnce | intents.RemindRecurring):
        reason = reading.reason if isinstance(reading, intents.Unreadable) else ""
        return turn.reply(texts.unreadable(reason or "no_time"), "unreadable")
    now = datetime.fromtimestamp(turn.timestamp_ms / 1000, UTC).astimezone(zone)
    moved = moved_to(target, reading, intent.clock, now, turn.timestamp_ms)
    if moved is None:
        return turn.reply(reminder_texts.edit_rule_needs_time(), "edit_refused")
    return apply_edit(turn, target, moved, zone)


def apply_edit(turn: Turn, target: Reminder, moved: Reminder, zone: ZoneInfo) -> str:
    if not turn.ctx.reminders.rearm(target, moved):
        return turn.reply(reminder_texts.edit_busy(), "edit_busy")
    move_follow_ups(turn, moved, zone)  # its alerts and repeats go with it
    confirmation = reminder_texts.confirmation(moved, zone)
    return turn.reply(reminder_texts.edited(confirmation), "edited")


def moved_to(
    target: Reminder,
    reading: intents.Reminding,
    clock: tuple[int, int] | None,
    now: datetime,
    sent_ms: int,
) -> Reminder | None:
    """The reminder `target` becomes, or None when the reading cannot move it (a recurring
    rule given a one-off day)."""
    chat, rid, label = target.chat_id, target.id, target.label
    if isinstance(reading, intents.RemindRecurring):
        return Reminder.recurring(chat, rid, _ms(reading.first), label, reading.rule)
    if target.kind is Kind.RECURRING:
        if clock is None:
            return None
        rule = with_time(target.rule(), *clock)
        first = rule.next_after(now, now.tzinfo)  # type: ignore[arg-type]
        return None if first is None else Reminder.recurring(chat, rid, _ms(first), label, rule)
    if isinstance(reading, intents.StartTimer):
        due = sent_ms + reading.seconds * 1000
        return Reminder(chat, rid, Kind.TIMER, due, label, str(reading.seconds))
    return Reminder(chat, rid, Kind.ONCE, _ms(reading.at), label)


def with_time(rule: Recurrence, hour: int, minute: int) -> Recurrence:
    """The same rule at another time of day (its days, interval, end and anchor kept)."""
    body = re.sub(r"BYHOUR=[^;]*", f"BYHOUR={hour}", rule.rule)
    body = re.sub(r"BYMINUTE=[^;]*", f"BYMINUTE={minute}", body)
    return Recurrence(body, rule.skip_holidays, rule.anchor)


def _listed(turn: Turn, number: int) -> Reminder | None:
    book = turn.ctx.reminders
    children = follow_up_ids(links_of(turn))
    pending = [r for r in book.pending(turn.chat_id) if r.id not in children]
    order = book.listed(turn.chat_id) or [r.id for r in pending]
    by_id = {r.id: r for r in pending}
    if not 1 <= number <= len(order) or order[number - 1] not in by_id:
        return None
    return by_id[order[number - 1]]


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
