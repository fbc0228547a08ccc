"""A chat's pending reminders as the RFC 5545 calendar its private feed URL serves. Pure.

Built with `icalendar` (the maintained RFC 5545 library: escaping, line folding and the
VTIMEZONE from the IANA data are its business, not ours). Every reminder is one VEVENT:
`UID:<reminder id>@<host>` (a reminder's id never changes, so a calendar app updates the
event in place when the reminder is re-armed or its rule moves on), DTSTART in the chat's
zone with its TZID, the rule as RRULE (bot.domain.calendar_series), and an alarm at its
moment, so the phone alerts even when LINE is muted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Timezone, vDuration, vRecur

from bot.domain.calendar_series import Series, series_of
from bot.domain.reminders import Kind, Reminder

CALENDAR_NAME = "LINE リマインダー"
DEFAULT_SUMMARY = "リマインダー"
TIMER_SUMMARY = "タイマー"
PRODID = "-//line-reminder-bot//calendar feed//JA"
# How often a calendar app should fetch again (RFC 7986 REFRESH-INTERVAL and Apple's and
# Outlook's X-PUBLISHED-TTL); the route answers a repeat with 304, at one Redis call.
REFRESH = timedelta(minutes=15)
# Part of every ETag: a change to what this module renders must change it, so a calendar
# holding an old body is not told 304 after a deploy.
FORMAT_VERSION = "1"
# The VTIMEZONE covers transitions from the first event's year to this many years after it; a
# recurring event past that keeps its TZID, which calendar apps resolve with their own IANA
# data.
_ZONE_YEARS = 3


def alerts_of(reminder: Reminder) -> tuple[timedelta, ...]:
    """When the calendar app alerts, relative to the reminder's moment: one VALARM each.

    Hook: reminders have no alerts of their own yet, so each gets one at its moment. When
    they do (「1日前と1時間前」), return those offsets here (negative: before)."""
    del reminder
    return (timedelta(0),)


class _Trigger(vDuration):
    """TRIGGER as PT0M (icalendar writes a zero duration as P0D, also valid, but PT0M is the
    form calendar apps themselves write for an alert at the event's time)."""

    def to_ical(self) -> bytes:
        if self.td == timedelta(0):
            return b"PT0M"
        return bytes(super().to_ical())  # type: ignore[no-untyped-call]  # (icalendar untyped)


def summary_of(reminder: Reminder) -> str:
    if reminder.label:
        return reminder.label
    return TIMER_SUMMARY if reminder.kind is Kind.TIMER else DEFAULT_SUMMARY


def etag(version: str, *, zone: str, host: str) -> str:
    """The ETag of a feed (without quotes): everything it is rendered from but the clock,
    which only sets DTSTAMP (so it is a weak ETag: same content, not the same bytes)."""
    seed = "\n".join((FORMAT_VERSION, zone, host, version))
    return hashlib.sha256(seed.encode()).hexdigest()[:32]


def render(reminders: Iterable[Reminder], zone: ZoneInfo, *, host: str, now: datetime) -> bytes:
    """The VCALENDAR of these reminders, in `zone` (the chat's), stamped `now`."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", CALENDAR_NAME)
    calendar.add("x-wr-calname", CALENDAR_NAME)
    calendar.add("x-wr-timezone", zone.key)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    stamp = now.astimezone(UTC).replace(microsecond=0)
    starts = []
    for reminder in reminders:
        series = series_of(reminder, zone)
        starts.append(series.start)
        calendar.add_component(_event(reminder, series, host, stamp))
    if starts:
        _add_zones(calendar, min(starts).year)
    return bytes(calendar.to_ical())


def _add_zones(calendar: Calendar, first_year: int) -> None:
    """Calendar.add_missing_timezones, with each VTIMEZONE made once per zone and year: the
    library derives it from the tz database in ~60 ms, longer than the rest of a feed."""
    for tzid in sorted(calendar.get_missing_tzids()):
        component = _zone_component(tzid, first_year)
        if component is not None:
            calendar.subcomponents.insert(0, component)


@lru_cache(maxsize=64)
def _zone_component(tzid: str, first_year: int) -> Timezone | None:
    # Shared by every feed (and thread) that needs it: serialising never changes it.
    last = date(first_year + _ZONE_YEARS, 12, 31)
    try:
        return Timezone.from_tzid(tzid, first_date=date(first_year, 1, 1), last_date=last)
    except ValueError:
        return None  # a zone the library cannot describe: its TZID alone still names it


def _event(reminder: Reminder, series: Series, host: str, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", f"{reminder.id}@{host}")
    event.add("dtstamp", stamp)
    event.add("dtstart", series.start)
    if series.rule:
        event.add("rrule", vRecur.from_ical(series.rule))
    if series.exdates:
        event.add("exdate", list(series.exdates))
    if series.rdates:
        event.add("rdate", list(series.rdates))
    summary = summary_of(reminder)
    event.add("summary", summary)
    # A reminder is a moment, not a meeting: it does not make the user busy.
    event.add("transp", "TRANSPARENT")
    for offset in alerts_of(reminder):
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary)  # RFC 5545: a DISPLAY alarm must have one
        alarm.add("trigger", _Trigger(offset))
        event.add_component(alarm)
    return event


@dataclass(frozen=True, slots=True)
class ChatSnapshot:
    """A chat's hash as one feed request read it. `version`: a digest of every field and
    value, so anything that changes the reminders or the zone changes it."""

    chat_id: str
    timezone: str | None
    reminders: list[Reminder]
    version: str
