"""What looks like time and is not (毎日新聞, 十分な, 一時的, 朝食, 3日目, 1日中, 3回に1回,
元旦マラソン, 090-1234-5678, 1,980円, v2.3.1), what speaks of the past (昨日, 先週, 3日前,
5 days ago).

A look-alike claims its span with the highest priority, so no time form reads inside it; its
text stays in the label. The negative corpus in tests/unit/test_parsing_table.py holds them.
"""

from __future__ import annotations

import re

from bot.domain.parsing.compounds import COMPOUNDS
from bot.domain.parsing.fragments import NotTime, Past
from bot.domain.parsing.registry import NOT_TIME, Entry

_NOT_TIME = (
    r"毎日新聞|毎日放送|毎日コミュニケーションズ|毎朝新聞|毎週刊"
    r"|十分[なにだでで]|十分す|充分|一時的|一時停止|一時保存|一時帰国|一時金|一時休止|三日月|三日坊主"
    r"|(?<![\d.])\d+\s*(?:分|秒|時間|日|週|週間|か月|ヶ月|年|回|番)目|(?<![\d.])\d+\s*日中|一日中"
    r"|週\s*\d+\s*(?:日|回|時間)|(?:年|月|週)に\s*\d+\s*(?:日|回|度)"
    r"|こんばんは|こんにちは|おはよう(?:ございます)?"
    r"|(?<![\d.])\d+\s*(?:時間|分間|日間|週間|か月間|ヶ月間|年間)の(?=[^\s\d後前])"
    r"|(?<![\d.])\d+\s*回に\s*\d+\s*回|(?<![\d.])\d+\s*時間目|(?<![\d.])\d+\s*年生|(?<![\d.])\d+\s*年目"
    r"|(?:元旦|元日|大晦日|大みそか)(?=[ァ-ヶ一-龥ー])"
    r"|(?<![\d.])\d+\s*分の\s*\d+|週休\s*\d+\s*日|(?<![\d.])\d+\s*時限"
    r"|(?<![\d.])\d+\s*時間(?=営業|テレビ|体制|対応|稼働|勤務|放送|保育|受付|監視|換気|以内|以上|未満)"
    rf"|{COMPOUNDS}"
    r"|(?<![\d-])\d{2,4}-\d{2,4}-\d{3,4}(?![\d-])"  # phone numbers
    r"|\+\d{1,3}[\s-]?\d{1,4}(?:[\s-]?\d{2,4}){1,3}"
    r"|[¥$€£]\s*\d[\d,]*(?:\.\d+)?|(?<![\d.])\d[\d,]*(?:\.\d+)?\s*(?:円|ドル|yen|dollars?)"
    r"|\bv?\d+(?:\.\d+){2,}\b|\bv\d+(?:\.\d+)?\b"  # versions
    r"|(?<![\d.])\d+(?:\.\d+)?\s*%"
    r"|\b(?:good\s+)?(?:morning|evening|night)\s+(?:everyone|all)\b|\bgood\s+(?:morning|night|evening)\b"
)
_UNITS_AGO = r"(?:分|時間|日|週間|週|か月|ヶ月|ケ月|カ月|年)"
_PAST = (
    r"一昨日|おととい|昨日|きのう|昨夜|昨晩|ゆうべ|先々週|先々月|先週|先月|去年|昨年|一昨年|おととし"
    r"|先日|過去|せんしゅう|せんげつ|きょねん|さくじつ|前の\s*(?:[月火水木金土日]曜日?|週|月)"
    rf"|(?<![\d.])\d+\s*{_UNITS_AGO}\s*前(?!\s*(?:に|から|まで|と|も|、|・))"
    r"|\byesterday\b|\blast\s+(?:night|week|month|year|monday|tuesday|wednesday|thursday"
    r"|friday|saturday|sunday)\b(?!\s+of)|\b\d+\s*(?:minutes?|mins?|hours?|hrs?|days?|weeks?|months?"
    r"|years?)\s+ago\b|\ban?\s+(?:hour|minute|day|week|month|year)\s+ago\b"
)
ENTRIES = (
    Entry("not_time", re.compile(_NOT_TIME, re.I), lambda match: NotTime(), NOT_TIME),
    Entry("past", re.compile(_PAST, re.I), lambda match: Past()),
)
