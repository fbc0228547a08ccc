"""The typed fragments the registry's entries build, before they are combined into an intent.

A fragment says what one piece of the message means on its own: a clock time, a day, a
duration, a recurring rule... `combine` decides what they mean together.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ClockTime:
    """`hour` as typed (not yet shifted by the period), `period` a PERIOD_WORDS value."""

    hour: int
    minute: int
    period: str | None = None
    second: int = 0

    @property
    def valid(self) -> bool:
        return 0 <= self.hour <= 23 and 0 <= self.minute <= 59 and 0 <= self.second <= 59

    @property
    def bare(self) -> bool:
        """A 1–12 hour with no word saying morning or afternoon: `3時`, `7:30`."""
        return self.period is None and 1 <= self.hour <= 12


@dataclass(frozen=True, slots=True)
class Period:
    """A period word on its own (夕方, 夜, tonight's "night"): a default hour for the day."""

    period: str


@dataclass(frozen=True, slots=True)
class RelativeDay:
    """今日 + `days` (明日 1, 明後日 2, 3日後の朝 3)."""

    days: int
    period: str | None = None


@dataclass(frozen=True, slots=True)
class WeekdayDay:
    """`weekday` 0 = Monday. `weeks_ahead`: None the coming one (today if still ahead),
    0 this calendar week, 1 next week (来週), 2 the week after (再来週); `strictly_after_today`
    for English "next monday", which never means today."""

    weekday: int
    weeks_ahead: int | None = None
    strictly_after_today: bool = False
    period: str | None = None


@dataclass(frozen=True, slots=True)
class DateDay:
    """A calendar date as typed: year None → its next occurrence (or this year + `year_offset`:
    来年 1), month None → the next month that has the day (25日). Numbers are raw: validity
    is checked when the day is resolved."""

    year: int | None
    month: int | None
    day: int
    year_digits: int = 4
    period: str | None = None
    year_offset: int | None = None


@dataclass(frozen=True, slots=True)
class MonthDay:
    """Day `day` (-1: the last) of this month + `months_ahead` (今月 0, 来月 1, 再来月 2)."""

    months_ahead: int
    day: int
    period: str | None = None


@dataclass(frozen=True, slots=True)
class NthWeekday:
    """The `n`-th (-1: last) `weekday` of a month: this month + `months_ahead`, or the next
    `month` (1–12) to come when `month` is set (7月の第1金曜)."""

    n: int
    weekday: int
    months_ahead: int | None = None
    month: int | None = None
    period: str | None = None


Day = RelativeDay | WeekdayDay | DateDay | MonthDay | NthWeekday


@dataclass(frozen=True, slots=True)
class Festival:
    """A day named by its festival (クリスマス): the date `month`/`day` — but only when the
    message names no other day; then it is a word of the label."""

    month: int
    day: int


@dataclass(frozen=True, slots=True)
class BracketWeekday:
    """A weekday in brackets, `(金)`: a check on the date before it, or the day itself."""

    weekday: int


@dataclass(frozen=True, slots=True)
class Duration:
    """Elapsed time: `days` on the wall clock plus `seconds`; `seconds` None: a number too
    long to be anything but too far."""

    seconds: int | None
    negative: bool = False
    days: int = 0


@dataclass(frozen=True, slots=True)
class DayOffset:
    """N日後 / N週間後 / in N days: the same clock time N days later, or a moment that day
    when a clock time or `period` comes with it (3日後の朝)."""

    days: int
    period: str | None = None
    months: int = 0


@dataclass(frozen=True, slots=True)
class Interval:
    """2時間おき, 30分ごと, 1日おき (every 2 days), every 2 hours: `minutes` or `days`."""

    minutes: int = 0
    days: int = 0


@dataclass(frozen=True, slots=True)
class Window:
    """9時から18時まで: the hours an interval runs within."""

    start: ClockTime
    end: ClockTime


@dataclass(frozen=True, slots=True)
class Count:
    """10回 / 3 times: the rule ends after `n` occurrences."""

    n: int


@dataclass(frozen=True, slots=True)
class Until:
    """12月まで / until Dec 31: the rule ends with that day (`day` None: the end of
    `month`)."""

    month: int
    day: int | None


@dataclass(frozen=True, slots=True)
class Past:
    """昨日, 先週, 3日前, 5 days ago: the message speaks of the past."""


@dataclass(frozen=True, slots=True)
class Before:
    """30分前に(教えて): an alert before an event; `seconds` before it."""

    seconds: int


@dataclass(frozen=True, slots=True)
class NotTime:
    """A look-alike (毎日新聞, 十分な, 朝食, 090-1234-5678): claims its span, stays in the
    label, and is not time."""
