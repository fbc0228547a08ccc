"""Checks on a reading before it is trusted: the past word that owns a time (昨日の6時), a
weekday that is a sentence's subject (月曜は憂うつ), a day in a past-tense sentence (日曜日は
楽しかった), and a weekday that contradicts its date (6月4日(木) on a Friday)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from bot.domain.intents import AskWhich, Intent, OutOfRange, Reminding, RemindOnce
from bot.domain.parsing.fragments import ClockTime, Day, NotTime, Past, WeekdayDay
from bot.domain.parsing.pieces import Pieces
from bot.domain.recurrence import localize, zone_of

_PAST_TENSE = re.compile(r"(?:った|かった|でした|ました|だった|ませんでした)[\s!?。.ね よ]*$")
_JOINED = re.compile(r"\s*の?\s*")
_SUBJECT = re.compile(r"\s*(?:は|って|が|も)(?!\s*\d)\s*\S")


def time_beside(pieces: Pieces, past: list[tuple[int, Past]]) -> bool:
    skip = {index for index, _ in past}
    return any(
        i not in skip and not isinstance(f.fragment, NotTime) for i, f in enumerate(pieces.found)
    )


def past_owns_the_time(pieces: Pieces, past: list[tuple[int, Past]]) -> bool:
    """A past word right before another time word (昨日の6時, 先週の金曜) makes it past too;
    apart from it (先日の件 明日10時) the past word is only part of the message, which the
    bot then asks about rather than read as the past or as a reminder."""
    for index, _ in past:
        end = pieces.found[index].end
        for other in pieces.found[index + 1 :]:
            if not isinstance(other.fragment, NotTime) and _JOINED.fullmatch(
                pieces.text[end : other.start]
            ):
                return True
    return False


def said_of(pieces: Pieces, days: list[tuple[int, Day]]) -> Intent | None:
    """A weekday with no time that is the subject of a sentence (月曜は憂うつ, 土曜日って最高)
    is asked about; a day in a sentence in the past tense (日曜日は楽しかった) is the past."""
    if not days or pieces.of(ClockTime):
        return None
    index, day = days[0]
    after = pieces.text[pieces.found[index].end :]
    if _PAST_TENSE.search(after):
        return OutOfRange("in_the_past")
    if isinstance(day, WeekdayDay) and _SUBJECT.match(after):
        return AskWhich("ambiguous", "")
    return None


def weekday_mismatch(moment: datetime, wanted: int) -> AskWhich:
    """`6月4日(木)` when the 4th is a Friday: the date as typed, or the nearest day that is
    the weekday typed (within three days either side)."""
    shift = (wanted - moment.weekday() + 3) % 7 - 3
    other = localize(moment.replace(tzinfo=None) + timedelta(days=shift), zone_of(moment))
    readings: list[Reminding] = [RemindOnce(moment, "")]
    if other.date() != moment.date():
        readings.append(RemindOnce(other, ""))
    return AskWhich("weekday_mismatch", "", tuple(readings))
