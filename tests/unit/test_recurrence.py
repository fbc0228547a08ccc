"""Recurrence: RRULE on the chat's wall clock, holidays, anchors, DST, encoding."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.holidays import is_japanese_holiday
from bot.domain.intents import RemindRecurring
from bot.domain.parsing import read_message
from bot.domain.recurrence import Recurrence, localize

TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=8;BYMINUTE=0"


def tokyo(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TOKYO)


def test_localize_moves_a_gap_time_forward_by_the_gap() -> None:
    moment = localize(datetime(2027, 3, 14, 2, 30), NEW_YORK)
    assert moment.isoformat() == "2027-03-14T03:30:00-04:00"


def test_localize_takes_the_first_of_an_ambiguous_time() -> None:
    moment = localize(datetime(2027, 11, 7, 1, 30), NEW_YORK)
    assert moment.isoformat() == "2027-11-07T01:30:00-04:00"


def test_weekdays_skip_holidays_and_substitute_holidays() -> None:
    rule = Recurrence(WEEKDAYS, skip_holidays=True)
    got = rule.occurrences(tokyo(2026, 5, 1, 9), TOKYO, 3)
    # 5-4 みどりの日, 5-5 こどもの日, 5-6 振替休日 (5-3 fell on a Sunday).
    assert [moment.date() for moment in got] == [date(2026, 5, 7), date(2026, 5, 8),
                                                 date(2026, 5, 11)]
    plain = Recurrence(WEEKDAYS)
    assert plain.next_after(tokyo(2026, 5, 1, 9), TOKYO) == tokyo(2026, 5, 4, 8)


def test_holiday_calendar() -> None:
    assert is_japanese_holiday(date(2027, 1, 11))  # 成人の日
    assert is_japanese_holiday(date(2026, 5, 6))  # 振替休日
    assert not is_japanese_holiday(date(2027, 1, 12))


def test_every_other_week_counts_from_its_anchor() -> None:
    rule = Recurrence("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0",
                      anchor=date(2027, 1, 4))
    got = rule.occurrences(tokyo(2027, 1, 12), TOKYO, 3)
    assert [moment.date() for moment in got] == [date(2027, 1, 18), date(2027, 2, 1),
                                                 date(2027, 2, 15)]


def test_the_31st_skips_short_months_and_month_end_does_not() -> None:
    the_31st = Recurrence("FREQ=MONTHLY;BYMONTHDAY=31;BYHOUR=9;BYMINUTE=0")
    got = the_31st.occurrences(tokyo(2027, 1, 31, 10), TOKYO, 3)
    assert [moment.date() for moment in got] == [date(2027, 3, 31), date(2027, 5, 31),
                                                 date(2027, 7, 31)]
    month_end = Recurrence("FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=18;BYMINUTE=0")
    got = month_end.occurrences(tokyo(2027, 1, 31, 19), TOKYO, 3)
    assert [moment.date() for moment in got] == [date(2027, 2, 28), date(2027, 3, 31),
                                                 date(2027, 4, 30)]


def test_leap_day_rule_fires_in_leap_years_only() -> None:
    rule = Recurrence("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYHOUR=9;BYMINUTE=0")
    got = rule.occurrences(tokyo(2027, 3, 1), TOKYO, 2)
    assert [moment.date() for moment in got] == [date(2028, 2, 29), date(2032, 2, 29)]


def test_daily_rule_across_dst_keeps_the_wall_clock() -> None:
    rule = Recurrence("FREQ=DAILY;BYHOUR=2;BYMINUTE=30")
    got = rule.occurrences(datetime(2027, 3, 13, 12, tzinfo=NEW_YORK), NEW_YORK, 3)
    assert [moment.isoformat() for moment in got] == [
        "2027-03-14T03:30:00-04:00", "2027-03-15T02:30:00-04:00", "2027-03-16T02:30:00-04:00",
    ]
    back = Recurrence("FREQ=DAILY;BYHOUR=1;BYMINUTE=30")
    # 01:30 EDT has passed; 01:30 EST (the same wall clock again) is not a second occurrence.
    after_first = datetime(2027, 11, 7, 1, 45, tzinfo=NEW_YORK)
    assert back.next_after(after_first, NEW_YORK) == datetime(2027, 11, 8, 1, 30,
                                                                tzinfo=NEW_YORK)


def test_the_zone_is_passed_in_so_a_new_zone_keeps_the_wall_clock() -> None:
    rule = Recurrence("FREQ=DAILY;BYHOUR=7;BYMINUTE=30")
    moment = tokyo(2026, 12, 1, 10)
    assert rule.next_after(moment, TOKYO) == tokyo(2026, 12, 2, 7, 30)
    in_new_york = rule.next_after(moment, NEW_YORK)
    assert in_new_york is not None
    assert in_new_york.isoformat() == "2026-12-01T07:30:00-05:00"


def test_an_ended_rule_has_no_next() -> None:
    rule = Recurrence("FREQ=DAILY;UNTIL=20270101T000000;BYHOUR=9;BYMINUTE=0")
    assert rule.next_after(tokyo(2026, 12, 30, 10), TOKYO) == tokyo(2026, 12, 31, 9)
    assert rule.next_after(tokyo(2027, 1, 5), TOKYO) is None
    assert rule.occurrences(tokyo(2027, 1, 5), TOKYO, 3) == []


@pytest.mark.parametrize(("rule", "words"), [
    (Recurrence("FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=7;BYMINUTE=0"), "毎週 月・水・金 7:00"),
    (Recurrence(WEEKDAYS, skip_holidays=True), "平日(祝日を除く) 8:00"),
    (Recurrence("FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=18;BYMINUTE=0"), "毎月末 18:00"),
    (Recurrence("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0", anchor=date(2027, 1, 4)),
     "隔週 月曜 9:00"),
    (Recurrence("FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=3;BYHOUR=9;BYMINUTE=0"), "毎年 3月3日 9:00"),
    (Recurrence("FREQ=DAILY;BYHOUR=7;BYMINUTE=30"), "毎日 7:30"),
    (Recurrence("FREQ=WEEKLY;BYDAY=SA,SU;BYHOUR=10;BYMINUTE=0"), "土日 10:00"),
    (Recurrence("FREQ=MONTHLY;BYDAY=+2TU;BYHOUR=9;BYMINUTE=0"), "毎月 第2火曜 9:00"),
    (Recurrence("FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0"), "毎月 1日 9:00"),
    (Recurrence("FREQ=MONTHLY;BYMONTHDAY=1,15;BYHOUR=10;BYMINUTE=0"), "毎月 1日・15日 10:00"),
])
def test_describe_ja(rule: Recurrence, words: str) -> None:
    assert rule.describe_ja() == words


def test_encoding_is_short_ascii_and_round_trips() -> None:
    rule = Recurrence("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0",
                      skip_holidays=True, anchor=date(2027, 1, 4))
    text = rule.encode()
    assert text == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0;X-HOL;X-FROM=20270104"
    assert Recurrence.decode(text) == rule
    assert Recurrence(WEEKDAYS).encode() == WEEKDAYS


@pytest.mark.parametrize("garbage", [
    "", "garbage", "FREQ=SECONDLY;BYHOUR=1;BYMINUTE=0", "FREQ=DAILY",
    "FREQ=DAILY;BYHOUR=25;BYMINUTE=0",
    "FREQ=DAILY;BYHOUR=1;BYMINUTE=0|x", "FREQ=DAILY;BYHOUR=1;BYMINUTE=0\nX",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0",  # an interval needs its anchor
    "FREQ=DAILY;BYHOUR=1;BYMINUTE=0;X-FROM=2027", "FREQ=DAILY;BYHOUR=1;BYMINUTE=0;X-FROM=20271340",
    "FREQ=DAILY;FREQ=DAILY;BYHOUR=1;BYMINUTE=0", "FREQ=DAILY;BYHOUR=1;BYMINUTE=0;DTSTART=2027",
    "FREQ=WEEKLY;BYDAY=XX;BYHOUR=1;BYMINUTE=0", "FREQ=DAILY;BYHOUR=１;BYMINUTE=0",
])
def test_decode_refuses_garbage(garbage: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - any ValueError is the contract
        Recurrence.decode(garbage)


def test_every_other_monday_is_anchored_on_its_first_day() -> None:
    intent = read_message("隔週月曜 9:00", now=tokyo(2026, 12, 1, 10))
    assert isinstance(intent, RemindRecurring)
    assert intent.rule.anchor == date(2026, 12, 7)
    assert intent.rule.encode().endswith(";X-FROM=20261207")
    later = intent.rule.occurrences(intent.first, TOKYO, 2)
    assert [moment.date() for moment in later] == [date(2026, 12, 21), date(2027, 1, 4)]
    # Read a week later, the same rule still fires on the anchor's weeks, not the new week.
    assert intent.rule.next_after(tokyo(2026, 12, 14, 10), TOKYO) == tokyo(2026, 12, 21, 9)


def test_a_holiday_flag_on_another_rule_is_described() -> None:
    rule = Recurrence("FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0", skip_holidays=True)
    assert rule.describe_ja() == "毎週 月曜(祝日を除く) 9:00"
    assert rule.next_after(tokyo(2027, 1, 8), TOKYO) == tokyo(2027, 1, 18, 9)
