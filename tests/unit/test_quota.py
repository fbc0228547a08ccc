"""The quota policy (bot.domain.quota), what a chat is told about late and missed
notifications (bot.domain.missed), and the delivery decision for the monthly-limit 429."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain import cards, delivery, missed, quota
from bot.domain.delivery import PushOutcome
from bot.domain.quota import Hold, Numbers
from bot.domain.reminders import Kind, Reminder

TOKYO = ZoneInfo("Asia/Tokyo")


def ms(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> int:
    return int(datetime(year, month, day, hour, minute, tzinfo=TOKYO).timestamp() * 1000)


def test_the_monthly_limit_holds_for_the_chat_instead_of_giving_up() -> None:
    decision = delivery.decide(PushOutcome.MONTHLY_LIMIT, 0, None, 0.0)
    assert isinstance(decision, delivery.HoldForChat)
    assert isinstance(delivery.decide(PushOutcome.REJECTED, 0, None, 0.0), delivery.GiveUp)


def test_the_quota_month_turns_in_japan() -> None:
    assert quota.month_of(ms(2026, 12, 31, 23, 59)) == "2026-12"
    assert quota.month_of(ms(2027, 1, 1, 0, 0)) == "2027-01"  # 2026-12-31 15:00 UTC


HOLD = Hold("2026-12", ms(2026, 12, 6, 7), quota.HOLD_MONTHLY_LIMIT, 200)
NOW = ms(2026, 12, 6, 9)


@pytest.mark.parametrize(
    ("numbers", "forced", "resume"),
    [
        (None, False, False),  # LINE did not answer: keep holding
        (None, True, False),
        (Numbers(200, 200), True, False),  # still spent, even when asked
        (Numbers(200, 150), False, False),  # room at the same limit: a group 429, not a raise
        (Numbers(200, 150), True, True),  # ...unless the operator says so
        (Numbers(5000, 200), False, True),  # the plan was raised
        (Numbers(None, 200), False, True),  # no limit any more
    ],
)
def test_when_a_hold_ends(numbers: Numbers | None, forced: bool, resume: bool) -> None:
    assert quota.should_resume(HOLD, NOW, numbers, forced=forced) is resume


def test_a_new_month_ends_a_hold_even_without_lines_numbers() -> None:
    assert quota.should_resume(HOLD, ms(2027, 1, 1, 0, 0), None, forced=False)


def test_a_hold_begun_without_numbers_ends_only_when_asked_or_next_month() -> None:
    blind = Hold("2026-12", NOW, quota.HOLD_MONTHLY_LIMIT, None)
    assert not quota.should_resume(blind, NOW, Numbers(200, 10), forced=False)
    assert quota.should_resume(blind, NOW, Numbers(200, 10), forced=True)


def test_warning_thresholds_and_the_operator_notice() -> None:
    assert quota.thresholds_reached(Numbers(200, 159)) == []
    assert quota.thresholds_reached(Numbers(200, 160)) == [80]
    assert quota.thresholds_reached(Numbers(200, 190)) == [80, 95]
    assert quota.thresholds_reached(Numbers(None, 10_000)) == []
    assert quota.should_hold(Numbers(200, 200))
    assert not quota.should_hold(Numbers(None, 10**9))
    assert quota.operator_notice(False, 0, Numbers(200, 10)) is None
    warning = quota.operator_notice(False, 0, Numbers(200, 190))
    assert warning == "WARNING: 95% of this month's LINE messages used (190 of 200)"
    held = quota.operator_notice(True, 7, Numbers(200, 200))
    assert held is not None
    assert held.startswith("PUSHES HELD")
    assert "7 notification(s) held" in held
    assert "python -m bot quota --resume" in held


def test_a_late_notice_says_when_it_was_due() -> None:
    due = ms(2026, 12, 6, 7, 0)
    assert missed.late_notice(due, due + 60_000, TOKYO) is None  # a minute is on time
    assert missed.late_notice(due, due + 61_000, TOKYO) == "(遅れてのお知らせ: 本来 7:00)"
    next_day = ms(2026, 12, 7, 0, 30)
    assert missed.late_notice(due, next_day, TOKYO) == "(遅れてのお知らせ: 本来 12月6日(日) 7:00)"


def test_a_late_card_says_so_in_its_text_and_alt_text() -> None:
    reminder = Reminder("U1", "abcdefgh", Kind.ONCE, ms(2026, 12, 6, 7), "薬")
    on_time = cards.notification_message(reminder, TOKYO, reminder.occurrence_ms + 500)
    late = cards.notification_message(reminder, TOKYO, reminder.occurrence_ms + 3_600_000)
    assert "遅れて" not in str(on_time)
    assert late["altText"].endswith("\n(遅れてのお知らせ: 本来 7:00)")
    texts = [c["text"] for c in late["contents"]["body"]["contents"]]
    assert "(遅れてのお知らせ: 本来 7:00)" in texts


def test_the_missed_list_names_each_label_and_when_it_was_due() -> None:
    held = [
        Reminder("U1", "b", Kind.RECURRING, ms(2026, 12, 6, 8), "ゴミ出し", "FREQ=DAILY"),
        Reminder("U1", "a", Kind.ONCE, ms(2026, 12, 5, 21, 5), ""),
        Reminder("U1", "c", Kind.TIMER, ms(2026, 12, 6, 9), "", "180"),
    ]
    text = missed.missed_reply(held, TOKYO).text
    assert text.splitlines()[:4] == [
        "📭 お送りできなかったお知らせ（3件）",
        "・リマインダー — 12月5日(土) 21:05",
        "・ゴミ出し — 12月6日(日) 8:00",
        "・3分のタイマー — 12月6日(日) 9:00",
    ]


def test_how_often_lines_numbers_are_read() -> None:
    assert quota.recheck_after_ms(False, Numbers(200, 10)) == quota.REFRESH_PUSHING_MS
    assert quota.recheck_after_ms(False, None) == quota.REFRESH_PUSHING_MS
    assert quota.recheck_after_ms(True, Numbers(200, 200)) <= 10 * 60_000  # the brief's bound
    assert quota.recheck_after_ms(False, Numbers(None, 10)) == quota.RECHECK_HOLDING_MS
