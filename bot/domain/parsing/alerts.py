"""Alerts before an event (30分前にも, 1日前と1時間前に, remind me 15 min before) and
reminding until done (完了するまで, 5分おきに完了するまで, until done)."""

from __future__ import annotations

import re

from bot.domain.intents import Nag
from bot.domain.parsing.fragments import Before
from bot.domain.parsing.registry import Entry

_BEFORE = re.compile(
    r"(?<![\d.時])(?P<n>\d+)\s*(?P<unit>分|時間|日)\s*前\s*(?:にも|に|も)?(?=[\s、,・と]|教|知|お|リ|連|通|$)"
    r"|(?<![\d.])(?P<n_en>\d+)\s*(?P<unit_en>minutes?|mins?|hours?|hrs?|days?)\s+before\b",
    re.IGNORECASE,
)
_SECONDS_PER = {"分": 60, "時間": 3600, "日": 86400}


def _before(match: re.Match[str]) -> Before:
    if match["n"]:
        return Before(int(match["n"][:6]) * _SECONDS_PER[match["unit"]])
    unit = match["unit_en"].lower()
    per = 86400 if unit.startswith("d") else 3600 if unit.startswith("h") else 60
    return Before(int(match["n_en"][:6]) * per)


_NAG = re.compile(
    r"(?:(?P<every>\d{1,4})\s*分\s*(?:おき|置き|ごと|毎)に?\s*)?"
    r"(?:完了する|完了|終わる|終わ|done\s*する)まで(?:\s*(?:繰り返し|くりかえし|何度でも))?"
    r"(?:\s*(?:最大)?\s*(?P<times>\d{1,3})\s*回(?:まで)?)?"
    r"|until\s+(?:it'?s\s+|i'?m\s+)?done(?:\s*,?\s*every\s+(?P<every_en>\d{1,4})\s*min(?:ute)?s?)?",
    re.IGNORECASE,
)


def _nag(match: re.Match[str]) -> Nag:
    every = match["every"] or match["every_en"]
    times = match["times"]
    return Nag(int(every) if every else 10, int(times) if times else 6)


ENTRIES = (
    Entry("before", _BEFORE, _before),
    Entry("until_done", _NAG, _nag),
)
