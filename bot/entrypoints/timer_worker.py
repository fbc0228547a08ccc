"""The timer loop: sleep until the next due reminder, claim it, push it, settle it.

The signal handler only sets a flag; the loop stops claiming, lets in-flight pushes finish
and hands back whatever is still held, all within the grace period. What to do with each
push result is decided in bot.domain.delivery (and, for recurring reminders, what comes next
in bot.domain.occurrences); this module only carries those decisions out.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
import signal
import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from bot.adapters.redis import keys
from bot.adapters.redis.batch_store import BatchStore
from bot.adapters.redis.connection import STORE_ERRORS
from bot.adapters.redis.delivery_store import Claim, Claimed, DeliveryStore
from bot.adapters.redis.held_store import HeldStore
from bot.adapters.redis.quota_state import QuotaState
from bot.adapters.redis.recovery import CAP_S, Backoff, drop_idle_async, lost_link
from bot.adapters.redis.worker_registry import (
    Lateness,
    WorkerRegistry,
    memory_policy_async,
    policy_warning,
)
from bot.domain import batching
from bot.entrypoints.held_pushing import HeldPushing
from bot.service.batch_delivery import Batches
from bot.service.delivering import Deliverer, DeliveryStats, Pusher
from bot.service.held_delivery import deliver_held
from bot.service.quota_watch import QuotaFetch, QuotaWatch

log = logging.getLogger(__name__)

# Never sleep longer than this, so a lost wake-up message costs at most this much lateness.
MAX_IDLE_S = 5.0
QUOTA_CHANNEL = keys.QUOTA_RECHECK_CHANNEL.encode()

__all__ = ["MAX_IDLE_S", "Pusher", "TimerWorker", "now_ms"]


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class TimerWorker:
    def __init__(
        self,
        store: DeliveryStore,
        pusher: Pusher,
        redis_client: aioredis.Redis,
        *,
        concurrency: int,
        shutdown_grace_s: float,
        default_zone: ZoneInfo | None = None,
        clock: Callable[[], int] = now_ms,
        jitter: Callable[[], float] = random.random,
        registry: WorkerRegistry | None = None,
        heartbeat_s: float = keys.WORKER_HEARTBEAT_S,
        quota_fetch: QuotaFetch | None = None,
        batch_window_ms: int = batching.DEFAULT_WINDOW_MS,
    ) -> None:
        self._store = store
        self._redis = redis_client
        self._concurrency = concurrency
        self._grace_s = shutdown_grace_s
        self._clock = clock
        self._held = HeldStore(redis_client, store.limiter())
        self.quota = QuotaWatch(
            QuotaState(redis_client),
            self._held,
            quota_fetch,
            clock,
            wake=self._wake_up,
            store_errors=STORE_ERRORS,
        )
        self._deliverer = Deliverer(
            store,
            pusher,
            default_zone=default_zone or ZoneInfo("Asia/Tokyo"),
            clock=clock,
            jitter=jitter,
            on_delivered=self._record_lateness,
            held=self._held,
            quota=self.quota,
            store_errors=STORE_ERRORS,
        )
        # Counted here, written by the heartbeat: never a Redis call per push.
        self.lateness = Lateness()
        self.registry = registry or WorkerRegistry(redis_client)
        self._heartbeat_s = heartbeat_s
        self._inflight: dict[asyncio.Task[None], tuple[Claimed, ...]] = {}
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._batches = Batches(self._deliverer, BatchStore(redis_client), batch_window_ms)
        self._held_pushing = HeldPushing(
            self._held,
            functools.partial(deliver_held, self._deliverer),
            lease_ms=store.lease_ms,
            max_batch=store.max_batch,
            wake=self._wake.set,
        )

    @property
    def stats(self) -> DeliveryStats:
        return self._deliverer.stats

    def request_stop(self) -> None:
        """Safe to call any number of times (PaaS may send SIGTERM twice)."""
        self._stopping.set()
        self._wake.set()

    async def run(self, *, install_signal_handlers: bool = True) -> None:
        """Run until request_stop(); without its own signal handlers when another loop in the
        same process owns them (the one-dyno process)."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT) if install_signal_handlers else ():
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.request_stop)
        await self._warn_about_eviction()
        listener = asyncio.create_task(self._listen_for_wakeups())
        renewer = asyncio.create_task(self._renew_leases())
        heart = asyncio.create_task(self._heartbeat())
        watch = asyncio.create_task(self.quota.run())
        log.info(
            "timer worker started: concurrency=%d lease_ms=%d",
            self._concurrency,
            self._store.lease_ms,
        )
        backoff = Backoff()
        try:
            while not self._stopping.is_set():
                self._wake.clear()
                try:
                    delay = await self._claim_and_start()
                except (RedisError, OSError) as exc:
                    delay = await self._after_redis_error(exc, backoff, "claim failed")
                else:
                    if (down_s := backoff.succeeded()) is not None:
                        log.info("claiming again after %.2fs of redis errors", down_s)
                await self._sleep(delay)
        finally:
            listener.cancel()
            await self._shutdown()
            renewer.cancel()
            heart.cancel()
            watch.cancel()
            await self._leave()
        log.info("timer worker stopped: %s", self._summary())

    async def _after_redis_error(self, exc: BaseException, backoff: Backoff, what: str) -> float:
        """How long to wait before trying again; dead pooled connections dropped first."""
        retry = backoff.failed()
        if lost_link(exc):
            with contextlib.suppress(Exception):
                await drop_idle_async(self._redis)
        if retry.report:
            log.warning(
                "%s (%s) for %.1fs; retrying every %.2fs at most",
                what,
                type(exc).__name__,
                retry.down_s,
                CAP_S,
            )
        return retry.delay_s

    async def _claim_and_start(self) -> float:
        """Claim what is due and start pushing it; return how long to sleep."""
        free = self._concurrency - self._busy()
        now = self._clock()
        if free <= 0:
            return MAX_IDLE_S  # a finishing push sets the wake event
        # While the month's quota is spent, what is claimed is held for its chat, not pushed.
        holding = await self.quota.sync(now)
        claim = await self._store.claim(now, free)
        for entries, saved in await self._batches.plan(claim.entries):
            task = asyncio.create_task(self._batches.deliver(entries, saved))
            self._inflight[task] = tuple(entries)
            task.add_done_callback(self._forget)
        held_wait = None
        if not holding:
            held_wait = await self._held_pushing.start(now, self._concurrency - self._busy())
        # Judged after the await: pushes that finished meanwhile freed slots without a wake-up.
        delay = self._next_delay(claim, now, self._busy() >= self._concurrency)
        if held_wait is not None:
            delay = min(delay, held_wait)
        log.debug(
            "claimed=%d next_due=%s next_lease=%s sleep_s=%.3f",
            len(claim.entries),
            claim.next_due_ms,
            claim.next_lease_ms,
            delay,
        )
        return delay

    def _busy(self) -> int:
        return len(self._inflight) + len(self._held_pushing.inflight)

    def _wake_up(self) -> None:
        """The quota watch: a hold began or ended; claim (and push the held) again now."""
        self._held_pushing.look_again()
        self._wake.set()

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
        was_full = self._busy() >= self._concurrency
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
            try:
                now = self._clock()
                held = [entry for entries in self._inflight.values() for entry in entries]
                await self._store.renew(held, now)
                await self._held_pushing.renew(now)
            except (RedisError, OSError) as exc:
                # Another worker may take them back and push again: LINE answers that with 409.
                log.warning("could not renew leases (%s)", type(exc).__name__)

    def _record_lateness(self, late_ms: int) -> None:
        self.lateness.record(late_ms)

    async def _heartbeat(self) -> None:
        """Register this worker and write what it counted, every heartbeat_s."""
        while True:
            try:
                await self.registry.beat(self.stats, self.lateness)
            except (RedisError, OSError) as exc:
                log.warning("heartbeat failed (%s)", type(exc).__name__)
            await asyncio.sleep(self._heartbeat_s)

    async def _leave(self) -> None:
        """The last counts written, then this worker's registration deleted."""
        try:
            await self.registry.beat(self.stats, self.lateness)
            await self.registry.leave()
        except (RedisError, OSError) as exc:
            log.warning("could not deregister (%s); it expires by itself", type(exc).__name__)

    async def _warn_about_eviction(self) -> None:
        try:
            policy = await memory_policy_async(self._redis)
        except (RedisError, OSError):
            return  # the claim loop reports an unreachable Redis
        warning = policy_warning(policy)
        if warning:
            log.warning("%s", warning)
        else:
            log.info("redis maxmemory-policy=%s", policy or "unknown")

    async def _listen_for_wakeups(self) -> None:
        """A pub/sub message means a sooner timer was added: claim again at once."""
        backoff = Backoff()
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.subscribe(self._store.wake_channel(), keys.QUOTA_RECHECK_CHANNEL)
                self._wake.set()  # wake-ups may have been missed while not subscribed
                backoff.succeeded()
                async for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    if message.get("channel") in (QUOTA_CHANNEL, keys.QUOTA_RECHECK_CHANNEL):
                        self.quota.request_recheck(forced=True)  # `python -m bot quota --resume`
                    self._wake.set()
            except (RedisError, OSError) as exc:
                await asyncio.sleep(await self._after_redis_error(exc, backoff, "wake-ups lost"))
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def _shutdown(self) -> None:
        tasks = set(self._inflight) | set(self._held_pushing.inflight)
        if not tasks:
            return
        log.info("stopping: waiting for %d pushes in flight", len(tasks))
        # A held notification's push cut short comes back when its lease lapses (its retry
        # key makes a repeat of an accepted push a 409).
        _, pending = await asyncio.wait(tasks, timeout=self._grace_s)
        held = [e for task in pending if task in self._inflight for e in self._inflight[task]]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        now = self._clock()
        for entry in held:
            await self._deliverer.hand_back(entry, now)

    def _summary(self) -> str:
        s = self.stats
        return (
            f"delivered={s.delivered} already_delivered={s.already_delivered} retried={s.retried} "
            f"rate_limited={s.rate_limited} dead={s.dead} handed_back={s.handed_back} "
            f"skipped={s.skipped} failed={s.failed}"
        )
