"""What a chat is told about notifications that did not reach it on time. Pure.

Two cases: a notification pushed more than LATE_AFTER_MS after its moment says so (the card
and its altText), and notifications held while the month's quota was spent are listed at the
head of the chat's next reply (replies are free).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.reminder_texts import WEEKDAYS_JA, local
from bot.domain.reminders import Kind, Reminder
from bot.domain.texts import Reply, describe_duration

LATE_AFTER_MS = 60_000
# One reply message lists at most this many (LINE: 5,000 characters a text); the rest stay
# held for the next reply or a push.
MAX_LISTED = 20
MAX_LABEL = 100


def _clock(moment: datetime) -> str:
    return f"{moment.hour}:{moment.minute:02d}"


def _day(moment: datetime) -> str:
    return f"{moment.month}月{moment.day}日({WEEKDAYS_JA[moment.weekday()]})"


def late_notice(occurrence_ms: int, now_ms: int, zone: ZoneInfo) -> str | None:
    """`(遅れてのお知らせ: 本来 7:00)`, with the date when it was due on another day; None
    when the notification is on time (within a minute)."""
    if now_ms - occurrence_ms <= LATE_AFTER_MS:
        return None
    due, now = local(occurrence_ms, zone), local(now_ms, zone)
    when = _clock(due) if due.date() == now.date() else f"{_day(due)} {_clock(due)}"
    return f"(遅れてのお知らせ: 本来 {when})"


def label_of(reminder: Reminder) -> str:
    if reminder.label:
        return reminder.label[:MAX_LABEL]
    if reminder.kind is Kind.TIMER:
        return f"{describe_duration(reminder.seconds)}のタイマー"
    return "リマインダー"


def missed_reply(held: list[Reminder], zone: ZoneInfo) -> Reply:
    """The first message of a reply: each held notification's label and when it was due."""
    lines = [f"📭 お送りできなかったお知らせ（{len(held)}件）"]
    for reminder in sorted(held, key=lambda r: r.occurrence_ms):
        due = local(reminder.occurrence_ms, zone)
        lines.append(f"・{label_of(reminder)} — {_day(due)} {_clock(due)}")
    lines.append("今月のメッセージ数の上限に達したため、ここでまとめてお知らせします。")
    return Reply("\n".join(lines))
