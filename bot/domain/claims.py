"""What a claim hands a worker, and what an undeliverable one leaves behind: plain records."""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.domain.reminders import Reminder
from bot.domain.timers import Timer


@dataclass(frozen=True, slots=True)
class ClaimedReminder:
    member: str
    reminder: Reminder | None  # None: the record could not be read
    timezone: str  # the chat's own zone, "" for the bot's default
    batch: str = ""  # retry key of the saved batch this occurrence went out in ("" none)


@dataclass(frozen=True, slots=True)
class ClaimedLegacyTimer:
    """A timer written by the previous release, delivered with the retry key it carries."""

    member: str
    timer: Timer | None


Claimed = ClaimedReminder | ClaimedLegacyTimer


@dataclass(frozen=True, slots=True)
class Claim:
    """What one claim took, and when the worker should look again."""

    entries: list[Claimed]
    next_due_ms: int | None
    next_lease_ms: int | None
    rate_wait_ms: int


@dataclass(frozen=True, slots=True)
class DeadLetter:
    member: str
    record: str  # the reminder's record as it was (or the legacy member)
    chat_id: str
    reason: str
    status: int | None
    request_id: str | None
    died_at_ms: int

    def to_json(self) -> str:
        return json.dumps(
            {
                "member": self.member,
                "record": self.record,
                "chat_id": self.chat_id,
                "reason": self.reason,
                "status": self.status,
                "request_id": self.request_id,
                "died_at_ms": self.died_at_ms,
            },
            ensure_ascii=False,
            sort_keys=True,
        )
