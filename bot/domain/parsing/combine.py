"""Fragments → what the message asks for.

One reading is built from the fragments that fit together (a rule with its times, interval
and end; or a day with a clock time and a period; or a duration). Every fragment that reading
did not use, and every uncovered piece that still reads as time, is *unread*: then the bot
asks (`AskWhich`), offering the reading it has, rather than store a guess.
"""

from __future__ import annotations

import calendar
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import TypeVar

from bot.domain.intents import (
    AskWhich,
    Intent,
    Nag,
    OutOfRange,
    RemindOnce,
    RemindRecurring,
    StartTimer,
    Unreadable,
)
from bot.domain.parsing.checks import (
    past_owns_the_time,
    said_of,
    time_beside,
    weekday_mismatch,
)
from bot.domain.parsing.clock import PERIOD_DEFAULT_HOUR
from bot.domain.parsing.fragments import (
    Before,
    BracketWeekday,
    ClockTime,
    Count,
    DateDay,
    Day,
    DayOffset,
    Duration,
    Interval,
    MonthDay,
    NthWeekday,
    Past,
    Period,
    RelativeDay,
    Until,
    WeekdayDay,
    Window,
)
from bot.domain.parsing.moments import resolve_clock_only, resolve_day
from bot.domain.parsing.pieces import Pieces
from bot.domain.parsing.recurring import RecurringSpec
from bot.domain.parsing.rules import build_rule
from bot.domain.recurrence import Recurrence, between, localize, zone_of

T = TypeVar("T")
_DAYS = (RelativeDay, WeekdayDay, DateDay, MonthDay, NthWeekday)


def _first(items: list[tuple[int, T]]) -> T | None:
    return items[0][1] if items else None


def combine(pieces: Pieces, now: datetime, max_ahead: timedelta) -> Intent | None:
    """The reading of the fragments (None: nothing about time), marking what it used, with
    the alerts before it and reminding until done when the message asks for them."""
    reading = _reading(pieces, now, max_ahead)
    if not isinstance(reading, RemindOnce | RemindRecurring | StartTimer):
        return reading
    befores: list[tuple[int, Before]] = pieces.of(Before)
    nags: list[tuple[int, Nag]] = pieces.of(Nag)
    if nags:
        pieces.use(nags[:1])
        reading = replace(reading, nag=nags[0][1])
    if befores and not isinstance(reading, StartTimer):
        # 30分前にも, 1日前と1時間前に: one reminder with several alerts, largest first.
        pieces.use(befores)
        alerts = tuple(sorted({before.seconds for _, before in befores}, reverse=True))
        reading = replace(reading, alerts=alerts)
    return reading


def _reading(pieces: Pieces, now: datetime, max_ahead: timedelta) -> Intent | None:
    past: list[tuple[int, Past]] = pieces.of(Past)
    if past and (past_owns_the_time(pieces, past) or not time_beside(pieces, past)):
        # 昨日の6時, 先週の金曜, 3日前: the time words belong to the past, not to a reminder.
        pieces.used.update(range(len(pieces.found)))
        return OutOfRange("in_the_past")
    rules: list[tuple[int, RecurringSpec]] = pieces.of(RecurringSpec)
    intervals: list[tuple[int, Interval]] = pieces.of(Interval)
    if rules or intervals:
        return _recurring(pieces, rules, intervals, now)
    days: list[tuple[int, Day]] = pieces.of(_DAYS)
    offsets: list[tuple[int, DayOffset]] = pieces.of(DayOffset)
    clocks: list[tuple[int, ClockTime]] = pieces.of(ClockTime)
    periods: list[tuple[int, Period]] = pieces.of(Period)
    if offsets:
        index, offset = offsets[0]
        pieces.use(offsets[:1])
        whole_days = offset.days or _days_in_months(now, offset.months)
        if not clocks and not periods and offset.period is None:
            return timer_for_days(whole_days, now, max_ahead)
        days = [(index, RelativeDay(whole_days, offset.period)), *days]
    if days or clocks or pieces.of(BracketWeekday) or periods:
        return _moment(pieces, days, now, max_ahead)
    durations: list[tuple[int, Duration]] = pieces.of(Duration)
    if durations:
        pieces.use(durations[:1])
        return _timer(durations[0][1], now, max_ahead)
    return None


def _recurring(
    pieces: Pieces,
    rules: list[tuple[int, RecurringSpec]],
    intervals: list[tuple[int, Interval]],
    now: datetime,
) -> Intent:
    spec = _first(rules)
    clocks: list[tuple[int, ClockTime]] = pieces.of(ClockTime)
    periods: list[tuple[int, Period]] = pieces.of(Period)
    windows: list[tuple[int, Window]] = pieces.of(Window)
    counts: list[tuple[int, Count]] = pieces.of(Count)
    untils: list[tuple[int, Until]] = pieces.of(Until)
    weekdays: list[tuple[int, WeekdayDay]] = pieces.of(WeekdayDay)
    pieces.use(rules[:1], intervals[:1], clocks, periods[:1], windows[:1], counts[:1], untils[:1])
    if spec is not None and periods and spec.period is None:
        spec = replace(spec, period=periods[0][1].period)
    if spec is not None and spec.freq == "WEEKLY" and weekdays:
        # 毎週 月曜: the weekday after the word.
        wanted = tuple(sorted({day.weekday for _, day in weekdays}))
        if not spec.weekdays or spec.weekdays == wanted:
            spec = replace(spec, weekdays=wanted)
            pieces.use(weekdays)
    rule = build_rule(
        spec,
        [clock for _, clock in clocks],
        now,
        interval=_first(intervals),
        window=_first(windows),
        count=_first(counts),
        until=_first(untils),
    )
    if not isinstance(rule, Recurrence):
        return rule
    first = rule.next_after(now, zone_of(now))
    if first is None:
        return Unreadable("invalid_date")
    return RemindRecurring(rule, first, "")


def _checks_of(pieces: Pieces, days: list[tuple[int, Day]]) -> tuple[Day | None, list[int]]:
    """The day to resolve and the weekdays that check it: `(金)`, or a plain weekday beside a
    date ("Sat, Oct 12", 金曜 6月18日)."""
    brackets: list[tuple[int, BracketWeekday]] = pieces.of(BracketWeekday)
    checks = [bracket.weekday for _, bracket in brackets]
    dated = [item for item in days if isinstance(item[1], DateDay | MonthDay | NthWeekday)]
    plain = [
        (i, day)
        for i, day in days
        if isinstance(day, WeekdayDay) and day.weeks_ahead is None and not day.strictly_after_today
    ]
    if dated and plain and len(dated) + len(plain) == len(days):
        checks += [day.weekday for _, day in plain]
        pieces.use(plain)
        days = dated
    pieces.use(brackets[:1])
    if not days:
        return (WeekdayDay(checks[0]) if checks else None), []
    pieces.use(days[:1])
    return days[0][1], checks[:1] if brackets or plain else []


def _moment(
    pieces: Pieces, days: list[tuple[int, Day]], now: datetime, max_ahead: timedelta
) -> Intent:
    said = said_of(pieces, days)
    if isinstance(said, OutOfRange):
        pieces.used.update(range(len(pieces.found)))
        return said
    clocks: list[tuple[int, ClockTime]] = pieces.of(ClockTime)
    periods: list[tuple[int, Period]] = pieces.of(Period)
    day, checks = _checks_of(pieces, days)
    clock = _first(clocks)
    pieces.use(clocks[:1])
    # A period word apart from the clock time (明日9時 午後の会議) is not its period: unread.
    period = periods[0][1].period if periods and clock is None else None
    if period is not None:
        pieces.use(periods[:1])
    if day is not None and period is not None and day.period is None:
        day = replace(day, period=period)
    if clock is not None and period is not None and clock.period is None and day is None:
        clock = replace(clock, period=period)
    if day is None:
        if clock is None:
            assert period is not None
            clock = ClockTime(PERIOD_DEFAULT_HOUR[period], 0, period)
        moment = resolve_clock_only(clock, now)
    else:
        moment = resolve_day(day, clock, now)
    if not isinstance(moment, datetime):
        return moment
    if between(now, moment) > max_ahead:
        return OutOfRange("too_far")
    if checks and moment.weekday() != checks[0]:
        return weekday_mismatch(moment, checks[0])
    if isinstance(said, AskWhich):
        return AskWhich(said.reason, "", (RemindOnce(moment, ""),))
    return RemindOnce(moment, "")


def _timer(duration: Duration, now: datetime, max_ahead: timedelta) -> Intent:
    if duration.seconds is None:
        return OutOfRange("not_positive" if duration.negative else "too_far")
    seconds = duration.seconds
    if duration.days:
        later = localize(now.replace(tzinfo=None) + timedelta(days=duration.days), zone_of(now))
        seconds += between(now, later) // timedelta(seconds=1)
    if duration.negative or seconds <= 0:
        return OutOfRange("not_positive")
    if seconds > max_ahead.total_seconds():
        return OutOfRange("too_far")
    return StartTimer(seconds, "")


def _days_in_months(now: datetime, months: int) -> int:
    """The days from today to the same day `months` later (the month's last day if shorter):
    2ヶ月後 keeps the clock time like N日後."""
    if months > 1200:
        return 10**6
    today = now.date()
    index = today.year * 12 + today.month - 1 + months
    year, month = index // 12, index % 12 + 1
    day = min(today.day, calendar.monthrange(year, month)[1])
    return (date(year, month, day) - today).days


def timer_for_days(days: int, now: datetime, max_ahead: timedelta) -> Intent:
    """N日後: the same wall-clock time N days later, as the elapsed seconds until then."""
    if days <= 0:
        return OutOfRange("not_positive")
    if timedelta(days=days - 1) > max_ahead:  # (no addition: max_ahead may be timedelta.max)
        return OutOfRange("too_far")
    later = localize(now.replace(tzinfo=None) + timedelta(days=days), zone_of(now))
    return _timer(Duration(between(now, later) // timedelta(seconds=1)), now, max_ahead)
