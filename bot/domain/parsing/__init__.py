"""Reading a chat message into what it asks for: `read_message(text, now=...)`.

Pure: no I/O, no clock; `now` (the message's moment, aware in the chat's zone) is the
reference for every relative expression. Modules: `numbers` (folding, kanji numerals),
`labels` (taking expressions out, the label that is left), `durations`, `clock`, `days`,
`recurring` (the expressions), `moments` (day + clock → moment, spec → rule), `commands`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain.intents import (
    Intent,
    OutOfRange,
    RemindOnce,
    RemindRecurring,
    StartTimer,
    Unreadable,
)
from bot.domain.parsing.clock import take_clock
from bot.domain.parsing.commands import read_command
from bot.domain.parsing.days import RelativeDay, take_day
from bot.domain.parsing.durations import (
    Duration,
    take_bare_seconds,
    take_day_offset,
    take_duration,
)
from bot.domain.parsing.labels import MAX_LABEL_CHARS, Scanner
from bot.domain.parsing.moments import build_rule, resolve_clock_only, resolve_day
from bot.domain.parsing.numbers import digits_for_kanji, fold
from bot.domain.parsing.recurring import take_recurring
from bot.domain.recurrence import Recurrence, between, localize

__all__ = ["MAX_LABEL_CHARS", "read_message"]

# Longer messages are not reminders; cutting them keeps the regex work bounded per message.
_MAX_READ_CHARS = 2000


def read_message(text: str, *, now: datetime, max_ahead: timedelta = timedelta(days=365)) -> Intent:
    """What `text` asks for, read against `now`. Never raises for any `text`; `now` must be
    aware (ValueError otherwise)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    folded = fold(text)
    if not folded:
        return Unreadable("empty")
    command = read_command(folded)
    if command is not None:
        return command
    scanner = Scanner(digits_for_kanji(folded[:_MAX_READ_CHARS]))
    recurring = take_recurring(scanner)
    day_offset = take_day_offset(scanner) if recurring is None else None
    day = take_day(scanner) if recurring is None and day_offset is None else None
    clock = take_clock(scanner)
    if recurring is not None:
        rule = build_rule(recurring, clock, now)
        if not isinstance(rule, Recurrence):
            return rule
        first = rule.next_after(now, now.tzinfo)
        if first is None:
            return Unreadable("invalid_date")
        return RemindRecurring(rule, first, scanner.label())
    if day_offset is not None:
        if clock is None:
            return _timer_for_days(day_offset, scanner.label(), now, max_ahead)
        day = RelativeDay(day_offset)
    if day is not None or clock is not None:
        moment = (
            resolve_day(day, clock, now)
            if day is not None
            else (resolve_clock_only(clock, now) if clock is not None else None)
        )
        if not isinstance(moment, datetime):
            return moment if moment is not None else Unreadable("no_time")
        if between(now, moment) > max_ahead:
            return OutOfRange("too_far")
        return RemindOnce(moment, scanner.label())
    duration = take_duration(scanner) or take_bare_seconds(scanner)
    if duration is None:
        return Unreadable("no_time", scanner.label())
    return _timer(duration, scanner.label(), max_ahead)


def _timer(duration: Duration, label: str, max_ahead: timedelta) -> Intent:
    if duration.seconds is None:
        return OutOfRange("not_positive" if duration.negative else "too_far")
    if duration.negative or duration.seconds <= 0:
        return OutOfRange("not_positive")
    if duration.seconds > max_ahead.total_seconds():
        return OutOfRange("too_far")
    return StartTimer(duration.seconds, label)


def _timer_for_days(days: int, label: str, now: datetime, max_ahead: timedelta) -> Intent:
    """N日後: the same wall-clock time N days later, as the elapsed seconds until then."""
    if days <= 0:
        return OutOfRange("not_positive")
    if timedelta(days=days - 1) > max_ahead:  # (no addition: max_ahead may be timedelta.max)
        return OutOfRange("too_far")
    assert now.tzinfo is not None
    later = localize(now.replace(tzinfo=None) + timedelta(days=days), now.tzinfo)
    seconds = between(now, later) // timedelta(seconds=1)
    return _timer(Duration(seconds), label, max_ahead)
