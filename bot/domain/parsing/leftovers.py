"""The check after extraction: does what no fragment covered still read as time?

If it does, the message said something about when that no reading used (`来月の会議` with
来月 alone, `10時 or 11時`), and any reminder set from it would be a guess: the bot asks.
"""

from __future__ import annotations

import re

from bot.domain.parsing.days import EN_MONTH, EN_WEEKDAY, WEEKDAY_KANJI

_TIME_LIKE = re.compile(
    r"(?<!\d)\d+\s*(?:時|分|秒|日|月|年|週|ヶ月|か月|カ月|ケ月|時間)(?:前|過ぎ|すぎ)?"
    r"|来月|今月|再来月|来年|今年|再来年|先週|先月|昨日|一昨日|今週|来週|再来週|週末|月末|年末|月初"
    r"|(?<!\d)\d+\s*[、,~〜]\s*$"  # 2、3分, 5〜10分: a range (the piece before the time)
    r"|午前|午後|夕方|深夜|真夜中|夜中|正午|今日中|本日中|今週中|今月中|明日中"
    r"|(?<![一-龥])(?:朝|昼|夜|晩)(?=$|[\s\d、,。!?]|に|の|は|から|まで|頃|ごろ)"
    rf"|[{WEEKDAY_KANJI}]曜|\([{WEEKDAY_KANJI}]\)"
    r"|(?:げつ|か|すい|もく|きん|ど|にち)ようび"
    r"|\d\s*(?:時|分|日)?\s*(?:前|まで|おき|置き|ごと|毎)|(?<!\d)\d+\s*回"
    r"|\d\s*[ap]\.?m\b|\b[ap]\.?m\.?\s*\d|\d\s*(?:min|mins|minutes?|hours?|hrs?|days?|weeks?)\b"
    rf"|\b(?:{EN_MONTH})\.?\s+\d|(?<!\d)\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{EN_MONTH})\b"
    rf"|\b(?:{EN_WEEKDAY})\b"
    r"|毎日|毎週|毎月|毎年|毎朝|毎晩|隔週"
    r"|(?<![a-z])(?:jan|feb|apr|jun|jul|aug|sep|sept|oct|nov|dec|january|february|april|june"
    r"|july|august|september|october|november|december)(?![a-z])"
    r"|\b(?:yesterday|tomorrow|tonight|today|ago|noon|midnight|next\s+week|next\s+month)\b"
    r"|(?<!\d)\d{1,2}:\d{2}|(?<!\d)\d{1,2}/\d{1,2}",
    re.IGNORECASE,
)


def time_like_spans(piece: str) -> list[tuple[int, int]]:
    """The spans of `piece` that read as time."""
    return [match.span() for match in _TIME_LIKE.finditer(piece)]
