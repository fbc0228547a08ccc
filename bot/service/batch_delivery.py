"""One push for a chat's notifications due together (bot.domain.batching), each settled on its
own: acknowledged (a recurring one re-armed), retried, held or dead-lettered as one would be.

A batch is saved (bot.adapters.redis.batch_store) before its first push. Whoever claims one of
its occurrences again — after a 5xx, a timeout, or a worker's crash — sends that same request
with that same retry key: LINE answers 409 if it had accepted it, and each occurrence is
delivered once. Only occurrences claimed together are batched, so none waits for another.
"""

from __future__ import annotations

import asyncio
import logging
from zoneinfo import ZoneInfo

from bot.domain import agenda, batching, cards, occurrences
from bot.domain.batching import SavedBatch
from bot.domain.claims import Claimed, ClaimedReminder
from bot.domain.reminders import Reminder
from bot.service.delivering import Deliverer
from bot.service.ports import BatchBook
from bot.service.settling import ReminderSettling

log = logging.getLogger(__name__)

Plan = list[tuple[list[Claimed], SavedBatch | None]]


class Batches:
    def __init__(self, deliverer: Deliverer, store: BatchBook, window_ms: int) -> None:
        self._d, self._store, self._window_ms = deliverer, store, window_ms

    async def plan(self, entries: list[Claimed]) -> Plan:
        """Which claimed entries go out together; a saved batch is sent again as it was."""
        if self._window_ms <= 0 or len(entries) < 1:
            return [([e], None) for e in entries]
        # An agenda is its own push (its content is read when it is due): never batched.
        readable: list[ClaimedReminder] = []
        out: Plan = []
        for e in entries:  # one pass: `e not in readable` compared dataclasses n² times a claim
            if isinstance(e, ClaimedReminder) and e.reminder and not agenda.is_agenda(e.reminder):
                readable.append(e)
            else:
                out.append(([e], None))
        saved = await self._store.saved([e.batch for e in readable if e.batch])
        again: dict[str, tuple[list[Claimed], SavedBatch]] = {}
        fresh: list[ClaimedReminder] = []
        for entry in readable:
            batch = saved.get(entry.batch)
            if batch is None:
                fresh.append(entry)
            else:
                again.setdefault(batch.key, ([], batch))[0].append(entry)
        out.extend(again.values())
        chat_of, due_of = (lambda e: _reminder(e).chat_id), (lambda e: _reminder(e).occurrence_ms)
        out.extend((list(g), None) for g in batching.group(fresh, chat_of, due_of, self._window_ms))
        return out

    async def deliver(self, entries: list[Claimed], saved: SavedBatch | None) -> None:
        if len(entries) == 1 and saved is None:
            await self._d.deliver(entries[0])
            return
        try:
            await self._deliver([e for e in entries if isinstance(e, ClaimedReminder)], saved)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("batch delivery raised; each counted as a failed attempt")
            for entry in entries:  # a settled one is not touched: its lease is gone
                await self._d.failed(entry)

    async def _deliver(self, entries: list[ClaimedReminder], saved: SavedBatch | None) -> None:
        d, now = self._d, self._d.now()
        sends: list[tuple[Reminder, ZoneInfo, ReminderSettling]] = []
        for entry in entries:
            reminder, zone = _reminder(entry), d.zone_of(entry.timezone)
            plan = occurrences.plan(reminder, now, zone)
            settling = d.settling_for(reminder, plan.then)
            # A saved batch is sent again whatever the clock says now: LINE may have it.
            if saved is None and isinstance(plan, occurrences.Skip):
                d.stats.skipped += 1
                await d.settle(settling.ack)
            elif saved is None and d.holding():
                d.stats.held += 1
                await d.settle(settling.hold)
            else:
                sends.append((reminder, zone, settling))
        if not sends:
            return
        if saved is None:
            members = [r for r, _, _ in sends]
            messages = [cards.notification_message(r, z, now) for r, z, _ in sends]
            if len(messages) < batching.MAX_PER_PUSH:
                messages += await d.mentions(members[0].chat_id, [r.id for r in members])
            saved = SavedBatch(batching.batch_key(members), members[0].chat_id, messages)
            batch = saved
            await d.settle(lambda: self._store.save(batch, members))
        result = await d.push(saved.to, saved.messages, saved.key)
        for _, _, settling in sends:
            await d.carry_out(settling, result)


def _reminder(entry: ClaimedReminder) -> Reminder:
    assert entry.reminder is not None  # only readable entries are batched
    return entry.reminder
