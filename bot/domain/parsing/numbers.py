"""Folding what users type into one spelling: NFKC, then kanji numerals into digits.

Kanji numerals are only rewritten where a number is expected — before a unit or date word
(十五分, 三時, 二月, 三日後) or after 第 — so labels such as 一緒に or 一覧 keep their kanji.
"""

from __future__ import annotations

import re
import unicodedata

_KANJI_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_KANJI_POWERS = {"十": 10, "百": 100, "千": 1000}
_KANJI_NUMBER = "[〇零一二三四五六七八九十百千]+"
_NUMBER_BEFORE_UNIT = re.compile(
    rf"(?<=第){_KANJI_NUMBER}|{_KANJI_NUMBER}(?=\s*(?:時|分|秒|日|週|ヶ月|か月|カ月|ケ月|月|年|番|回))"
)
# Kanji numerals that are words, not numbers: 十分な (enough), 一時的 (temporary), 三日月.
_KEEP_AS_WORD = re.compile(
    r"十分(?=[なにだで]|す|足|過)|充分|一時(?=的|停止|保存|帰国|金|休止|預)|三日月|三日坊主"
    r"|一日中|一月中"
)
_EN_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "forty-five": 45, "fifty": 50, "sixty": 60,
    "ninety": 90,
}  # fmt: skip
_EN_UNIT = r"(?=\s+(?:minutes?|mins?|hours?|hrs?|days?|weeks?|seconds?|secs?|times)\b)"
_EN_PHRASES = (
    (re.compile(r"\b(?:an?|one)\s+hour\s+and\s+a\s+half\b", re.I), "90 minutes"),
    (re.compile(r"\b(\d+)\s+and\s+a\s+half\s+hours\b", re.I), r"\1.5 hours"),
    (re.compile(r"\bhalf\s+an?\s+hour\b", re.I), "30 minutes"),
    (re.compile(r"\b(?:a\s+)?quarter\s+(?:of\s+an\s+)?hour\b", re.I), "15 minutes"),
    (re.compile(r"\ba\s+couple\s+(?:of\s+)?" + _EN_UNIT.replace("(?=\\s+", "(?="), re.I), "2 "),
    (re.compile(r"\b(?:an?|one)\s+(?=(?:minute|hour|day|week|second)\b)", re.I), "1 "),
    (
        re.compile(
            r"\b(" + "|".join(sorted(_EN_NUMBERS, key=len, reverse=True)) + r")\b" + _EN_UNIT,
            re.I,
        ),
        None,
    ),
)


def kanji_to_int(numeral: str) -> int:
    """十五 → 15, 二十 → 20, 百二 → 102, 二〇二七 → 2027 (digit by digit without 十百千)."""
    if not any(ch in _KANJI_POWERS for ch in numeral):
        return int("".join(str(_KANJI_DIGITS[ch]) for ch in numeral))
    total = 0
    pending = 0
    for ch in numeral:
        if ch in _KANJI_POWERS:
            total += (pending or 1) * _KANJI_POWERS[ch]
            pending = 0
        else:
            pending = pending * 10 + _KANJI_DIGITS[ch]
    return total + pending


def fold(text: str) -> str:
    """NFKC (full-width digits, letters and spaces to ASCII), trimmed."""
    return unicodedata.normalize("NFKC", text).strip()


def digits_for_kanji(text: str) -> str:
    """Rewrite kanji numerals that stand before a unit (or after 第) as ASCII digits, except
    where they are part of a word (十分な, 一時的)."""
    kept = [(m.start(), m.end()) for m in _KEEP_AS_WORD.finditer(text)]

    def rewrite(match: re.Match[str]) -> str:
        if any(start <= match.start() < end for start, end in kept):
            return match[0]
        return str(kanji_to_int(match[0]))

    return _NUMBER_BEFORE_UNIT.sub(rewrite, text)


def fold_english(text: str) -> str:
    """English number words in durations as digits: "twenty minutes" → "20 minutes", "an
    hour and a half" → "90 minutes", "a couple of minutes" → "2 minutes"."""
    if text.isascii() is False and not any("a" <= ch.lower() <= "z" for ch in text):
        return text
    for pattern, replacement in _EN_PHRASES:
        if replacement is None:
            text = pattern.sub(lambda m: str(_EN_NUMBERS[m[1].lower()]), text)
        else:
            text = pattern.sub(replacement, text)
    return text
