"""Properties of read_message and Recurrence over generated text, moments and zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.intents import RemindOnce, RemindRecurring, StartTimer
from bot.domain.parsing import read_message
from bot.domain.recurrence import Recurrence, between, is_after

# Zones with DST gaps and folds, a 30-minute DST (Lord Howe) and a 45-minute offset.
ZONES = [ZoneInfo(name) for name in (
    "Asia/Tokyo", "America/New_York", "Europe/London", "Australia/Lord_Howe",
    "Asia/Kathmandu", "UTC",
)]
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

moments = st.builds(
    lambda naive, zone, fold: naive.replace(tzinfo=zone, fold=fold),
    st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2090, 12, 31)),
    st.sampled_from(ZONES),
    st.integers(0, 1),
)
TOKENS = [
    "毎週", "毎日", "毎月", "毎年", "隔週", "平日", "土日", "毎朝", "毎晩", "曜", "曜日", "月",
    "火", "水", "金", "日", "時", "分", "秒", "時間", "半", "後", "年", "第", "末", "午前", "午後",
    "朝", "夜", "明日", "今日", "来週", "今度の", "の", "に", "から", ":", "/", "-", ".", " ",
    "　", "0", "1", "2", "3", "7", "12", "23", "29", "30", "31", "59", "99", "2027", "十", "五",
    "三", "every", "day", "weekday", "monday", "at", "in", "min", "pm", "am", "h", "m", "s",
    "取消", "cancel", "タイムゾーン", "解析", "ゴミ出し", "99999999999999999999",
]
structured = st.lists(st.sampled_from(TOKENS), max_size=12).map("".join)


@FAST
@given(text=st.text(max_size=80), now=moments)
def test_never_raises_on_any_text(text: str, now: datetime) -> None:
    read_message(text, now=now)


@FAST
@given(text=structured, now=moments, later=st.timedeltas(timedelta(0), timedelta(days=800)))
def test_reminders_are_ahead_and_rules_move_forward(
    text: str, now: datetime, later: timedelta
) -> None:
    intent = read_message(text, now=now)
    assert now.tzinfo is not None
    if isinstance(intent, StartTimer):
        assert 0 < intent.seconds <= 365 * 86400
    if isinstance(intent, RemindOnce):
        assert is_after(intent.at, now)
        assert between(now, intent.at) <= timedelta(days=365)
        assert intent.at.tzinfo is now.tzinfo
    if isinstance(intent, RemindRecurring):
        assert is_after(intent.first, now)
        assert intent.rule.next_after(now, now.tzinfo) == intent.first
        assert Recurrence.decode(intent.rule.encode()) == intent.rule
        assert intent.rule.describe_ja()
        moment = (now.astimezone(UTC) + later).astimezone(now.tzinfo)
        following = intent.rule.next_after(moment, now.tzinfo)
        assert following is None or is_after(following, moment)
    label = getattr(intent, "label", "")
    assert len(label) <= 100


WEEKDAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


@st.composite
def rules(draw: st.DrawFn) -> Recurrence:
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
    parts = [f"FREQ={freq}"]
    interval = draw(st.sampled_from([1, 1, 2, 3]))
    if interval > 1:
        parts.append(f"INTERVAL={interval}")
    if freq == "WEEKLY":
        days = draw(st.lists(st.sampled_from(WEEKDAY_CODES), min_size=1, max_size=7, unique=True))
        parts.append("BYDAY=" + ",".join(sorted(days, key=WEEKDAY_CODES.index)))
    elif freq == "MONTHLY":
        if draw(st.booleans()):
            parts.append(f"BYMONTHDAY={draw(st.sampled_from([-1, 1, 15, 28, 29, 30, 31]))}")
        else:
            nth = draw(st.sampled_from([-1, 1, 2, 3, 4, 5]))
            parts.append(f"BYDAY={nth:+d}{draw(st.sampled_from(WEEKDAY_CODES))}")
    elif freq == "YEARLY":
        month, day = draw(st.sampled_from([(1, 1), (2, 28), (2, 29), (3, 3), (12, 31)]))
        parts.append(f"BYMONTH={month};BYMONTHDAY={day}")
    parts.append(f"BYHOUR={draw(st.integers(0, 23))};BYMINUTE={draw(st.integers(0, 59))}")
    anchor = draw(st.dates(date(2001, 1, 1), date(2080, 1, 1))) if interval > 1 or draw(
        st.booleans()) else None
    return Recurrence(";".join(parts), draw(st.booleans()), anchor)


@FAST
@given(rule=rules())
def test_encode_decodes_back_equal(rule: Recurrence) -> None:
    text = rule.encode()
    assert text.isascii()
    assert "|" not in text
    assert "\n" not in text
    assert Recurrence.decode(text) == rule


@FAST
@given(rule=rules(), moment=moments)
def test_next_after_is_strictly_after_and_in_the_zone(rule: Recurrence, moment: datetime) -> None:
    zone = moment.tzinfo
    assert zone is not None
    found = rule.occurrences(moment, zone, 3)
    if not found:
        return
    assert found[0] == rule.next_after(moment, zone)
    previous = moment
    for occurrence in found:
        assert is_after(occurrence, previous)
        assert occurrence.tzinfo is zone
        previous = occurrence
    # The next one after an occurrence is the following occurrence.
    if len(found) > 1:
        assert rule.next_after(found[0], zone) == found[1]


@FAST
@given(rule=rules(), moment=moments)
def test_next_after_does_not_depend_on_how_the_moment_is_written(
    rule: Recurrence, moment: datetime
) -> None:
    zone = moment.tzinfo
    assert zone is not None
    assert rule.next_after(moment, zone) == rule.next_after(moment.astimezone(UTC), zone)
