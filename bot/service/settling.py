"""Settling one claimed entry on the keys it came from: acknowledge, retry, dead-letter or
hold (the month's quota is spent). Each step is one script that first checks the worker still
holds the occurrence it claimed."""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from bot.domain.claims import DeadLetter
from bot.domain.push import PushResult
from bot.domain.reminders import Reminder
from bot.domain.timers import Timer
from bot.service.ports import DeliveryBook, HeldBook


class Settling(Protocol):
    """Settling one claimed entry on the keys it came from."""

    attempt: int
    due_ms: int

    async def ack(self) -> object: ...
    async def retry(self, at_ms: int, *, count_attempt: bool) -> object: ...
    async def dead(self, reason: str, result: PushResult, now_ms: int) -> object: ...
    async def hold(self) -> object: ...


class ReminderSettling:
    def __init__(
        self,
        store: DeliveryBook,
        reminder: Reminder,
        then: Reminder | None,
        held: HeldBook | None = None,
    ) -> None:
        self._store, self._reminder, self._then, self._held = store, reminder, then, held
        self.attempt, self.due_ms = reminder.attempt, reminder.occurrence_ms

    async def hold(self) -> object:
        """Kept for its chat; a recurring reminder is re-armed in the same step."""
        assert self._held is not None  # the Deliverer holds only with a HeldBook
        r = self._reminder
        return await self._held.hold(r, self._then, replace(r, attempt=0))

    async def ack(self) -> object:
        await self._store.ack(self._reminder, self._then)
        return None

    async def retry(self, at_ms: int, *, count_attempt: bool) -> object:
        r = self._reminder
        return await self._store.requeue(r, r.next_attempt() if count_attempt else r, at_ms)

    async def dead(self, reason: str, result: PushResult, now_ms: int) -> object:
        r = self._reminder
        letter = DeadLetter(
            r.member, r.encode(), r.chat_id, reason, result.status, result.request_id, now_ms
        )
        # A recurring reminder goes on with its next occurrence; this one is kept as a letter.
        return await self._store.dead_letter(r, letter, now_ms, self._then)


class LegacySettling:
    def __init__(self, store: DeliveryBook, member: str, timer: Timer) -> None:
        self._store, self._member, self._timer = store, member, timer
        self.attempt, self.due_ms = timer.attempt, timer.due_ms

    async def ack(self) -> object:
        await self._store.ack_legacy(self._member)
        return None

    async def hold(self) -> object:
        # The previous release's format has no place in the hold: its letter, as before.
        t = self._timer
        letter = DeadLetter(self._member, "", t.chat_id, "monthly_limit", 429, None, t.due_ms)
        return await self._store.dead_letter_legacy(self._member, letter, t.due_ms)

    async def retry(self, at_ms: int, *, count_attempt: bool) -> object:
        t = self._timer
        return await self._store.requeue_legacy(
            self._member, t.next_attempt() if count_attempt else t, at_ms
        )

    async def dead(self, reason: str, result: PushResult, now_ms: int) -> object:
        t = self._timer
        letter = DeadLetter(
            self._member, "", t.chat_id, reason, result.status, result.request_id, now_ms
        )
        return await self._store.dead_letter_legacy(self._member, letter, now_ms)
