"""Recurring expressions: 毎日, 毎朝, 毎晩, 平日, 土日, 毎週月水金, 毎週の月曜, 隔週月曜, 毎月1日,
毎月第2火曜, 毎月末, 毎年3月3日, every day, every weekday, every monday, the last friday of
every month; intervals (2時間おき, 30分ごと, 1日おき, 3日に1回, every 2 hours, every other
day); and how a rule ends (10回, 3 times, 12月まで, until Dec 31).

Choices: 平日 / every weekday skip Japanese public holidays; 土日 and 毎週X曜 do not. 毎月31日
fires only in months that have a 31st and 毎年2月29日 only in leap years (RFC 5545 skips
dates a period lacks); 毎月末 is BYMONTHDAY=-1. 毎週 / 毎月 / 毎年 alone repeat on the
reference day's weekday / day of month / date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial

from bot.domain.parsing.days import EN_MONTH, EN_MONTHS, PERIOD_AFTER, WEEKDAY_KANJI, period_of
from bot.domain.parsing.fragments import Count, Interval, Until
from bot.domain.parsing.registry import Entry

RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# What may follow 毎日の / 毎月の for the words to stay a rule: a time or a period word (毎日の朝
# 7時); otherwise 毎日の日課 is an adjective, "daily", not a rule.
_TIME_AFTER_NO = r"\s*(?:\d|朝|昼|夕方|夜|晩|午前|午後)"
_EN_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_EN_DAY_NAMES = _EN_DAYS.split("|")
# One weekday in a list: the kanji with 曜(日), or alone when what follows cannot start a word
# (毎週月水金, but 毎週月曜 日報 does not read 日 as Sunday).
_ONE_DAY = rf"[{WEEKDAY_KANJI}](?:曜日?|(?=[{WEEKDAY_KANJI}・、,と\s\d]|$|に|の|は|から))"
_DAY_LIST = rf"{_ONE_DAY}(?:\s*[・、,と]?\s*{_ONE_DAY})*"
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "yearly",
        re.compile(
            r"毎年\s*(?:(?P<m>\d+)\s*月\s*(?P<d>\d+)\s*日|(?P<sm>\d{1,2})/(?P<sd>\d{1,2})(?![\d/]))?"
            + PERIOD_AFTER
        ),
    ),
    (
        "monthly",
        re.compile(
            rf"毎月(?!曜)(?!の(?!\s*(?:\d|第|最|末|{_TIME_AFTER_NO})))\s*(?:(?P<end>末日?|最終日|月末)"
            rf"|第\s*(?P<n>\d+)\s*(?P<nwd>[{WEEKDAY_KANJI}])\s*曜日?"
            rf"|(?:最終の?|最後の)\s*(?P<lwd>[{WEEKDAY_KANJI}])\s*曜日?|(?P<d>\d+\s*日(?:\s*[・、,と]\s*\d+\s*日)*))?"
            rf"{PERIOD_AFTER}"
        ),
    ),
    (
        "weekly",
        re.compile(
            rf"(?P<mod>毎週(?!末)(?!の(?![{WEEKDAY_KANJI}]))|隔週|毎(?=[{WEEKDAY_KANJI}]曜))\s*の?\s*"
            rf"(?P<days>{_DAY_LIST})?"
            rf"{PERIOD_AFTER}"
        ),
    ),
    (
        "weekly_en",
        re.compile(
            rf"(?:every|weekly\s+on|on\s+every)\s+(?P<other>other\s+)?(?P<days>(?:{_EN_DAYS})(?:\s*(?:,|and|&)\s*(?:{_EN_DAYS}))*)"
            + PERIOD_AFTER,
            re.IGNORECASE,
        ),
    ),
    (
        "last_weekday_en",
        re.compile(
            rf"(?:every\s+last\s+(?P<a>{_EN_DAYS})(?:\s+of\s+(?:the|every)\s+month)?"
            rf"|(?:on\s+)?(?:the\s+)?last\s+(?P<b>{_EN_DAYS})\s+of\s+(?:every|each|the)\s+month)"
            + PERIOD_AFTER,
            re.IGNORECASE,
        ),
    ),
    (
        "weekends",
        re.compile(r"(?:毎週末|土日|every\s+weekend|weekends)" + PERIOD_AFTER, re.IGNORECASE),
    ),
    (
        "weekdays",
        re.compile(r"(?:毎平日|平日|every\s+weekday|weekdays)" + PERIOD_AFTER, re.IGNORECASE),
    ),
    ("mornings", re.compile(r"(?:毎朝|every\s+morning)" + PERIOD_AFTER, re.IGNORECASE)),
    (
        "nights",
        re.compile(r"(?:毎晩|毎夜|every\s+(?:evening|night))" + PERIOD_AFTER, re.IGNORECASE),
    ),
    (
        "daily",
        re.compile(
            r"(?:毎日(?!曜)(?!の(?!" + _TIME_AFTER_NO + r"))|every\s*day|daily)" + PERIOD_AFTER,
            re.I,
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class RecurringSpec:
    """What a recurring expression said, before the time of day is known. Fields left None
    that the rule needs (毎週 alone, 毎月 alone) are taken from the reference day."""

    freq: str
    weekdays: tuple[int, ...] = ()
    interval: int = 1
    month_day: int | None = None
    month_days: tuple[int, ...] = ()  # 毎月1日と15日
    month: int | None = None
    nth_weekday: tuple[int, int] | None = None  # (n, weekday): 第2火曜 (2, 1), 最終金曜 (-1, 4)
    skip_holidays: bool = False
    period: str | None = None
    invalid: bool = False


def _weekdays_ja(days: str) -> tuple[int, ...]:
    found = sorted(
        {WEEKDAY_KANJI.index(ch) for ch in re.sub(r"曜日?", "", days) if ch in WEEKDAY_KANJI}
    )
    return tuple(found)


def _weekdays_en(days: str) -> tuple[int, ...]:
    names = _EN_DAYS.split("|")
    return tuple(sorted({names.index(word) for word in re.findall(_EN_DAYS, days.lower())}))


def _number(text: str) -> int:
    return int(text) if len(text) <= 3 else 999


def _spec(kind: str, match: re.Match[str]) -> RecurringSpec:
    period = period_of(match)
    if kind == "yearly":
        month_text, day_text = match["m"] or match["sm"], match["d"] or match["sd"]
        if month_text is None:
            return RecurringSpec("YEARLY", period=period)
        month, day = _number(month_text), _number(day_text)
        leap_year_days = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
        invalid = not (1 <= month <= 12 and 1 <= day <= leap_year_days[month])
        return RecurringSpec("YEARLY", month=month, month_day=day, period=period, invalid=invalid)
    if kind == "monthly":
        if match["end"]:
            return RecurringSpec("MONTHLY", month_day=-1, period=period)
        if match["nwd"]:
            n = _number(match["n"])
            return RecurringSpec(
                "MONTHLY",
                nth_weekday=(n, WEEKDAY_KANJI.index(match["nwd"])),
                period=period,
                invalid=not 1 <= n <= 5,
            )
        if match["lwd"]:
            return RecurringSpec(
                "MONTHLY", nth_weekday=(-1, WEEKDAY_KANJI.index(match["lwd"])), period=period
            )
        if match["d"]:
            days = tuple(sorted({_number(text) for text in re.findall(r"\d+", match["d"])}))
            return RecurringSpec(
                "MONTHLY",
                month_days=days,
                period=period,
                invalid=not all(1 <= day <= 31 for day in days),
            )
        return RecurringSpec("MONTHLY", period=period)
    if kind == "weekly":
        days = _weekdays_ja(match["days"]) if match["days"] else ()
        return RecurringSpec("WEEKLY", days, 2 if match["mod"] == "隔週" else 1, period=period)
    if kind == "weekly_en":
        return RecurringSpec(
            "WEEKLY", _weekdays_en(match["days"]), 2 if match["other"] else 1, period=period
        )
    if kind == "last_weekday_en":
        day = _EN_DAY_NAMES.index((match["a"] or match["b"]).lower())
        return RecurringSpec("MONTHLY", nth_weekday=(-1, day), period=period)
    if kind == "weekdays":
        return RecurringSpec("WEEKLY", (0, 1, 2, 3, 4), skip_holidays=True, period=period)
    if kind == "weekends":
        return RecurringSpec("WEEKLY", (5, 6), period=period)
    if kind == "mornings":
        return RecurringSpec("DAILY", period=period or "morning")
    if kind == "nights":
        return RecurringSpec("DAILY", period=period or "night")
    return RecurringSpec("DAILY", period=period)


def _interval_any(match: re.Match[str]) -> Interval | None:
    text = match[0].lower()
    if text in {"毎時", "hourly"} or re.fullmatch(r"every\s+hour", text):
        return Interval(minutes=60)
    if match["other"]:
        return Interval(days=2)
    if match["n_en"]:
        return _every(int(match["n_en"][:4]), match["unit_en"])
    sep = match["sep"].replace(" ", "")
    return _every(int(match["n"][:4]), match["unit"], skipping=sep.startswith(("おき", "置き")))


def _every(number: int, unit: str, *, skipping: bool = False) -> Interval:
    """One unit table for both languages (`2時間ごと`, `2 hoursごと`, `every 2 hours`); N日おき
    skips N days between, so it repeats every N+1 days."""
    unit = unit.lower()
    if unit.startswith(("日", "day")):
        return Interval(days=number + 1 if skipping else number)
    if unit.startswith(("週", "week")):
        return Interval(days=7 * number)
    if unit.startswith(("時", "hour")):
        return Interval(minutes=60 * number)
    return Interval(minutes=number)


def _until_any(match: re.Match[str]) -> Until:
    if match["en_m"]:
        day = match["d_en"]
        return Until(EN_MONTHS[match["en_m"].lower()], int(day) if day else None)
    return Until(_number(match["m"]), _number(match["d"]) if match["d"] else None)


_UNIT_EN = r"(?P<unit_en>hours?|minutes?|mins?|days?|weeks?)"
_UNIT = r"(?P<unit>時間|分|日|週間|hours?|minutes?|mins?|days?|weeks?)"
ENTRIES = (
    *(Entry(kind, pattern, partial(_spec, kind)) for kind, pattern in _PATTERNS),
    Entry(
        "interval",
        re.compile(
            rf"(?<![\d.])(?P<n>\d+)\s*{_UNIT}\s*"
            r"(?P<sep>おきに|置きに|おき|置き|ごとに|ごと|毎に|毎|に\s*1\s*回)"
            rf"|every\s+(?:(?P<other>other\s+day)|(?P<n_en>\d+)\s+{_UNIT_EN})"
            r"|毎時|hourly|every\s+hour",
            re.IGNORECASE,
        ),
        _interval_any,
    ),
    Entry(
        "count",
        re.compile(r"(?<![\d.])(?P<n>\d{1,4})\s*(?:回(?!目|に\s*\d)|times\b)", re.IGNORECASE),
        lambda match: Count(int(match["n"])),
    ),
    Entry(
        "until",
        re.compile(
            r"(?<![\d.])(?P<m>\d{1,2})\s*月\s*(?:(?P<d>\d{1,2})\s*日)?\s*(?:末)?\s*まで(?!に)"
            rf"|until\s+(?P<en_m>{EN_MONTH})\.?(?:\s+(?P<d_en>\d{{1,2}})(?:st|nd|rd|th)?)?",
            re.IGNORECASE,
        ),
        _until_any,
    ),
)
