"""The timer's wire form and ids."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from bot.domain import delivery
from bot.domain.texts import describe_duration, describe_duration_en, timer_done
from bot.domain.timers import MalformedTimerError, Timer, new_timer_id, timer_id_for_event


def test_encode_decode_round_trip_with_separator_in_label() -> None:
    timer = Timer(new_timer_id(), "Uabc", 1_700_000_000_123, 180, "麺|スープ", attempt=2)
    assert Timer.decode(timer.encode()) == timer
    assert Timer.decode(timer.encode().encode()) == timer


def test_member_is_compact() -> None:
    timer = Timer(new_timer_id(), "U" + "f" * 32, 1_700_000_000_123, 180)
    assert len(timer.encode()) <= 80


@pytest.mark.parametrize("member", ["", "2|x|1|0|1|U|", "1|id|notanumber|0|1|U|", "1|a|b"])
def test_malformed_members_are_refused(member: str) -> None:
    with pytest.raises(MalformedTimerError):
        Timer.decode(member)


def test_retry_key_is_a_uuid_stable_per_timer() -> None:
    timer = Timer(timer_id_for_event("01HZXAMPLEEVENT"), "U1", 1, 1)
    key = timer.retry_key
    assert str(uuid.UUID(key)) == key
    assert timer.next_attempt().retry_key == key


def test_timer_id_follows_the_event() -> None:
    assert timer_id_for_event("01A") == timer_id_for_event("01A")
    assert timer_id_for_event("01A") != timer_id_for_event("01B")
    assert new_timer_id() != new_timer_id()


def test_durations_read_naturally() -> None:
    assert describe_duration(3723) == "1時間2分3秒"
    assert describe_duration_en(61) == "1 minute 1 second"
    assert "カップ麺" in timer_done(Timer("x", "U", 0, 180, "カップ麺"))


def test_backoff_grows_and_is_capped() -> None:
    assert 250 <= delivery.backoff_ms(1, 0.0) <= delivery.backoff_ms(1, 0.999) <= 500
    assert delivery.backoff_ms(5, 0.0) == 4_000
    assert delivery.backoff_ms(40, 0.999) <= delivery.BACKOFF_CAP_MS
    assert not delivery.gives_up(delivery.MAX_ATTEMPTS - 1)
    assert delivery.gives_up(delivery.MAX_ATTEMPTS)


def test_stored_rules_are_short_and_read_back_as_the_same_rule() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from bot.domain.recurrence import Recurrence
    from bot.domain.reminders import Reminder, compact_rule, expand_rule

    daily = Recurrence("FREQ=DAILY;BYHOUR=7;BYMINUTE=0")
    assert compact_rule(daily) == "D;h7;m0"
    reminder = Reminder.recurring("U1", "abcdefgh", 1, "起きる", daily)
    assert reminder.rule() == daily
    assert len(reminder.encode().encode()) <= 64  # a listpack hash value in Redis
    assert expand_rule(daily.encode()) == daily.encode()  # a long form passes through

    @settings(max_examples=200, deadline=None)
    @given(
        freq=st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]),
        interval=st.integers(1, 4),
        hour=st.integers(0, 23),
        minute=st.integers(0, 59),
        monthday=st.sampled_from(["", "1", "15", "-1", "31"]),
        holidays=st.booleans(),
    )
    def round_trip(  # noqa: PLR0917 - hypothesis passes the drawn values by name
        freq: str, interval: int, hour: int, minute: int, monthday: str, holidays: bool
    ) -> None:
        parts = [f"FREQ={freq}", f"BYHOUR={hour}", f"BYMINUTE={minute}"]
        if freq == "WEEKLY":
            parts.append("BYDAY=MO,WE,FR")
        if freq in ("MONTHLY", "YEARLY") and monthday:
            parts.append(f"BYMONTHDAY={monthday}")
        if freq == "YEARLY":
            parts.append("BYMONTH=3")
        if interval > 1:
            parts.append(f"INTERVAL={interval}")
        needs_anchor = interval > 1 or (freq in ("MONTHLY", "YEARLY") and not monthday)
        rule = Recurrence(";".join(parts), holidays, date(2026, 12, 7) if needs_anchor else None)
        assert Recurrence.decode(expand_rule(compact_rule(rule))) == rule

    round_trip()
