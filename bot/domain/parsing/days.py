"""Day expressions: 今日, 明日, 明後日/あさって, 今夜, 月曜, 来週月曜, 今度の金曜, 12/25,
12月25日, 2027年1月3日, tomorrow, next monday; each may carry a period word (明日の朝)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.parsing.clock import PERIOD_WORDS
from bot.domain.parsing.labels import Scanner

WEEKDAY_KANJI = "月火水木金土日"
_EN_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# A period word right after the day (明日の朝, 月曜 夜), only when a time, a particle or the
# end follows — so 明日 朝ごはん keeps 朝ごはん as the label.
PERIOD_AFTER = (
    r"(?:\s*の?\s*(?P<period>午前|午後|朝|昼|夕方|夜|晩)(?=[\s\d、,。!?]|$|に|の|は|から|まで|頃|ごろ)"
    r"|\s+(?P<en_period>morning|noon|evening|night)\b)?"
)
_RELATIVE_DAYS = {
    "明々後日": (3, None),
    "しあさって": (3, None),
    "明後日": (2, None),
    "あさって": (2, None),
    "day after tomorrow": (2, None),
    "明日": (1, None),
    "あした": (1, None),
    "tomorrow": (1, None),
    "今日": (0, None),
    "きょう": (0, None),
    "本日": (0, None),
    "today": (0, None),
    "今夜": (0, "night"),
    "今晩": (0, "night"),
    "tonight": (0, "night"),
    "今朝": (0, "morning"),
}
_RELATIVE = re.compile(
    rf"(?:the\s+)?(?P<word>{'|'.join(_RELATIVE_DAYS)}){PERIOD_AFTER}", re.IGNORECASE
)
_WEEKDAY_JA = re.compile(
    rf"(?P<mod>再来週|来週|今週|今度|次)?\s*の?\s*(?P<wd>[{WEEKDAY_KANJI}])曜日?{PERIOD_AFTER}"
)
_WEEKDAY_EN = re.compile(
    rf"(?:(?P<mod>next|this|coming)\s+)?(?:on\s+)?(?P<wd>{'|'.join(_EN_WEEKDAYS)})\b{PERIOD_AFTER}",
    re.IGNORECASE,
)
_DATES = (
    re.compile(
        rf"(?<!\d)(?P<y>\d+)\s*年\s*(?P<m>\d+)\s*月\s*(?P<d>\d+)\s*日(?!\s*後){PERIOD_AFTER}"
    ),
    re.compile(
        rf"(?<![\d/.-])(?P<y>\d{{4}})[/.-](?P<m>\d{{1,2}})[/.-](?P<d>\d{{1,2}})(?![\d/]){PERIOD_AFTER}"
    ),
    re.compile(rf"(?<![\d.])(?P<m>\d+)\s*月\s*(?P<d>\d+)\s*日(?!\s*後){PERIOD_AFTER}"),
    re.compile(rf"(?<![\d/.:])(?P<m>\d{{1,2}})/(?P<d>\d{{1,2}})(?![\d/:]){PERIOD_AFTER}"),
    re.compile(rf"(?<![\d./月])(?P<d>\d{{1,2}})日(?!\s*[後間中])(?!曜){PERIOD_AFTER}"),
)


@dataclass(frozen=True, slots=True)
class RelativeDay:
    """今日 + `days` (明日 1, 明後日 2, 3日後 3)."""

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
    """A calendar date as typed: year None → its next occurrence, month None → the next month
    that has the day (25日). Numbers are raw: validity is checked when the day is resolved."""

    year: int | None
    month: int | None
    day: int
    year_digits: int = 4
    period: str | None = None


Day = RelativeDay | WeekdayDay | DateDay


def period_of(match: re.Match[str]) -> str | None:
    word = match["period"] or match["en_period"]
    return PERIOD_WORDS[word.lower()] if word else None


def _small(text: str | None) -> int | None:
    # Month and day numbers beyond 3 digits are invalid anyway; don't build big ints.
    return None if text is None else int(text) if len(text) <= 3 else 999


def take_day(scanner: Scanner) -> Day | None:
    """The first day expression in what is left, if any."""
    match = scanner.take(_RELATIVE)
    if match is not None:
        days, period = _RELATIVE_DAYS[match["word"].lower()]
        return RelativeDay(days, period_of(match) or period)
    for pattern in _DATES:
        match = scanner.take(pattern)
        if match is None:
            continue
        year_text = match.groupdict().get("y")
        year = None if year_text is None else int(year_text[:6])
        day = _small(match["d"])
        assert day is not None  # every date pattern has a day group
        month = _small(match.groupdict().get("m"))
        digits = len(year_text) if year_text else 4
        return DateDay(year, month, day, digits, period_of(match))
    match = scanner.take(_WEEKDAY_JA)
    if match is not None:
        weeks = {None: None, "今度": None, "次": None, "今週": 0, "来週": 1, "再来週": 2}
        return WeekdayDay(
            WEEKDAY_KANJI.index(match["wd"]), weeks[match["mod"]], False, period_of(match)
        )
    match = scanner.take(_WEEKDAY_EN)
    if match is not None:
        weekday = _EN_WEEKDAYS.index(match["wd"].lower())
        strictly = (match["mod"] or "").lower() == "next"
        return WeekdayDay(weekday, None, strictly, period_of(match))
    return None
