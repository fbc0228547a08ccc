"""A recurring expression, its clock times, interval and end turned into one RFC 5545 rule.

- several times in one rule (毎日7時と19時) are BYHOUR/BYMINUTE lists: they must share their
  minutes or their hour, else the rule would fire at times nobody named (asked instead);
- an interval of minutes or hours (2時間おき, 30分ごと, 9時から18時まで1時間おき) is written
  as the day's list of times, so it must divide an hour or a day; it starts at the clock time
  given, else at the message's minute. Days (1日おき, 3日に1回) are INTERVAL with an anchor;
- N回 / 3 times ends the rule at its N-th occurrence and 12月まで / until Dec 31 at the end of
  that day: both are stored as UNTIL, which every release reads.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, time

from bot.domain.intents import OutOfRange, Unreadable
from bot.domain.parsing.fragments import ClockTime, Count, Interval, Until, Window
from bot.domain.parsing.moments import time_of_day
from bot.domain.parsing.recurring import RRULE_DAYS, RecurringSpec
from bot.domain.recurrence import Recurrence, zone_of

Problem = Unreadable | OutOfRange
MAX_COUNT = 1000
_MIN_INTERVAL_MINUTES = 5


def _times(
    clocks: list[ClockTime], period: str | None, interval: Interval | None, window: Window | None,
    now: datetime,
) -> tuple[list[int], list[int]] | Problem:  # fmt: skip
    """(hours, minutes) the rule fires at within its day."""
    if any(not clock.valid for clock in clocks):
        return Unreadable("invalid_time")
    if interval is not None and interval.minutes:
        return _interval_times(clocks, period, interval.minutes, window, now)
    if window is not None:
        return Unreadable("no_time")
    if not clocks:
        hour, minute, _ = time_of_day(None, period)
        return [hour], [minute]
    pairs = sorted({time_of_day(clock, period)[:2] for clock in clocks})
    hours = sorted({hour for hour, _ in pairs})
    minutes = sorted({minute for _, minute in pairs})
    if len(hours) * len(minutes) != len(pairs):
        return Unreadable("invalid_time")
    return hours, minutes


def _interval_times(
    clocks: list[ClockTime], period: str | None, every: int, window: Window | None,
    now: datetime,
) -> tuple[list[int], list[int]] | Problem:  # fmt: skip
    if window is not None:
        start = time_of_day(window.start, period)[:2]
        end = time_of_day(window.end, period)[:2]
    elif clocks:
        start, end = time_of_day(clocks[0], period)[:2], (23, 59)
    else:
        start, end = (now.hour, now.minute), (23, 59)
    if len(clocks) > (0 if window is not None else 1):
        return Unreadable("invalid_time")
    if (
        every < _MIN_INTERVAL_MINUTES
        or (every < 60 and 60 % every)
        or (every >= 60 and (every % 60 or 24 % (every // 60)))
    ):
        return Unreadable("invalid_interval")
    if window is None and not clocks:
        # From now on, every day: the times of day the interval lands on, around the clock.
        first = start[0] * 60 + start[1]
        marks = sorted({(first + k * every) % 1440 for k in range(1440 // every)})
    else:
        first, last = start[0] * 60 + start[1], end[0] * 60 + end[1]
        if last < first:
            return Unreadable("invalid_time")
        marks = list(range(first, last + 1, every))
    hours = sorted({mark // 60 for mark in marks})
    minutes = sorted({mark % 60 for mark in marks})
    if len(hours) * len(minutes) != len(marks):
        return Unreadable("invalid_interval")
    return hours, minutes


def build_rule(
    spec: RecurringSpec | None,
    clocks: list[ClockTime],
    now: datetime,
    *,
    interval: Interval | None = None,
    window: Window | None = None,
    count: Count | None = None,
    until: Until | None = None,
) -> Recurrence | Problem:
    """The rule the pieces describe, ending where `count` or `until` says."""
    if spec is not None and spec.invalid:
        return Unreadable("invalid_date")
    if spec is None:
        spec = RecurringSpec("DAILY")
    period = spec.period
    times = _times(clocks, period, interval, window, now)
    if not isinstance(times, tuple):
        return times
    hours, minutes = times
    today = now.date()
    parts = [f"FREQ={spec.freq}"]
    step = spec.interval
    if interval is not None and interval.days:
        if spec.freq != "DAILY":
            return Unreadable("invalid_interval")
        step = interval.days
    if step != 1:
        parts.append(f"INTERVAL={step}")
    if spec.freq == "YEARLY":
        parts.append(f"BYMONTH={spec.month or today.month}")
        parts.append(f"BYMONTHDAY={spec.month_day or today.day}")
    elif spec.freq == "MONTHLY":
        if spec.nth_weekday is not None:
            n, weekday = spec.nth_weekday
            parts.append(f"BYDAY={n:+d}{RRULE_DAYS[weekday]}")
        else:
            days = spec.month_days or (spec.month_day or today.day,)
            parts.append("BYMONTHDAY=" + ",".join(str(day) for day in days))
    elif spec.freq == "WEEKLY":
        weekdays = spec.weekdays or (today.weekday(),)
        parts.append("BYDAY=" + ",".join(RRULE_DAYS[day] for day in weekdays))
    parts.append(f"BYHOUR={','.join(map(str, hours))};BYMINUTE={','.join(map(str, minutes))}")
    rule = ";".join(parts)
    anchor = None
    if step != 1:
        # 隔週, 1日おき: the periods count from the day the every-period rule fires first.
        plain = Recurrence(rule.replace(f";INTERVAL={step}", ""), spec.skip_holidays)
        first = plain.next_after(now, zone_of(now))
        anchor = first.date() if first is not None else today
    recurrence = Recurrence(rule, spec.skip_holidays, anchor)
    return _ended(recurrence, now, count, until)


def _ended(
    rule: Recurrence, now: datetime, count: Count | None, until: Until | None
) -> Recurrence | Problem:
    if count is None and until is None:
        return rule
    if count is not None:
        if not 1 <= count.n <= MAX_COUNT:
            return Unreadable("invalid_count")
        found = rule.occurrences(now, zone_of(now), count.n)
        if len(found) < count.n:
            return Unreadable("invalid_count")
        last = found[-1].astimezone(zone_of(now)).replace(tzinfo=None)
    else:
        assert until is not None
        end = _until_day(until, now.date())
        if end is None:
            return Unreadable("invalid_date")
        last = datetime.combine(end, time(23, 59, 59))
    stamp = last.strftime("%Y%m%dT%H%M%S")
    return Recurrence(f"{rule.rule};UNTIL={stamp}", rule.skip_holidays, rule.anchor)


def _until_day(until: Until, today: date) -> date | None:
    if not 1 <= until.month <= 12:
        return None
    for year in (today.year, today.year + 1):
        last = calendar.monthrange(year, until.month)[1]
        day = last if until.day is None else until.day
        if not 1 <= day <= last:
            continue
        candidate = date(year, until.month, day)
        if candidate >= today:
            return candidate
    return None
