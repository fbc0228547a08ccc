"""The claim types live in the domain (bot/domain/claims.py); re-exported for the adapters, with
how the claim script's reply (reminder_scripts.CLAIM) reads as one."""

from __future__ import annotations

import math

from bot.domain.claims import *  # noqa: F403
from bot.domain.claims import Claim, Claimed, ClaimedLegacyTimer, ClaimedReminder, DeadLetter
from bot.domain.reminders import MalformedReminderError, Reminder, split_member
from bot.domain.timers import MalformedTimerError, Timer

__all__ = ["Claim", "Claimed", "ClaimedLegacyTimer", "ClaimedReminder", "DeadLetter", "read_claim"]

ROW_VALUES = 5  # per claimed entry: source, member, record, chat time zone, batch


def read_claim(raw: list[bytes]) -> Claim:
    """The claim script's reply: five values per entry, then next due, next lease, rate wait."""
    rows = [row.decode() for row in raw]
    entries: list[Claimed] = []
    for i in range(0, len(rows) - 3, ROW_VALUES):
        source, member, record, zone, batch = rows[i : i + ROW_VALUES]
        if source == "l":
            entries.append(ClaimedLegacyTimer(member, _timer_or_none(member)))
        else:
            entries.append(ClaimedReminder(member, _reminder_or_none(member, record), zone, batch))
    next_due, next_lease, rate_wait = (_score(row) for row in rows[-3:])
    return Claim(entries, next_due, next_lease, rate_wait or 0)


def _score(raw: str) -> int | None:
    value = float(raw)
    return None if value < 0 else math.ceil(value)


def _reminder_or_none(member: str, record: str) -> Reminder | None:
    try:
        chat_id, reminder_id = split_member(member)
        return Reminder.decode(chat_id, reminder_id, record)
    except MalformedReminderError:
        return None


def _timer_or_none(member: str) -> Timer | None:
    try:
        return Timer.decode(member)
    except MalformedTimerError:
        return None
