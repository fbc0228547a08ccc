"""A reminder as the series a calendar app shows: its start, RRULE, EXDATEs and RDATEs. Pure.

The stored rule (bot.domain.recurrence) is an RRULE on the chat's wall clock with two
additions a calendar does not know: X-HOL (skip Japanese public holidays) and X-FROM (the
anchor date an interval counts from). Here they become RFC 5545:

- DTSTART is the first occurrence of the rule at or after the occurrence the reminder is armed
  for, so an interval (隔週, 3日ごと) keeps its phase without the anchor: every occurrence of a
  series is as good a start as its first. The armed occurrence itself, if the rule would not
  give it (armed before the chat changed zone), is added as an RDATE, so what will be pushed
  is always on the calendar.
- UNTIL is stored as a floating local time; with a TZID start RFC 5545 wants it in UTC. A
  COUNT (never written by today's parser, but readable) counts from the anchor, so it becomes
  the UNTIL of its last occurrence.
- X-HOL becomes one EXDATE per holiday occurrence in the next HOLIDAY_HORIZON_DAYS: a
  calendar polls the feed, and each re-arm of the reminder moves the horizon along.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from bot.domain.holidays import is_japanese_holiday
from bot.domain.recurrence import Recurrence, localize
from bot.domain.reminders import Kind, Reminder

HOLIDAY_HORIZON_DAYS = 400
# Bounds the walk through a rule's candidates (2 h × 400 days is 4,800): a rule dense enough to
# need more gets no holiday EXDATE past that point, never an unbounded loop in a request.
_MAX_CANDIDATES = 20_000


@dataclass(frozen=True, slots=True)
class Series:
    """`start` aware in the chat's zone; `rule` the RRULE text (UNTIL in UTC) or "" for a
    one-shot; `exdates` / `rdates` aware in the chat's zone."""

    start: datetime
    rule: str = ""
    exdates: tuple[datetime, ...] = ()
    rdates: tuple[datetime, ...] = ()


def moment_of(ms: int, zone: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(zone)


def series_of(reminder: Reminder, zone: ZoneInfo) -> Series:
    """What the calendar shows for one pending reminder."""
    armed = moment_of(reminder.occurrence_ms, zone)
    if reminder.kind is not Kind.RECURRING:
        return Series(armed)
    try:
        rule = reminder.rule()
    except ValueError:
        return Series(armed)  # unreadable rule: at least the occurrence that will be pushed
    first = rule.next_after(armed - timedelta(milliseconds=1), zone)
    if first is None:
        return Series(armed)  # the rule has ended: this occurrence is its last
    body = _utc_until(_without_count(rule), zone)
    exdates = _holidays_in(body, first, zone) if rule.skip_holidays else ()
    rdates = () if first == armed else (armed,)
    return Series(first, body, exdates, rdates)


def _parts(rule: str) -> list[tuple[str, str]]:
    return [(name, value) for name, _, value in (part.partition("=") for part in rule.split(";"))]


def _join(parts: list[tuple[str, str]]) -> str:
    return ";".join(f"{name}={value}" for name, value in parts)


def _without_count(rule: Recurrence) -> str:
    """The RRULE body with a COUNT turned into the UNTIL of its last occurrence (counted, as
    the bot counts it, from the anchor)."""
    parts = _parts(rule.rule)
    count = next((int(value) for name, value in parts if name == "COUNT"), 0)
    if not count or rule.anchor is None or count > _MAX_CANDIDATES:
        return rule.rule  # (a Recurrence with a COUNT always has its anchor)
    counted = rrulestr(rule.rule, dtstart=datetime.combine(rule.anchor, time()))
    assert isinstance(counted, rrule)
    last = list(counted)[-1]
    kept = [(name, value) for name, value in parts if name != "COUNT"]
    return _join([*kept, ("UNTIL", last.strftime("%Y%m%dT%H%M%S"))])


def _utc_until(rule: str, zone: ZoneInfo) -> str:
    """UNTIL as UTC (RFC 5545 3.3.10: with a zoned DTSTART it must be); stored, it is local."""
    return _join(
        [(name, _until_in_utc(v, zone) if name == "UNTIL" else v) for name, v in _parts(rule)]
    )


def _until_in_utc(value: str, zone: ZoneInfo) -> str:
    if value.endswith("Z"):
        return value
    if "T" in value:
        local = datetime.strptime(value, "%Y%m%dT%H%M%S")
    else:  # a date: the rule runs through that whole day
        local = datetime.combine(datetime.strptime(value, "%Y%m%d"), time(23, 59, 59))
    return localize(local, zone).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _holidays_in(rule: str, first: datetime, zone: ZoneInfo) -> tuple[datetime, ...]:
    """The occurrences of `rule` from `first` that fall on a Japanese public holiday."""
    walls = _holiday_walls(_floating(rule, zone), first.replace(tzinfo=None))
    return tuple(localize(wall, zone) for wall in walls)


@lru_cache(maxsize=1024)
def _holiday_walls(rule: str, first: datetime) -> tuple[datetime, ...]:
    # Walking a year of a rule's candidates takes ~3 ms, and many reminders share a rule and
    # its next day (平日 8:00): walk each once.
    walk = rrulestr(rule, dtstart=first)
    assert isinstance(walk, rrule)
    end = first + timedelta(days=HOLIDAY_HORIZON_DAYS)
    found = []
    for candidate in islice(walk.xafter(first, inc=True), _MAX_CANDIDATES):
        if candidate > end:
            break
        if is_japanese_holiday(candidate.date()):
            found.append(candidate)
    return tuple(found)


def _floating(rule: str, zone: ZoneInfo) -> str:
    """The rule with its UTC UNTIL back on the wall clock, for dateutil's naive walk."""
    return _join(
        [(name, _until_local(v, zone) if name == "UNTIL" else v) for name, v in _parts(rule)]
    )


def _until_local(value: str, zone: ZoneInfo) -> str:
    moment = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return moment.astimezone(zone).strftime("%Y%m%dT%H%M%S")
