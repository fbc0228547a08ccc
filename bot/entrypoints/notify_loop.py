"""The timer worker's second claim loop: messages of the Notify-style API (/api/notify).

They wait on the notify:* keys (keys.NOTIFY_QUEUE), in the reminder record format with the
kind NOTIFY, and are claimed, leased, pushed with one retry key each and settled exactly as
reminders are — the same TimerWorker and DeliveryStore on other keys, under the same shared
push limiter. They are kept off rem:* because a timer worker of the previous release, during
a deploy's overlap, would claim a record of a kind it does not know and dead-letter it: the
message would be lost. It never reads notify:*, so only this release's workers deliver them.

Both loops share the worker's Redis pool, HTTP pool and registration: the status shows one
timer worker per process, its counters the sum of both loops.
"""

from __future__ import annotations

import dataclasses

import redis.asyncio as aioredis

from bot.adapters.redis import keys
from bot.adapters.redis.delivery_store import DeliveryStore
from bot.adapters.redis.worker_registry import Lateness, Stats, WorkerRegistry
from bot.entrypoints.timer_worker import TimerWorker
from bot.service.delivering import DeliveryStats, Pusher
from bot.settings import Settings

# Pushes in flight for the API's messages, on top of PUSH_CONCURRENCY (the HTTP pool is made
# larger by this much, so a claimed reminder never waits for a socket because of them).
NOTIFY_CONCURRENCY = 50


def notify_worker(client: aioredis.Redis, pusher: Pusher, settings: Settings) -> TimerWorker:
    store = DeliveryStore(
        client,
        lease_ms=settings.timer_lease_ms,
        rate_per_s=settings.push_rate_per_s,
        queue=keys.NOTIFY_QUEUE,
    )
    return TimerWorker(
        store,
        pusher,
        client,
        concurrency=NOTIFY_CONCURRENCY,
        shutdown_grace_s=settings.shutdown_grace_s,
        default_zone=settings.tz,
        registry=_Unregistered(client),
    )


class _Unregistered(WorkerRegistry):
    """The notify loop does not register on its own: its counts go with the reminders' loop."""

    async def beat(self, stats: Stats, lateness: Lateness) -> None:
        return None

    async def leave(self) -> None:
        return None


class WithNotify(WorkerRegistry):
    """The reminders' loop's registration, counting the notify loop's deliveries too."""

    def __init__(self, client: aioredis.Redis, notify: TimerWorker, *, name: str = "") -> None:
        super().__init__(client, name=name or None)
        self._notify = notify

    async def beat(self, stats: Stats, lateness: Lateness) -> None:
        lateness.merge(self._notify.lateness.take())
        other = self._notify.stats
        total = DeliveryStats(
            **{f.name: getattr(stats, f.name) + getattr(other, f.name) for f in _FIELDS}
        )
        await super().beat(total, lateness)


_FIELDS = dataclasses.fields(DeliveryStats)
