"""Elapsed-time expressions: 180, 3分, 1時間30分, 1h30m, 90s, 2.5時間, 15分後, in 10 min; and
whole-day offsets (3日後, 2週間後, in 3 days), which keep the clock time instead."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from bot.domain.parsing.labels import Scanner

# More digits than this is beyond any max_ahead: answer "too far" without building the int.
MAX_DIGITS = 9
_NUMBER = r"\d+(?:\.\d+)?"
_HOURS = r"(?:時間|hours?|hrs?|h)(?![a-z])"
_MINUTES = r"(?:分間?|ふん|ぷん|minutes?|mins?|m)(?![a-z])"
_SECONDS = r"(?:秒間?|びょう|seconds?|secs?|s)(?![a-z])"
_DURATION = re.compile(
    rf"(?:\bin\s*|あと\s*|今から\s*)?(?P<sign>-\s*)?(?<![\d.])(?=\d)"
    rf"(?:(?P<h>{_NUMBER})\s*{_HOURS}(?P<h_half>半)?)?\s*"
    rf"(?:(?P<m>{_NUMBER})\s*{_MINUTES}(?P<m_half>半)?)?\s*"
    rf"(?:(?P<s>{_NUMBER})\s*{_SECONDS})?"
    r"(?:\s*(?:後|later|経ったら|たったら|したら))?",
    re.IGNORECASE,
)
# A number alone at the start is seconds (the bot's first form: "180", "180 カップ麺").
_BARE_SECONDS = re.compile(r"^\s*(?P<sign>[-+]?)(?P<s>\d+(?:\.\d+)?)(?=\s|$)")
_DAY_OFFSET = re.compile(
    r"(?<![\d.])(?P<n>\d+)\s*(?P<unit>日|週間|週)\s*(?:後|経ったら)"
    r"|\bin\s+(?P<en_n>\d+)\s*(?P<en_unit>days?|weeks?)\b"
    r"|(?<![\d.])(?P<later_n>\d+)\s*(?P<later_unit>days?|weeks?)\s+later\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Duration:
    """`seconds` None: a number too long to be anything but too far."""

    seconds: int | None
    negative: bool = False


def _has_amount(match: re.Match[str]) -> bool:
    return any(match[group] is not None for group in ("h", "m", "s"))


def _amount(text: str | None, unit_seconds: int, half: str | None = None) -> Decimal | None:
    if text is None:
        return Decimal(0)
    if len(text.partition(".")[0]) > MAX_DIGITS:
        return None
    value = Decimal(text[: MAX_DIGITS * 2]) * unit_seconds
    return value + unit_seconds // 2 if half else value


def take_duration(scanner: Scanner) -> Duration | None:
    """The first elapsed-time expression, if any."""
    match = scanner.take(_DURATION, _has_amount)
    if match is None:
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


def take_bare_seconds(scanner: Scanner) -> Duration | None:
    """A message that starts with a plain number: that many seconds."""
    match = scanner.take(_BARE_SECONDS)
    if match is None:
        return None
    seconds = _amount(match["s"], 1)
    return Duration(None if seconds is None else int(seconds), match["sign"] == "-")


def take_day_offset(scanner: Scanner) -> int | None:
    """N日後 / N週間後 / in N days, as a number of days (MAX_DIGITS caps it)."""
    match = scanner.take(_DAY_OFFSET)
    if match is None:
        return None
    number: str = match["n"] or match["en_n"] or match["later_n"]
    unit: str = (match["unit"] or match["en_unit"] or match["later_unit"]).lower()
    if len(number) > MAX_DIGITS:
        return int("9" * MAX_DIGITS)
    days_per_unit = 1 if unit.startswith(("日", "day")) else 7
    return int(number) * days_per_unit
