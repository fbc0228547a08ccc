"""Elapsed-time expressions: 180, 3分, 1時間30分, 1h30m, 90s, 2.5時間, 15分後, 1時間半後, 半日後,
2日と3時間後, 5分経ったら, in 10 min, in 20 minutes, 2 hours from now; and whole-day offsets
(3日後, 2週間後, in 3 days, two days from now), which keep the clock time instead.

English number words (twenty, an hour and a half, a quarter hour) are folded to digits
before the entries run (`numbers.fold_english`).
"""

from __future__ import annotations

import re
from decimal import Decimal

from bot.domain.parsing.days import PERIOD_AFTER, period_of
from bot.domain.parsing.fragments import DayOffset, Duration
from bot.domain.parsing.registry import Entry

# More digits than this is beyond any max_ahead: answer "too far" without building the int.
MAX_DIGITS = 9
_NUMBER = r"\d+(?:\.\d+)?"
_HOURS = r"(?:時間|hours?|hrs?|h)(?![a-z])"
_MINUTES = r"(?:分間?|ふん|ぷん|minutes?|mins?|m)(?![a-z])"
_SECONDS = r"(?:秒間?|びょう|seconds?|secs?|s)(?![a-z])"
_AFTER = r"(?:\s*(?:後|later|from\s+now|経ったら|たったら|経過後|経過したら|過ぎたら|したら))"
# Between the parts of one duration: 1時間と30分, 2 hours and 30 minutes, 1h, 30m.
_AND = r"(?:\s*(?:and|と|,|、)?\s*(?=\d))?\s*"
_DURATION = re.compile(
    rf"(?:\bin\s*|あと\s*|今から\s*)?(?P<sign>-\s*)?(?<![\d.])(?=\d)"
    rf"(?:(?P<h>{_NUMBER})\s*{_HOURS}(?P<h_half>半)?)?{_AND}"
    rf"(?:(?P<m>{_NUMBER})\s*{_MINUTES}(?P<m_half>半)?)?{_AND}"
    rf"(?:(?P<s>{_NUMBER})\s*{_SECONDS})?(?!\s*前)"
    rf"{_AFTER}?",
    re.IGNORECASE,
)
# A number alone at the start is seconds (the bot's first form: "180", "180 カップ麺").
_BARE_SECONDS = re.compile(
    r"^\s*(?P<sign>[-+]?)(?P<s>\d+(?:\.\d+)?)(?=\s|$)(?!\s+(?:tomorrow|today|tonight)\b)",
    re.IGNORECASE,
)
_DAY_OFFSET = re.compile(
    rf"(?<![\d.])(?P<n>\d+)\s*(?P<unit>日|週間|週|ヶ月|か月|カ月|ケ月|箇月)\s*(?:後|経ったら|たったら|経過後)"
    rf"{PERIOD_AFTER}"
    r"|\bin\s+(?P<en_n>\d+)\s*(?P<en_unit>days?|weeks?|months?)\b"
    r"|(?<![\d.])(?P<later_n>\d+)\s*(?P<later_unit>days?|weeks?|months?)\s+(?:later|from\s+now)\b",
    re.IGNORECASE,
)


def _amount(text: str | None, unit_seconds: int, half: str | None = None) -> Decimal | None:
    if text is None:
        return Decimal(0)
    if len(text.partition(".")[0]) > MAX_DIGITS:
        return None
    value = Decimal(text[: MAX_DIGITS * 2]) * unit_seconds
    return value + unit_seconds // 2 if half else value


def _duration(match: re.Match[str]) -> Duration | None:
    if all(match[group] is None for group in ("h", "m", "s")):
        return None
    parts = (
        _amount(match["h"], 3600, match["h_half"]),
        _amount(match["m"], 60, match["m_half"]),
        _amount(match["s"], 1),
    )
    negative = match["sign"] is not None
    if any(part is None for part in parts):
        return Duration(None, negative)
    return Duration(int(sum(part for part in parts if part is not None)), negative)


def _bare_seconds(match: re.Match[str]) -> Duration:
    seconds = _amount(match["s"], 1)
    return Duration(None if seconds is None else int(seconds), match["sign"] == "-")


def _day_offset(match: re.Match[str]) -> DayOffset:
    number: str = match["n"] or match["en_n"] or match["later_n"]
    unit: str = (match["unit"] or match["en_unit"] or match["later_unit"]).lower()
    if len(number) > MAX_DIGITS:
        return DayOffset(int("9" * MAX_DIGITS))
    period = period_of(match) if match["n"] else None
    if "月" in unit or unit.startswith("month"):
        return DayOffset(0, period, months=int(number))
    days_per_unit = 1 if unit.startswith(("日", "day")) else 7
    return DayOffset(int(number) * days_per_unit, period)


def _days_and_hours(match: re.Match[str]) -> Duration:
    days = int(match["d"][:4])
    hours = _amount(match["h"], 3600, match["h_half"]) or Decimal(0)
    minutes = _amount(match["m"], 60) or Decimal(0)
    return Duration(int(hours + minutes), days=days)


ENTRIES = (
    Entry("duration", _DURATION, _duration),
    Entry("bare_seconds", _BARE_SECONDS, _bare_seconds),
    Entry("day_offset", _DAY_OFFSET, _day_offset),
    Entry("half_day", re.compile(rf"半日{_AFTER}"), lambda m: Duration(12 * 3600)),
    Entry(
        "half_year",
        re.compile(r"半年\s*(?:後|経ったら|たったら)"),
        lambda m: DayOffset(0, months=6),
    ),
    Entry(
        "days_and_hours",
        re.compile(
            rf"(?<![\d.])(?P<d>\d+)\s*日\s*(?:と|and)\s*(?:(?P<h>{_NUMBER})\s*時間(?P<h_half>半)?)?"
            rf"\s*(?:(?P<m>\d+)\s*分)?{_AFTER}"
        ),
        lambda m: _days_and_hours(m) if m["h"] or m["m"] else None,
    ),
)
