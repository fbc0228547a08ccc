"""What looks like time and is not (毎日新聞, 十分な, 一時的, 朝食, 3日目, 1日中, 3回に1回,
元旦マラソン, 090-1234-5678, 1,980円, v2.3.1), what speaks of the past (昨日, 先週, 3日前,
5 days ago).

A look-alike claims its span with the highest priority, so no time form reads inside it; its
text stays in the label. The negative corpus in tests/unit/test_parsing_table.py holds them.
"""

from __future__ import annotations

import re

from bot.domain.parsing.fragments import NotTime, Past
from bot.domain.parsing.registry import NOT_TIME, Entry

_MEALS_AND_WORDS = (
    "朝食|朝ごはん|朝ご飯|朝御飯|朝飯|朝礼|朝刊|朝活|朝練|朝日|朝顔|朝市|朝焼け|朝風呂|朝晩"
    "|昼食|昼ごはん|昼ご飯|昼御飯|昼飯|昼休み|昼寝|昼間|昼下がり"
    "|夕食|夕飯|夕ごはん|夕ご飯|夕刊|夕日|夕焼け|夕立"
    "|夜食|夜ごはん|夜ご飯|夜勤|夜景|夜更かし|夜行|夜空|夜中"
    "|晩ごはん|晩ご飯|晩御飯|晩飯|晩酌|午後の紅茶|午前様"
)
_NOT_TIME = (
    r"毎日新聞|毎日放送|毎日コミュニケーションズ|毎朝新聞|毎週刊"
    r"|十分[なにだでで]|十分す|充分|一時的|一時停止|一時保存|一時帰国|一時金|一時休止|三日月|三日坊主"
    r"|(?<![\d.])\d+\s*日目|(?<![\d.])\d+\s*日中|一日中|1日中|(?<![\d.])\d+\s*回目"
    r"|(?<![\d.])\d+\s*回に\s*\d+\s*回|(?<![\d.])\d+\s*時間目|(?<![\d.])\d+\s*年生|(?<![\d.])\d+\s*年目"
    r"|(?:元旦|元日|大晦日|大みそか)(?=[ァ-ヶ一-龥ー])"
    r"|(?<![\d.])\d+\s*分の\s*\d+|週休\s*\d+\s*日|(?<![\d.])\d+\s*時限"
    r"|\d+\s*時間(?=営業|テレビ|体制|対応|稼働|勤務|放送|保育|受付|監視|換気|以内|以上|未満)"
    rf"|{_MEALS_AND_WORDS}"
    r"|(?<![\d-])\d{2,4}-\d{2,4}-\d{3,4}(?![\d-])"  # phone numbers
    r"|\+\d{1,3}[\s-]?\d{1,4}(?:[\s-]?\d{2,4}){1,3}"
    r"|[¥$€£]\s*\d[\d,]*(?:\.\d+)?|(?<![\d.])\d[\d,]*(?:\.\d+)?\s*(?:円|ドル|yen|dollars?)"
    r"|\bv?\d+(?:\.\d+){2,}\b|\bv\d+(?:\.\d+)?\b"  # versions
    r"|(?<![\d.])\d+(?:\.\d+)?\s*%"
    r"|\b(?:good\s+)?(?:morning|evening|night)\s+(?:everyone|all)\b|\bgood\s+(?:morning|night|evening)\b"
)
_UNITS_AGO = r"(?:分|時間|日|週間|週|か月|ヶ月|ケ月|カ月|年)"
_PAST = (
    r"一昨日|おととい|昨日|きのう|昨夜|昨晩|先週|先月|去年|昨年|一昨年|おととし|先日"
    rf"|(?<![\d.])\d+\s*{_UNITS_AGO}\s*前(?!\s*(?:に|から|まで|と|も|、|・))"
    r"|\byesterday\b|\blast\s+(?:night|week|month|year|monday|tuesday|wednesday|thursday"
    r"|friday|saturday|sunday)\b(?!\s+of)|\b\d+\s*(?:minutes?|mins?|hours?|hrs?|days?|weeks?|months?"
    r"|years?)\s+ago\b|\ban?\s+(?:hour|minute|day|week|month|year)\s+ago\b"
)
ENTRIES = (
    Entry("not_time", re.compile(_NOT_TIME, re.I), lambda match: NotTime(), NOT_TIME),
    Entry("past", re.compile(_PAST, re.I), lambda match: Past()),
)
