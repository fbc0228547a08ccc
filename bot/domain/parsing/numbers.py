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
    rf"(?<=第){_KANJI_NUMBER}|{_KANJI_NUMBER}(?=\s*(?:時|分|秒|日|週|ヶ月|か月|カ月|ケ月|月|年|番))"
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
    """Rewrite kanji numerals that stand before a unit (or after 第) as ASCII digits."""
    return _NUMBER_BEFORE_UNIT.sub(lambda match: str(kanji_to_int(match[0])), text)
