"""Clock times: 7:30, 7時30分, 7時半, 19時, 午後3時, 朝7時, 夜9時, 正午, at 7:30, 7pm, 午前0時.

A time of day is kept as typed plus its period word; `hour_in_period` turns the two into a
24-hour hour. Whether a bare 1–12 hour means morning or afternoon depends on the day and is
decided where the day is known (`moments.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.parsing.labels import Scanner

# Period words and the hour each means on its own (朝 → 8:00, 夜 → 20:00).
PERIOD_WORDS = {
    "午前": "am",
    "午後": "pm",
    "朝": "morning",
    "昼": "noon",
    "夕方": "evening",
    "夕": "evening",
    "夜": "night",
    "晩": "night",
    "深夜": "late_night",
    "am": "am",
    "pm": "pm",
    "morning": "morning",
    "noon": "noon",
    "evening": "evening",
    "night": "night",
}
# 午前/午後 alone (明日の午後) are the start of the half-day's usual hours: 9:00 and 13:00.
PERIOD_DEFAULT_HOUR = {
    "morning": 8,
    "noon": 12,
    "evening": 17,
    "night": 20,
    "late_night": 0,
    "am": 9,
    "pm": 13,
}
_PERIOD = "午前|午後|夕方|深夜|朝|昼|夕|夜|晩"
_AMPM = r"(?P<ampm>[ap])\.?m\.?(?![a-z])"
_PATTERNS = (
    re.compile(r"(?P<noon>正午|真夜中|midnight|noon)", re.IGNORECASE),
    re.compile(
        rf"(?:(?P<period>{_PERIOD})\s*の?\s*)?(?<![\d.:])(?P<h>\d+)\s*時(?!間)"
        r"(?:\s*(?:(?P<half>半)|(?P<m>\d+)\s*分(?!間)))?",
    ),
    re.compile(
        rf"(?:\bat\s*)?(?:(?P<period>{_PERIOD})\s*の?\s*)?(?<![\d.:/])(?P<h>\d{{1,2}}):(?P<m>\d{{2}})"
        rf"(?![\d:])(?:\s*{_AMPM})?",
        re.IGNORECASE,
    ),
    re.compile(rf"(?:\bat\s*)?(?<![\d.:])(?P<h>\d{{1,2}})\s*{_AMPM}", re.IGNORECASE),
    re.compile(r"\bat\s*(?<![\d.:])(?P<h>\d{1,2})(?![\d:.])", re.IGNORECASE),
)


@dataclass(frozen=True, slots=True)
class ClockTime:
    """`hour` as typed (not yet shifted by the period), `period` a PERIOD_WORDS value."""

    hour: int
    minute: int
    period: str | None = None

    @property
    def valid(self) -> bool:
        return 0 <= self.hour <= 23 and 0 <= self.minute <= 59

    @property
    def bare(self) -> bool:
        """A 1–12 hour with no word saying morning or afternoon: `3時`, `7:30`."""
        return self.period is None and 1 <= self.hour <= 12


def hour_in_period(hour: int, period: str | None) -> tuple[int, int]:
    """(24-hour hour, days to add) for an hour typed with a period word.

    午前/am: 12 → 0. 午後/pm, 夕方: 1–11 → +12. 昼: 1–5 → +12 (昼1時 → 13:00). 夜/晩: 5–11 → +12,
    and 12 or 0–4 are after midnight, the next day (夜12時 → 0:00 the day after). 朝, none:
    as typed.
    """
    if period == "am":
        return (0 if hour == 12 else hour), 0
    if period in {"pm", "evening"}:
        return (hour + 12 if 1 <= hour <= 11 else hour), 0
    if period == "noon":
        return (hour + 12 if 1 <= hour <= 5 else hour), 0
    if period == "night":
        if 5 <= hour <= 11:
            return hour + 12, 0
        if hour == 12 or hour <= 4:
            return hour % 12, 1
    if period == "late_night" and hour in {11, 12}:
        return (23, 0) if hour == 11 else (0, 1)
    return hour, 0


def take_clock(scanner: Scanner) -> ClockTime | None:
    """The first clock time in what is left, if any."""
    for pattern in _PATTERNS:
        match = scanner.take(pattern)
        if match is None:
            continue
        groups = match.groupdict()
        if groups.get("noon"):
            return (
                ClockTime(0, 0, "am")
                if match["noon"] in {"真夜中", "midnight"}
                else (ClockTime(12, 0, "pm"))
            )
        hour_text = match["h"]
        if len(hour_text) > 2:
            return ClockTime(99, 0)
        minute_text = groups.get("m")
        minute = 30 if groups.get("half") else int(minute_text[:3]) if minute_text else 0
        period = groups.get("period")
        ampm = groups.get("ampm")
        word = f"{ampm.lower()}m" if ampm else period
        return ClockTime(int(hour_text), minute, PERIOD_WORDS[word] if word else None)
    return None
