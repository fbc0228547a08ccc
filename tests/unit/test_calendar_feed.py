"""The calendar a feed serves, parsed back with icalendar: what a calendar app will show must be
what the bot will push — each series expanded as RFC 5545 says equals the bot's own rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrule, rruleset, rrulestr
from icalendar import Calendar

from bot.domain.calendar_feed import etag, render
from bot.domain.recurrence import Recurrence
from bot.domain.reminders import Kind, Reminder
from bot.settings import Settings, SettingsError

TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 12, 6, 5, 0, tzinfo=UTC)
CHAT = "U" + "c" * 32


def ms(*wall: int, zone: ZoneInfo = TOKYO) -> int:
    """Epoch ms of a wall-clock time (year, month, day, hour, minute) in `zone`."""
    year, month, day, hour, minute = wall
    return int(datetime(year, month, day, hour, minute, tzinfo=zone).timestamp() * 1000)


def parse(body: bytes) -> Calendar:
    calendar = Calendar.from_ical(body)
    assert isinstance(calendar, Calendar)
    return calendar


def events_of(calendar: Calendar) -> dict[str, Any]:
    return {str(e["UID"]).split("@")[0]: e for e in calendar.walk("VEVENT")}


def expand(event: Any, count: int) -> list[datetime]:
    """The first `count` occurrences of a parsed VEVENT, as RFC 5545 defines them."""
    start = event.decoded("DTSTART")
    if "RRULE" not in event:
        return [start]
    series = rruleset()
    rule = rrulestr(event["RRULE"].to_ical().decode(), dtstart=start)
    assert isinstance(rule, rrule)
    series.rrule(rule)
    for prop, add in (("EXDATE", series.exdate), ("RDATE", series.rdate)):
        values = event.get(prop, [])
        for value in values if isinstance(values, list) else [values]:
            for moment in value.dts:
                add(moment.dt)
    found: list[datetime] = []
    for moment in series:
        found.append(moment)
        if len(found) == count:
            break
    return found


def test_a_one_shot_and_a_timer_are_events_at_their_moment_in_the_chat_zone() -> None:
    reminders = [
        Reminder(CHAT, "onceAAAA", Kind.ONCE, ms(2026, 12, 7, 7, 0), "ゴミ出し"),
        Reminder(CHAT, "timerBBB", Kind.TIMER, ms(2026, 12, 6, 14, 3), "", "180"),
        Reminder(CHAT, "onceCCCC", Kind.ONCE, ms(2026, 12, 8, 9, 0), ""),
    ]
    calendar = parse(render(reminders, TOKYO, host="bot.example.com", now=NOW))
    assert str(calendar["X-WR-TIMEZONE"]) == "Asia/Tokyo"
    assert str(calendar["X-WR-CALNAME"]) == "LINE リマインダー"
    assert [str(z["TZID"]) for z in calendar.walk("VTIMEZONE")] == ["Asia/Tokyo"]
    events = events_of(calendar)
    assert set(events) == {"onceAAAA", "timerBBB", "onceCCCC"}
    once = events["onceAAAA"]
    assert str(once["UID"]) == "onceAAAA@bot.example.com"
    assert once.decoded("DTSTART") == datetime(2026, 12, 7, 7, 0, tzinfo=TOKYO)
    assert once["DTSTART"].params["TZID"] == "Asia/Tokyo"
    assert once.decoded("DTSTAMP") == NOW
    assert str(once["SUMMARY"]) == "ゴミ出し"
    assert "RRULE" not in once
    assert str(events["timerBBB"]["SUMMARY"]) == "タイマー"
    assert str(events["onceCCCC"]["SUMMARY"]) == "リマインダー"
    for event in events.values():
        (alarm,) = event.walk("VALARM")
        assert str(alarm["ACTION"]) == "DISPLAY"
        assert alarm.decoded("TRIGGER") == timedelta(0)
        assert str(alarm["DESCRIPTION"]) == str(event["SUMMARY"])
    assert b"TRIGGER:PT0M\r\n" in render(reminders, TOKYO, host="h", now=NOW)


RULES = [
    ("毎日 7:30", Recurrence("FREQ=DAILY;BYHOUR=7;BYMINUTE=30"), (2026, 12, 7, 7, 30)),
    (
        "平日 8:00, no holidays",
        Recurrence("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=8;BYMINUTE=0", skip_holidays=True),
        (2026, 12, 28, 8, 0),
    ),
    (
        "隔週月曜 9:00",
        Recurrence(
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0", anchor=date(2026, 11, 30)
        ),
        (2026, 12, 14, 9, 0),
    ),
    (
        "3日ごと 6:00",
        Recurrence("FREQ=DAILY;INTERVAL=3;BYHOUR=6;BYMINUTE=0", anchor=date(2026, 12, 1)),
        (2026, 12, 7, 6, 0),
    ),
    (
        "毎月最後の金曜 18:00",
        Recurrence("FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=18;BYMINUTE=0"),
        (2026, 12, 25, 18, 0),
    ),
    (
        "9時から18時まで2時間おき, until Jan 5",
        Recurrence("FREQ=DAILY;BYHOUR=9,11,13,15,17;BYMINUTE=0;UNTIL=20270105T235959"),
        (2026, 12, 30, 15, 0),
    ),
    (
        "10回 (a COUNT from its anchor)",
        Recurrence("FREQ=DAILY;COUNT=10;BYHOUR=7;BYMINUTE=0", anchor=date(2026, 12, 1)),
        (2026, 12, 4, 7, 0),
    ),
]


@pytest.mark.parametrize(("name", "rule", "armed"), RULES, ids=[r[0] for r in RULES])
@pytest.mark.parametrize("zone", [TOKYO, NEW_YORK], ids=["Tokyo", "New_York"])
def test_a_recurring_series_expands_to_exactly_the_bot_own_occurrences(
    name: str, rule: Recurrence, armed: tuple[int, int, int, int, int], zone: ZoneInfo
) -> None:
    armed_ms = ms(*armed, zone=zone)
    reminder = Reminder.recurring(CHAT, "recurAAA", armed_ms, "起きる", rule)
    event = events_of(parse(render([reminder], zone, host="h", now=NOW)))["recurAAA"]
    assert event["DTSTART"].params["TZID"] == zone.key
    armed_at = datetime.fromtimestamp(armed_ms / 1000, UTC).astimezone(zone)
    bots = [armed_at, *rule.occurrences(armed_at, zone, 59)]
    shown = expand(event, 60)
    assert [m.astimezone(UTC) for m in shown] == [m.astimezone(UTC) for m in bots]
    assert "COUNT" not in event["RRULE"]
    for until in event["RRULE"].get("UNTIL", []):
        assert until.utcoffset() == timedelta(0)  # RFC 5545: UTC with a zoned DTSTART


def test_holidays_of_a_weekday_rule_are_exdates() -> None:
    rule = Recurrence("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=8;BYMINUTE=0", skip_holidays=True)
    reminder = Reminder.recurring(CHAT, "weekdayA", ms(2026, 12, 28, 8, 0), "", rule)
    event = events_of(parse(render([reminder], TOKYO, host="h", now=NOW)))["weekdayA"]
    excluded = {moment.dt for moment in event["EXDATE"].dts}
    assert datetime(2027, 1, 1, 8, 0, tzinfo=TOKYO) in excluded  # 元日 (Fri)
    assert datetime(2027, 1, 11, 8, 0, tzinfo=TOKYO) in excluded  # 成人の日 (Mon)
    assert datetime(2027, 1, 4, 8, 0, tzinfo=TOKYO) not in excluded


def test_an_occurrence_armed_off_the_rule_is_kept_as_an_rdate() -> None:
    # Armed for 7:00 in Tokyo, then the chat moved to New York: the rule says 7:00 there, but
    # the occurrence already armed will still be pushed, so the calendar shows it too.
    rule = Recurrence("FREQ=DAILY;BYHOUR=7;BYMINUTE=0")
    armed = ms(2026, 12, 7, 7, 0, zone=TOKYO)
    reminder = Reminder.recurring(CHAT, "movedAAA", armed, "", rule)
    event = events_of(parse(render([reminder], NEW_YORK, host="h", now=NOW)))["movedAAA"]
    assert event.decoded("DTSTART") == datetime(2026, 12, 7, 7, 0, tzinfo=NEW_YORK)
    (rdate,) = event["RDATE"].dts
    assert rdate.dt.astimezone(UTC) == datetime.fromtimestamp(armed / 1000, UTC)


def test_a_zone_with_daylight_saving_gets_its_transitions() -> None:
    reminder = Reminder(CHAT, "onceAAAA", Kind.ONCE, ms(2026, 12, 7, 7, 0, zone=NEW_YORK), "x")
    calendar = parse(render([reminder], NEW_YORK, host="h", now=NOW))
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "America/New_York"
    assert {c.name for c in zone.subcomponents} == {"STANDARD", "DAYLIGHT"}


def test_no_reminders_is_an_empty_calendar_that_still_parses() -> None:
    calendar = parse(render([], TOKYO, host="h", now=NOW))
    assert calendar.walk("VEVENT") == []
    assert str(calendar["X-WR-TIMEZONE"]) == "Asia/Tokyo"


def test_the_etag_follows_the_content_not_the_clock() -> None:
    base = etag("v1", zone="Asia/Tokyo", host="h")
    assert base == etag("v1", zone="Asia/Tokyo", host="h")
    assert len({base, etag("v2", zone="Asia/Tokyo", host="h")}) == 2
    assert base != etag("v1", zone="UTC", host="h")
    assert base != etag("v1", zone="Asia/Tokyo", host="other")


def test_bot_public_url_is_a_base_url_without_its_trailing_slash() -> None:
    env = {"LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t", "REDIS_URL": "redis://x"}
    assert Settings.from_env(env).public_url is None
    with_url = {**env, "BOT_PUBLIC_URL": "https://bot.example.com/"}
    assert Settings.from_env(with_url).public_url == "https://bot.example.com"
    with pytest.raises(SettingsError, match="BOT_PUBLIC_URL"):
        Settings.from_env({**env, "BOT_PUBLIC_URL": "bot.example.com"})
