"""The timer worker's pushes of held notifications, once the quota allows again: claimed in
batches under the shared push windows, leased and renewed like claimed reminders, delivered by
bot.service.delivering.Deliverer.deliver_held."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from bot.adapters.redis.held_store import HeldEntry, HeldStore

IDLE_LOOK_MS = 5_000


class HeldPushing:
    def __init__(
        self,
        held: HeldStore,
        deliver: Callable[[HeldEntry], Coroutine[Any, Any, None]],
        *,
        lease_ms: int,
        max_batch: int,
        wake: Callable[[], None],
    ) -> None:
        self._held, self._deliver = held, deliver
        self._lease_ms, self._max_batch, self._wake = lease_ms, max_batch, wake
        self.inflight: dict[asyncio.Task[None], HeldEntry] = {}
        self._next_ms: int | None = 0  # look at what is held once at start

    def look_again(self) -> None:
        """A hold ended (or one of ours was released): what is held may be due now."""
        self._next_ms = 0

    async def start(self, now: int, free: int) -> float | None:
        """Push what is held and due, in at most `free` slots; seconds until more may be."""
        if self._next_ms is None or self._next_ms > now or free <= 0:
            return None
        claim = await self._held.claim(now, min(free, self._max_batch), self._lease_ms)
        for entry in claim.entries:
            task = asyncio.create_task(self._deliver(entry))
            self.inflight[task] = entry
            task.add_done_callback(self._forget)
        self._next_ms = claim.next_ms
        if claim.entries:
            self._next_ms = now + 1  # there may be more: claim again at once
        elif claim.rate_wait_ms:
            self._next_ms = now + claim.rate_wait_ms
        if self._next_ms is None:
            # Nothing held now; a reply that failed may release some later (the web does not
            # wake the workers), so look again now and then, without shortening the sleep.
            self._next_ms = now + IDLE_LOOK_MS
            return None
        return max(0.0, (self._next_ms - now) / 1000)

    async def renew(self, now: int) -> None:
        await self._held.renew(list(self.inflight.values()), now + self._lease_ms)

    def _forget(self, task: asyncio.Task[None]) -> None:
        self.inflight.pop(task, None)
        self._next_ms = 0  # a released one may be due again: look at once
        self._wake()
