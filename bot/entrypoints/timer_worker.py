"""The timer loop: sleep until the next due timer, claim it, push it, settle it.

The signal handler only sets a flag; the loop stops claiming, lets in-flight pushes finish
and hands back whatever is still held, all within the grace period.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from bot.adapters.line_push import PushOutcome, PushResult
from bot.adapters.redis.timer_store import AsyncTimerStore, Claim, DeadLetter
from bot.domain import delivery, texts
from bot.domain.timers import Timer

log = logging.getLogger(__name__)

# Never sleep longer than this, so a lost wake-up message costs at most this much lateness.
MAX_IDLE_S = 5.0
# How long a settling write (ack, retry, dead letter) keeps trying through a Redis outage.
SETTLE_DEADLINE_S = 20.0
REDIS_RETRY_S = (0.1, 0.25, 0.5, 1.0, 2.0)


class Pusher(Protocol):
    async def push(self, to: str, texts: list[str], retry_key: str) -> PushResult: ...


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class WorkerStats:
    delivered: int = 0
    already_delivered: int = 0
    retried: int = 0
    rate_limited: int = 0
    dead: int = 0
    handed_back: int = 0


class TimerWorker:
    def __init__(
        self,
        store: AsyncTimerStore,
        pusher: Pusher,
        redis_client: aioredis.Redis,
        *,
        concurrency: int,
        shutdown_grace_s: float,
        clock: Callable[[], int] = now_ms,
    ) -> None:
        self._store = store
        self._pusher = pusher
        self._redis = redis_client
        self._concurrency = concurrency
        self._grace_s = shutdown_grace_s
        self._clock = clock
        self._inflight: dict[asyncio.Task[None], tuple[str, Timer | None]] = {}
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self.stats = WorkerStats()

    def request_stop(self) -> None:
        """Safe to call any number of times (PaaS may send SIGTERM twice)."""
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.request_stop)
        listener = asyncio.create_task(self._listen_for_wakeups())
        renewer = asyncio.create_task(self._renew_leases())
        log.info(
            "timer worker started: concurrency=%d lease_ms=%d",
            self._concurrency,
            self._store.lease_ms,
        )
        failures = 0
        try:
            while not self._stopping.is_set():
                self._wake.clear()
                try:
                    delay = await self._claim_and_start()
                    failures = 0
                except (RedisError, OSError) as exc:
                    delay = REDIS_RETRY_S[min(failures, len(REDIS_RETRY_S) - 1)]
                    failures += 1
                    log.warning("claim failed (%s); retrying in %.2fs", type(exc).__name__, delay)
                await self._sleep(delay)
        finally:
            listener.cancel()
            await self._shutdown()
            renewer.cancel()
        log.info("timer worker stopped: %s", self._summary())

    async def _claim_and_start(self) -> float:
        """Claim what is due and start pushing it; return how long to sleep."""
        free = self._concurrency - len(self._inflight)
        now = self._clock()
        if free <= 0:
            return MAX_IDLE_S  # a finishing push sets the wake event
        claim = await self._store.claim(now, free)
        for member, timer in claim.timers:
            task = asyncio.create_task(self._deliver(member, timer))
            self._inflight[task] = (member, timer)
            task.add_done_callback(self._forget)
        # Judged after the await: pushes that finished meanwhile freed slots without a wake-up.
        delay = self._next_delay(claim, now, len(self._inflight) >= self._concurrency)
        log.debug(
            "claimed=%d next_due=%s next_lease=%s sleep_s=%.3f",
            len(claim.timers),
            claim.next_due_ms,
            claim.next_lease_ms,
            delay,
        )
        return delay

    def _next_delay(self, claim: Claim, now: int, full: bool) -> float:
        if full:
            return MAX_IDLE_S  # woken when a slot frees
        wake_at = now + int(MAX_IDLE_S * 1000)
        if claim.next_due_ms is not None:
            if claim.next_due_ms <= now:  # more is due than the rate bucket allowed
                wake_at = now + max(1, claim.rate_wait_ms)
            else:
                wake_at = min(wake_at, claim.next_due_ms)
        if claim.next_lease_ms is not None:
            wake_at = min(wake_at, max(claim.next_lease_ms, now + 1))
        return max(0.0, (wake_at - self._clock()) / 1000)

    def _forget(self, task: asyncio.Task[None]) -> None:
        was_full = len(self._inflight) >= self._concurrency
        self._inflight.pop(task, None)
        if was_full:
            self._wake.set()
        if not task.cancelled() and task.exception() is not None:
            log.error("delivery task failed", exc_info=task.exception())

    async def _sleep(self, delay: float) -> None:
        if self._wake.is_set() or delay <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=delay)

    async def _renew_leases(self) -> None:
        """Keep the leases of pushes in flight, so only a dead worker's timers come back."""
        interval = self._store.lease_ms / 4000
        while True:
            await asyncio.sleep(interval)
            members = [member for member, _ in self._inflight.values()]
            try:
                await self._store.renew(members, self._clock())
            except (RedisError, OSError) as exc:
                # Another worker may take them back and push again: LINE answers that with 409.
                log.warning("could not renew leases (%s)", type(exc).__name__)

    async def _listen_for_wakeups(self) -> None:
        """A pub/sub message means a sooner timer was added: claim again at once."""
        attempt = 0
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.subscribe(self._store.wake_channel())
                self._wake.set()  # wake-ups may have been missed while not subscribed
                attempt = 0
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        self._wake.set()
            except (RedisError, OSError) as exc:
                delay = REDIS_RETRY_S[min(attempt, len(REDIS_RETRY_S) - 1)]
                attempt += 1
                log.warning("wake-up channel lost (%s); resubscribing", type(exc).__name__)
                await asyncio.sleep(delay)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def _deliver(self, member: str, timer: Timer | None) -> None:
        if timer is None:
            letter = DeadLetter(member, "", "malformed", None, None, self._clock())
            await self._settle(lambda: self._store.dead_letter(member, letter, self._clock()))
            self.stats.dead += 1
            return
        result = await self._pusher.push(timer.chat_id, [texts.timer_done(timer)], timer.retry_key)
        now = self._clock()
        if result.done:
            if result.outcome is PushOutcome.DELIVERED:
                self.stats.delivered += 1
            else:
                self.stats.already_delivered += 1
            log.debug("delivered timer=%s late_ms=%d", timer.id, now - timer.due_ms)
            await self._settle(lambda: self._store.ack(member))
        elif result.outcome is PushOutcome.RETRY and not delivery.gives_up(timer.attempt + 1):
            self.stats.retried += 1
            retry_at = now + delivery.backoff_ms(timer.attempt + 1, random.random())
            await self._settle(lambda: self._store.requeue(member, timer.next_attempt(), retry_at))
        elif result.outcome is PushOutcome.RATE_LIMITED:
            self.stats.rate_limited += 1
            wait_ms = int((result.retry_after_s or 0) * 1000) or delivery.DEFAULT_RETRY_AFTER_MS
            log.warning("LINE answered 429; pausing pushes for %d ms", wait_ms)
            await self._settle(lambda: self._store.pause_pushes(now + wait_ms, now))
            await self._settle(lambda: self._store.requeue(member, timer, now + wait_ms))
        else:
            reason = "gave_up" if result.outcome is PushOutcome.RETRY else result.outcome.value
            letter = DeadLetter(
                member, timer.chat_id, reason, result.status, result.request_id, now
            )
            log.warning("timer=%s dead-lettered: %s status=%s", timer.id, reason, result.status)
            self.stats.dead += 1
            await self._settle(lambda: self._store.dead_letter(member, letter, now))

    async def _settle(self, operation: Callable[[], Awaitable[object]]) -> None:
        """Retry a Redis write through an outage. If it never lands the lease runs out, the
        timer is claimed again and the retry key turns the repeat push into a 409."""
        deadline = time.monotonic() + SETTLE_DEADLINE_S
        attempt = 0
        while True:
            try:
                await operation()
                return
            except (RedisError, OSError) as exc:
                if time.monotonic() > deadline:
                    log.error(
                        "could not settle a timer (%s); its lease will return it",
                        type(exc).__name__,
                    )
                    return
                await asyncio.sleep(REDIS_RETRY_S[min(attempt, len(REDIS_RETRY_S) - 1)])
                attempt += 1

    async def _shutdown(self) -> None:
        if not self._inflight:
            return
        log.info("stopping: waiting for %d pushes in flight", len(self._inflight))
        _, pending = await asyncio.wait(set(self._inflight), timeout=self._grace_s)
        held = [self._inflight[task] for task in pending]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        now = self._clock()
        for member, timer in held:
            if timer is not None:
                await self._hand_back(member, timer, now)

    async def _hand_back(self, member: str, timer: Timer, now: int) -> None:
        # Sent or not, it goes back: a repeat carries the same retry key (409 = done).
        await self._settle(lambda: self._store.requeue(member, timer, now))
        self.stats.handed_back += 1

    def _summary(self) -> str:
        s = self.stats
        return (
            f"delivered={s.delivered} already_delivered={s.already_delivered} retried={s.retried} "
            f"rate_limited={s.rate_limited} dead={s.dead} handed_back={s.handed_back}"
        )
