"""Turning a day and a clock time into one moment, and a recurring expression into a rule.

Rules where the forms leave a choice:
- a clock time alone that has passed today means tomorrow; a bare 1–12 hour (`3時`, `7:30`,
  no 午前/午後/朝/夜...) means the sooner of H and H+12 still ahead (`3時` at 10:00 → 15:00).
- with a day (`明日 3時`, `月曜 7:30`, `12/25 3時`) a bare 1–12 hour is the morning hour H, as
  typed; 午後/夕方/夜 make it afternoon. 今日 is the exception: `今日 3時` reads like a clock
  time alone, the sooner of 3:00 and 15:00 still ahead today.
- in a recurring rule a bare hour is also as typed (`毎日 7時` → 7:00; `毎晩 9時` → 21:00).
- a day with no time is 9:00; with only a period word 朝 8:00, 昼 12:00, 夕方 17:00, 夜 20:00.
- 今日/今週X曜/a date with a year whose moment has passed → OutOfRange("past").
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time, timedelta, tzinfo

from bot.domain.intents import OutOfRange, Unreadable
from bot.domain.parsing.clock import PERIOD_DEFAULT_HOUR, hour_in_period
from bot.domain.parsing.fragments import (
    ClockTime,
    DateDay,
    Day,
    MonthDay,
    NthWeekday,
    RelativeDay,
    WeekdayDay,
)
from bot.domain.recurrence import between, is_after, localize, zone_of

DEFAULT_HOUR = 9
# How far a year may be typed before it is "too far" without building the date.
_MAX_YEARS_AHEAD = 100
Problem = Unreadable | OutOfRange
_At = Callable[[date], datetime]


def time_of_day(clock: ClockTime | None, period: str | None) -> tuple[int, int, int]:
    """(hour, minute, days to add) for what was typed, a bare hour kept as typed."""
    if clock is not None:
        hour, shift = hour_in_period(clock.hour, clock.period or period)
        return hour, clock.minute, shift
    if period is not None:
        # 深夜 / 夜中 alone: the midnight that ends the day.
        return PERIOD_DEFAULT_HOUR[period], 0, 1 if period == "late_night" else 0
    return DEFAULT_HOUR, 0, 0


def _on(day: date, hour: int, minute: int, second: int, tz: tzinfo) -> datetime:
    # Hour 24 is the midnight that ends `day` (12時 read as the coming midnight).
    if hour == 24:
        day, hour = day + timedelta(days=1), 0
    return localize(datetime.combine(day, time(hour, minute, second)), tz)


def _sooner_ahead(
    day: date, hours: list[int], minute: int, now: datetime, second: int = 0
) -> datetime | None:
    tz = zone_of(now)
    for hour in hours:
        moment = _on(day, hour, minute, second, tz)
        if is_after(moment, now):
            return moment
    return None


def _bare_hours(clock: ClockTime) -> list[int]:
    # A bare hour is H or H+12, whichever comes first: 12時 is noon or midnight (0:00).
    return [12, 24] if clock.hour == 12 else [clock.hour, clock.hour + 12]


def resolve_clock_only(clock: ClockTime, now: datetime) -> datetime | Problem:
    """A clock time with no day: its next occurrence."""
    if not clock.valid:
        return Unreadable("invalid_time")
    hour, minute, _ = time_of_day(clock, None)
    hours = _bare_hours(clock) if clock.bare else [hour]
    today = now.date()
    tz = zone_of(now)
    ahead = [
        moment
        for on in (today, today + timedelta(days=1))
        for hour in hours
        if is_after(moment := _on(on, hour, minute, clock.second, tz), now)
    ]
    return min(ahead, key=lambda moment: between(now, moment)) if ahead else OutOfRange("past")


def resolve_day(day: Day, clock: ClockTime | None, now: datetime) -> datetime | Problem:
    """A day, with or without a clock time."""
    if clock is not None and not clock.valid:
        return Unreadable("invalid_time")
    period = day.period
    hour, minute, shift = time_of_day(clock, period)
    today = now.date()
    tz = zone_of(now)

    def at(on: date) -> datetime:
        second = clock.second if clock is not None else 0
        return localize(
            datetime.combine(on + timedelta(days=shift), time(hour, minute, second)), tz
        )

    if isinstance(day, RelativeDay):
        if day.days == 0 and clock is not None and clock.bare and period is None:
            moment = _sooner_ahead(today, _bare_hours(clock), minute, now, clock.second)
            return moment if moment is not None else OutOfRange("past")
        if day.days > 36600:
            return OutOfRange("too_far")
        moment = at(today + timedelta(days=day.days))
    elif isinstance(day, WeekdayDay):
        moment = _weekday_moment(day, today, at, now)
    elif isinstance(day, MonthDay | NthWeekday):
        on = _month_day(day, today) if isinstance(day, MonthDay) else _nth_weekday(day, today)
        if on is None:
            return Unreadable("invalid_date")
        moment = at(on)
    else:
        found = _date_moment(day, today, at, now)
        if not isinstance(found, datetime):
            return found
        moment = found
    return moment if is_after(moment, now) else OutOfRange("past")


def _add_months(today: date, months: int) -> tuple[int, int]:
    index = today.year * 12 + today.month - 1 + months
    return index // 12, index % 12 + 1


def _month_day(day: MonthDay, today: date) -> date | None:
    year, month = _add_months(today, day.months_ahead)
    last = calendar.monthrange(year, month)[1]
    if day.day == -1:
        return date(year, month, last)
    return date(year, month, day.day) if 1 <= day.day <= last else None


def nth_weekday_of(year: int, month: int, n: int, weekday: int) -> date | None:
    """The n-th (-1: last) `weekday` of the month, None when the month has no such day."""
    last = calendar.monthrange(year, month)[1]
    if n == -1:
        end = date(year, month, last)
        return end - timedelta(days=(end.weekday() - weekday) % 7)
    first = date(year, month, 1)
    found = first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    return found if 1 <= n <= 5 and found.month == month else None


def _nth_weekday(day: NthWeekday, today: date) -> date | None:
    if not (day.n == -1 or 1 <= day.n <= 5):
        return None
    if day.month is None:
        year, month = _add_months(today, day.months_ahead or 0)
        return nth_weekday_of(year, month, day.n, day.weekday)
    if not 1 <= day.month <= 12:
        return None
    for year in (today.year, today.year + 1):
        found = nth_weekday_of(year, day.month, day.n, day.weekday)
        if found is not None and found >= today:
            return found
    return None


def _weekday_moment(day: WeekdayDay, today: date, at: _At, now: datetime) -> datetime:
    if day.weeks_ahead is not None:
        monday = today - timedelta(days=today.weekday()) + timedelta(weeks=day.weeks_ahead)
        return at(monday + timedelta(days=day.weekday))
    candidate = today + timedelta(days=(day.weekday - today.weekday()) % 7)
    if candidate == today and (day.strictly_after_today or not is_after(at(candidate), now)):
        candidate += timedelta(days=7)
    return at(candidate)


def _date_moment(day: DateDay, today: date, at: _At, now: datetime) -> datetime | Problem:
    if day.month is None:  # 25日: the next month that has that day
        if not 1 <= day.day <= 31:
            return Unreadable("invalid_date")
        year, month = today.year, today.month
        for _ in range(13):
            if day.day <= calendar.monthrange(year, month)[1]:
                moment = at(date(year, month, day.day))
                if is_after(moment, now):
                    return moment
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return Unreadable("invalid_date")
    month_number = day.month
    if not 1 <= month_number <= 12 or not 1 <= day.day <= (
        29 if month_number == 2 else calendar.monthrange(2001, month_number)[1]
    ):
        return Unreadable("invalid_date")
    if day.year_offset is not None:
        day = replace(day, year=today.year + day.year_offset, year_offset=None)
    if day.year is not None:
        if day.year_digits > 4 or day.year > today.year + _MAX_YEARS_AHEAD:
            return OutOfRange("too_far")
        if day.year < 1 or day.day > calendar.monthrange(day.year, month_number)[1]:
            return Unreadable("invalid_date")
        moment = at(date(day.year, month_number, day.day))
        return moment if is_after(moment, now) else OutOfRange("past")
    for year in range(today.year, today.year + 9):  # 2月29日: the next leap year has it
        if day.day <= calendar.monthrange(year, month_number)[1]:
            moment = at(date(year, month_number, day.day))
            if is_after(moment, now):
                return moment
    return Unreadable("invalid_date")  # pragma: no cover - every valid date recurs in 8 years
