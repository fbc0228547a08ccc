"""Clock times: 7:30, 7時30分, 7時半, 20時15, 19時, 午後3時, PM4時, AM9:30, 9:30AM, 9am,
朝7時, 夜9時, 正午, at 7:30, 7時15分前 (6:45), 9時ごろ; and period words on their own.

A time of day is kept as typed plus its period word; `hour_in_period` turns the two into a
24-hour hour. Whether a bare 1–12 hour means morning or afternoon depends on the day and is
decided where the day is known (`moments.py`).
"""

from __future__ import annotations

import re

from bot.domain.parsing.fragments import ClockTime, Period, Window
from bot.domain.parsing.registry import Entry

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
    "夜中": "late_night",
    "am": "am",
    "pm": "pm",
    "morning": "morning",
    "noon": "noon",
    "afternoon": "pm",
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
PERIOD_JA = "午前|午後|夕方|深夜|夜中|朝|昼|夕|夜|晩"
# Words around a time that say "about" or "exactly": read as the time itself.
HEDGE_BEFORE = r"(?:(?:ちょうど|きっかり|かっきり|ぴったり)\s*)?"
HEDGE_AFTER = r"(?:\s*(?:ごろ|頃|ぐらい|くらい|ちょうど|きっかり|かっきり|ぴったり|前後))?"
# 夜の午後8時: a period word before 午前/午後 says the same thing again.
_PREFIX = (
    r"(?:(?:夜|朝|夕方|昼|晩)\s*の?\s*(?=午))?"
    rf"(?:(?:(?<![毎今明昨])お?(?P<period>{PERIOD_JA})|(?<![a-z])(?P<pre>[ap])\.?m\.?)\s*の?\s*)?"
)
_AMPM = r"(?P<ampm>[ap])\.?m\.?(?![a-z])"
_JA_CLOCK = (
    rf"{HEDGE_BEFORE}{_PREFIX}(?<![\d.:])(?P<h>\d+)\s*時(?!間)"
    r"(?:\s*(?:(?P<half>半)|(?P<m>\d+)\s*分(?!間)(?:\s*(?P<sec>\d+)\s*秒)?(?P<before>\s*前)?)"
    # 20時15: minutes written right after 時, without 分 (not "10時 2時間", another number)
    r"|(?P<m2>\d{1,2})(?![\d分秒日月年回週時:]|\s*分))?"
    r"(?P<near>前|過ぎ|すぎ)?"
    rf"{HEDGE_AFTER}"
)
_COLON_CLOCK = (
    rf"(?:\bat\s*|(?<=\d)T)?{HEDGE_BEFORE}{_PREFIX}(?<![\d.:/])(?P<h>\d{{1,2}}):(?P<m>\d{{2}})"
    r"(?::(?P<sec>\d{2}))?(?![\d:])"
    rf"(?:\s*{_AMPM})?{HEDGE_AFTER}"
)
_SIMPLE_CLOCK = r"\d{1,2}(?::\d{2}|\s*時(?:\s*\d{1,2}\s*分|半)?)"


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
    if period == "late_night":
        # 深夜/夜中 of a day is the night that follows it: 1–4 (and 12 = 0) the next day.
        if hour == 11:
            return 23, 0
        if hour == 12 or hour <= 4:
            return hour % 12, 1
    return hour, 0


def _period(match: re.Match[str]) -> str | None:
    groups = match.groupdict()
    ampm = groups.get("ampm") or groups.get("pre")
    if ampm:
        return PERIOD_WORDS[f"{ampm.lower()}m"]
    word = groups.get("period")
    return PERIOD_WORDS[word] if word else None


def _clock(match: re.Match[str]) -> ClockTime | None:
    groups = match.groupdict()
    hour_text = match["h"]
    if len(hour_text) > 2:
        return ClockTime(99, 0)
    minute_text = groups.get("m") or groups.get("m2")
    minute = 30 if groups.get("half") else int(minute_text[:3]) if minute_text else 0
    if groups.get("near"):
        return None  # 7時前, 7時過ぎ: around 7, not at it — the leftover check asks
    hour = int(hour_text)
    second = int(groups["sec"][:3]) if groups.get("sec") else 0
    if groups.get("before") and 0 < minute < 60 and not second:
        # 7時15分前: fifteen minutes before seven, 6:45.
        hour, minute = (hour - 1) % 24, 60 - minute
    return ClockTime(hour, minute, _period(match), second)


def _noon(match: re.Match[str]) -> ClockTime:
    word = match[0].lower()
    return ClockTime(0, 0, "am") if word in {"真夜中", "midnight"} else ClockTime(12, 0, "pm")


def read_simple_clock(text: str) -> ClockTime:
    numbers = [int(part) for part in re.findall(r"\d+", text)]
    minute = 30 if "半" in text else (numbers[1] if len(numbers) > 1 else 0)
    return ClockTime(numbers[0], minute)


def _window(match: re.Match[str]) -> Window:
    return Window(read_simple_clock(match["a"]), read_simple_clock(match["b"]))


ENTRIES = (
    Entry("noon", re.compile(r"正午|真夜中|(?<![a-z])(?:midnight|noon)\b", re.I), _noon),
    Entry("clock_ja", re.compile(_JA_CLOCK, re.I), _clock),
    Entry("clock_colon", re.compile(_COLON_CLOCK, re.I), _clock),
    Entry(
        "clock_ampm",
        re.compile(rf"(?:\bat\s*)?(?<![\d.:])(?P<h>\d{{1,2}})\s*(?:o'?clock\s*)?{_AMPM}", re.I),
        _clock,
    ),
    Entry(
        "clock_at",
        re.compile(r"\bat\s*(?<![\d.:])(?P<h>\d{1,2})(?![\d:.])(?:\s*o'?clock)?", re.I),
        _clock,
    ),
    Entry(
        "clock_oclock",
        re.compile(r"(?<![\d.:])(?P<h>\d{1,2})\s*o'?clock\b", re.I),
        _clock,
    ),
    # "8 tomorrow night": a bare number just before a day word is its hour.
    Entry(
        "clock_before_day",
        re.compile(
            r"(?<![\d:.])(?P<h>\d{1,2})(?::(?P<m>\d{2}))?(?=\s+(?:tomorrow|today|tonight)\b)",
            re.I,
        ),
        _clock,
    ),
    Entry(
        "window",
        re.compile(
            rf"(?P<a>{_SIMPLE_CLOCK})\s*(?:から|~|〜|-|to|until)\s*(?P<b>{_SIMPLE_CLOCK})"
            r"\s*(?:まで(?:の間)?)?",
            re.I,
        ),
        _window,
    ),
    # A period word standing alone: only before a particle, a digit, a space or the end, so
    # 朝ごはん or 夜景 are not periods.
    Entry(
        "period",
        re.compile(
            r"(?<![毎今明昨])お?(?P<word>午前中?|午後|夕方|深夜|夜中|朝|昼|夜|晩)"
            r"(?=$|[\s\d、,。!?]|に|は|から|まで|頃|ごろ|ぐらい|くらい)"
            r"|(?<![a-z])(?P<en>in\s+the\s+(?P<enword>morning|afternoon|evening))\b",
            re.I,
        ),
        lambda match: Period(
            PERIOD_WORDS[(match["word"] or match["enword"]).lower().replace("午前中", "午前")]
        ),
    ),
)
