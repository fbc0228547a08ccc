"""A notification held for its chat while the month's quota is spent. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.reminders import Reminder


@dataclass(frozen=True, slots=True)
class HeldEntry:
    member: str
    chat_id: str
    reminder: Reminder | None  # None: the record could not be read
    timezone: str
