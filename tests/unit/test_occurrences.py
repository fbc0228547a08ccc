"""What follows a claimed occurrence: the remembered answer is the one the rule gives."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import occurrences
from bot.domain.recurrence import Recurrence
from bot.domain.reminders import Kind, Reminder, compact_rule

TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")
RULES = [
    Recurrence("FREQ=DAILY;BYHOUR=7;BYMINUTE=0"),
    Recurrence("FREQ=DAILY;BYHOUR=2;BYMINUTE=30"),  # in New York's spring gap
    Recurrence("FREQ=DAILY;BYHOUR=1;BYMINUTE=30"),  # twice on its autumn night
    Recurrence("FREQ=DAILY;BYHOUR=2,3;BYMINUTE=15,45"),
    Recurrence("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=8;BYMINUTE=0", skip_holidays=True),
]
# Around New York's changes of 2027 (March 14, November 7) and Japan's May holidays.
STARTS = [datetime(2027, 3, 13, tzinfo=UTC), datetime(2027, 11, 6, tzinfo=UTC),
          datetime(2027, 4, 30, tzinfo=UTC)]  # fmt: skip
FOUR_DAYS_MS = 4 * 24 * 3600 * 1000


def from_the_rule(rule: Recurrence, after_ms: int, zone: ZoneInfo) -> int | None:
    after = datetime.fromtimestamp(after_ms / 1000, UTC).astimezone(zone)
    found = rule.next_after(after, zone)
    return None if found is None else int(found.timestamp() * 1000)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(RULES),
    st.sampled_from([TOKYO, NEW_YORK]),
    st.sampled_from(STARTS),
    st.lists(st.integers(0, FOUR_DAYS_MS), min_size=1, max_size=40),
)
def test_the_remembered_next_occurrence_is_the_rules_in_any_order_of_asking(
    rule: Recurrence, zone: ZoneInfo, start: datetime, offsets: list[int]
) -> None:
    base = int(start.timestamp() * 1000)
    reminder = Reminder("U1", "abcdefgh", Kind.RECURRING, base, "ゴミ", compact_rule(rule))
    # Ascending runs (claims as time passes) and jumps back (another worker's clock) both.
    for after_ms in [base + o for o in [*sorted(offsets), *offsets]]:
        got = occurrences.following(reminder, after_ms, zone)
        expected = from_the_rule(rule, after_ms, zone)
        assert (got.occurrence_ms if got else None) == expected
