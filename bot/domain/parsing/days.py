"""Day expressions: 今日, 明日/あした, 明後日/あさって, 明々後日, 今夜, 月曜/げつようび, (金),
来週月曜, 今度の金曜, 12/25, 12月25日, 2027年1月3日, 令和9年1月5日, R9/1/5, 今月28日, 来月3日,
来月末, 来月の第2月曜, 7月の第1金曜, 元日, 大晦日, tomorrow, next monday, Fri, friday next
week, Dec 24, 5 Jan, the 3rd of april; each may carry a period word (明日の朝)."""

from __future__ import annotations

import re

from bot.domain.parsing.clock import PERIOD_WORDS
from bot.domain.parsing.compounds import COMPOUNDS
from bot.domain.parsing.fragments import (
    BracketWeekday,
    DateDay,
    Festival,
    MonthDay,
    NthWeekday,
    RelativeDay,
    WeekdayDay,
)
from bot.domain.parsing.names import (
    EN_ABBREVIATIONS,
    EN_MONTH,
    EN_MONTHS,
    EN_WEEKDAY,
    EN_WEEKDAYS,
    KANA_WEEKDAYS,
    WEEKDAY_KANJI,
)
from bot.domain.parsing.registry import Entry

__all__ = ["ENTRIES", "EN_MONTH", "EN_MONTHS", "EN_WEEKDAY", "PERIOD_AFTER", "WEEKDAY_KANJI"]

# Where a Japanese day word may end: so きょうだい or あすなろ are not days.
KANA_END = r"(?=$|[\s\d、,。!?一-龥]|の|は|に|から|まで|も|で)"
# A period word right after the day (明日の朝, 月曜 夜), only when a time, a particle or the
# end follows — so 明日 朝ごはん keeps 朝ごはん as the label.
PERIOD_AFTER = (
    rf"(?:\s*の?\s*(?!{COMPOUNDS})(?P<period>午前|午後|夜中|深夜|朝|昼|夕方|夜|晩)(?:(?<=午前|午後)中)?(?!中)"
    r"(?=[\s、,。!?一-龥]|$|に|の|は|から|まで|頃|ごろ|ぐらい|くらい)(?!\s*\d)"
    r"|\s+(?:in\s+the\s+)?(?P<en_period>morning|noon|afternoon|evening|night)\b)?"
)
_RELATIVE_DAYS = {
    "明々後日": (3, None),
    "明明後日": (3, None),
    "しあさって": (3, None),
    "明後日": (2, None),
    "あさって": (2, None),
    "day after tomorrow": (2, None),
    "明日": (1, None),
    "あした": (1, None),
    "あす": (1, None),
    "tomorrow": (1, None),
    "tmrw": (1, None),
    "今日": (0, None),
    "きょう": (0, None),
    "本日": (0, None),
    "today": (0, None),
    "今夜": (0, "night"),
    "今晩": (0, "night"),
    "こんや": (0, "night"),
    "こんばん": (0, "night"),
    "tonight": (0, "night"),
    "今朝": (0, "morning"),
    "明朝": (1, "morning"),
    "明晩": (1, "night"),
    "明夜": (1, "night"),
    "けさ": (0, "morning"),
    "this morning": (0, "morning"),
    "this afternoon": (0, "pm"),
    "this evening": (0, "evening"),
}
_WEEKS = {None: None, "今度": None, "次": None, "今週": 0, "来週": 1, "再来週": 2}
_MONTHS_AHEAD = {"今月": 0, "来月": 1, "再来月": 2}
_ERAS = {"令和": 2018, "r": 2018, "平成": 1988, "h": 1988, "昭和": 1925, "s": 1925}
_JA_WEEKDAY = (
    rf"(?:(?P<wd>[{WEEKDAY_KANJI}])曜日?|(?P<kana>{'|'.join(KANA_WEEKDAYS)})ようび{KANA_END}"
    rf"|(?P<kana_short>げつ|すい|もく|きん|にち)よう{KANA_END})"
)


_FESTIVALS = {
    "クリスマスイブ": (12, 24),
    "クリスマス": (12, 25),
    "ホワイトデー": (3, 14),
    "バレンタインデー": (2, 14),
    "バレンタイン": (2, 14),
    "ハロウィン": (10, 31),
    "七夕": (7, 7),
}


def period_of(match: re.Match[str]) -> str | None:
    groups = match.groupdict()
    word = groups.get("period") or groups.get("en_period")
    return PERIOD_WORDS[word.lower()] if word else None


def _small(text: str | None) -> int | None:
    # Month and day numbers beyond 3 digits are invalid anyway; don't build big ints.
    return None if text is None else int(text) if len(text) <= 3 else 999


def _weekday_ja(match: re.Match[str]) -> int:
    if match["wd"]:
        return WEEKDAY_KANJI.index(match["wd"])
    return KANA_WEEKDAYS.index(match["kana"] or match["kana_short"])


def _weekday_en(word: str) -> int:
    word = word.lower().rstrip(".")
    return EN_WEEKDAYS.index(word) if word in EN_WEEKDAYS else EN_ABBREVIATIONS[word]


def _has_kanji(word: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in word)


def _is_kana(word: str) -> bool:
    return not word.isascii() and not _has_kanji(word)


def _relative(match: re.Match[str]) -> RelativeDay:
    word = match["word"] or match["word_kanji"] or match["word_kana"]
    days, period = _RELATIVE_DAYS[re.sub(r"\s+", " ", word.lower())]
    return RelativeDay(days, period_of(match) or period)


def _date(match: re.Match[str]) -> DateDay:
    groups = match.groupdict()
    month_text = groups.get("m")
    month = _small(month_text) if month_text else None
    day = _small(groups.get("d"))
    assert day is not None  # every date pattern has a day group
    offset = 1 if groups.get("next_year") else (0 if groups.get("this_year") else None)
    return DateDay(None, month, day, 4, period_of(match), offset)


def _weekday(match: re.Match[str]) -> WeekdayDay:
    return WeekdayDay(_weekday_ja(match), _WEEKS[match["mod"]], False, period_of(match))


def _weekday_english(match: re.Match[str]) -> WeekdayDay:
    mod = (match["mod"] or "").lower()
    if match["next_week"]:
        return WeekdayDay(_weekday_en(match["wd"]), 1, False, period_of(match))
    return WeekdayDay(_weekday_en(match["wd"]), None, mod == "next", period_of(match))


def _month_day(match: re.Match[str]) -> MonthDay:
    day = -1 if match["end"] else (_small(match["d"]) or 0)
    return MonthDay(_MONTHS_AHEAD[match["rel"]], day, period_of(match))


def _nth(match: re.Match[str]) -> NthWeekday:
    which = match["which"]
    n = (
        -1
        if which in {"最後の", "最終", "最終の"}
        else 1
        if which == "最初の"
        else _small(match["n"])
    )
    assert n is not None
    month = _small(match.groupdict().get("m"))
    months_ahead = _MONTHS_AHEAD.get(match.groupdict().get("rel") or "")
    return NthWeekday(n, _weekday_ja(match), months_ahead, month, period_of(match))


def _date_ymd(match: re.Match[str]) -> DateDay:
    groups = match.groupdict()
    year_text = groups.get("y") or groups.get("y2")
    era = groups.get("era")
    month = EN_MONTHS[groups["en_m"].lower()] if groups.get("en_m") else _small(groups.get("m"))
    day = _small(groups["d"])
    assert day is not None
    if era:
        number = 1 if year_text == "元" else int((year_text or "0")[:3])
        return DateDay(_ERAS[era.lower()] + number, month, day, 4, period_of(match))
    if year_text is None:
        return DateDay(None, month, day, 4, period_of(match))
    return DateDay(int(year_text[:6]), month, day, len(year_text), period_of(match))


_NTH = rf"(?P<which>第\s*(?P<n>\d)\s*|最初の|最後の|最終の?)\s*{_JA_WEEKDAY}"
ENTRIES = (
    Entry(
        "relative_day",
        re.compile(
            rf"(?:(?:the\s+)?(?P<word>{'|'.join(k for k in _RELATIVE_DAYS if k.isascii())})\b"
            rf"|(?P<word_kanji>{'|'.join(k for k in _RELATIVE_DAYS if _has_kanji(k))})(?!中)"
            rf"|(?P<word_kana>{'|'.join(k for k in _RELATIVE_DAYS if _is_kana(k))}){KANA_END})"
            rf"{PERIOD_AFTER}",
            re.I,
        ),
        _relative,
    ),
    Entry(
        "date_ymd",
        re.compile(
            r"(?:(?P<era>令和|平成|昭和)\s*(?P<y>\d+|元)|(?<!\d)(?P<y2>\d+))\s*年\s*"
            rf"(?P<m>\d+)\s*月\s*(?P<d>\d+)\s*日(?!\s*[後間中目]){PERIOD_AFTER}"
        ),
        _date_ymd,
    ),
    Entry(
        "date_numeric",
        re.compile(
            rf"(?:(?<![\d/.\-a-z])(?P<era>[rhs]|令和|平成|昭和)\s*(?P<y>\d{{1,2}}|元)"
            rf"|(?<![\d/.\-])(?P<y2>\d{{4}}))"
            rf"[/.\-](?P<m>\d{{1,2}})[/.\-](?P<d>\d{{1,2}})(?![\d/.]){PERIOD_AFTER}",
            re.I,
        ),
        _date_ymd,
    ),
    Entry(
        "date_md",
        re.compile(
            r"(?:(?P<next_year>来年)|(?P<this_year>今年|本年))?\s*の?\s*"
            rf"(?<![\d.])(?P<m>\d+)\s*月\s*の?\s*(?P<d>\d+)\s*日(?!\s*[後間中目]){PERIOD_AFTER}"
        ),
        _date,
    ),
    Entry(
        "date_slash",
        re.compile(rf"(?<![\d/.:])(?P<m>\d{{1,2}})/(?P<d>\d{{1,2}})(?![\d/:]){PERIOD_AFTER}"),
        _date,
    ),
    Entry(
        "date_day",
        re.compile(rf"(?<![\d./月])(?P<d>\d{{1,2}})日(?!\s*[後間中目])(?!曜){PERIOD_AFTER}"),
        _date,
    ),
    Entry(
        "date_en_ordinal_day",
        re.compile(
            rf"(?:\bon\s+)?\bthe\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)\b(?!\s+(?:of\s+)?(?:{EN_MONTH}))"
            rf"{PERIOD_AFTER}",
            re.I,
        ),
        _date,
    ),
    Entry(
        "date_en_month_day",
        re.compile(
            rf"\b(?P<en_m>{EN_MONTH})\.?\s+(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b"
            rf"(?:,?\s*(?P<y2>\d{{4}})\b)?{PERIOD_AFTER}",
            re.I,
        ),
        _date_ymd,
    ),
    Entry(
        "date_en_day_month",
        re.compile(
            rf"(?:\bthe\s+)?(?<![\d:.])(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?"
            rf"(?P<en_m>{EN_MONTH})\b\.?(?:,?\s*(?P<y2>\d{{4}})\b)?{PERIOD_AFTER}",
            re.I,
        ),
        _date_ymd,
    ),
    Entry(
        "month_relative_day",
        re.compile(
            r"(?P<rel>再来月|来月|今月)\s*の?\s*"
            rf"(?:(?P<d>\d{{1,2}})\s*日(?!\s*[後間中目])|(?P<end>末日?|月末|最終日)){PERIOD_AFTER}"
        ),
        _month_day,
    ),
    Entry(
        "month_end",
        re.compile(rf"(?<![毎来今])(?P<end>月末){PERIOD_AFTER}"),
        lambda m: MonthDay(0, -1, period_of(m)),
    ),
    Entry(
        "nth_weekday_relative",
        re.compile(rf"(?P<rel>再来月|来月|今月)\s*の?\s*{_NTH}{PERIOD_AFTER}"),
        _nth,
    ),
    Entry(
        "nth_weekday_month",
        re.compile(rf"(?<![\d.])(?P<m>\d{{1,2}})\s*月\s*の?\s*{_NTH}{PERIOD_AFTER}"),
        _nth,
    ),
    # Days named by their festival: a day only when the message names no other (クリスマス 19時 is
    # 12/25; in 12月24日 クリスマス会 the date is the day and the word is the label).
    Entry(
        "festival",
        re.compile(
            r"(?P<name>クリスマス\s*イ[ブヴ]|クリスマス|ホワイトデー|バレンタインデー|バレンタイン|ハロウィン|七夕)"
            r"(?![ァ-ヶ一-龥ー])"
        ),
        lambda m: Festival(
            *_FESTIVALS[re.sub(r"\s|ヴ", lambda c: "" if c[0].isspace() else "ブ", m["name"])]
        ),
    ),
    Entry(
        "new_year",
        re.compile(rf"(?:元日|元旦(?![ァ-ヶ一-龥])){PERIOD_AFTER}"),
        lambda m: DateDay(None, 1, 1, period=period_of(m)),
    ),
    Entry(
        "new_years_eve",
        re.compile(rf"(?:大晦日|大みそか){PERIOD_AFTER}"),
        lambda m: DateDay(None, 12, 31, period=period_of(m)),
    ),
    Entry(
        "weekday_ja",
        re.compile(
            rf"(?P<mod>再来週|来週|今週|今度|次)?\s*の?\s*{_JA_WEEKDAY}(?!日?\s*が){PERIOD_AFTER}"
        ),
        _weekday,
    ),
    Entry(
        "weekday_en",
        re.compile(
            rf"(?:(?P<mod>next|this|coming)\s+)?(?:on\s+)?\b(?P<wd>{EN_WEEKDAY})\b\.?"
            rf"(?P<next_week>\s+(?:of\s+)?next\s+week)?{PERIOD_AFTER}",
            re.I,
        ),
        _weekday_english,
    ),
    Entry(
        "bracket_weekday",
        re.compile(
            rf"\(\s*(?:(?P<wd>[{WEEKDAY_KANJI}])(?:曜日?)?|(?P<en>{EN_WEEKDAY})\.?)\s*\)"
            r"(?!\s*[はが])",
            re.I,
        ),
        lambda m: BracketWeekday(WEEKDAY_KANJI.index(m["wd"]) if m["wd"] else _weekday_en(m["en"])),
    ),
)
