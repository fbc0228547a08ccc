"""Timer workers register themselves with a heartbeat TTL and write their counters and
lateness once a beat; a dead worker disappears by itself. Against a real redis-server."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Iterator

import pytest
import redis
import redis.asyncio as aioredis

from bot.adapters.redis import keys, worker_registry
from bot.adapters.redis.delivery_store import DeliveryStore
from bot.adapters.redis.reminder_store import ReminderStore
from bot.adapters.redis.worker_registry import (
    Lateness,
    WorkerRegistry,
    live_workers,
    memory_policy,
    percentile,
    policy_warning,
    recent_minutes,
    summed,
    totals,
)
from bot.domain.reminders import Kind, Reminder, new_reminder_id
from bot.entrypoints.timer_worker import TimerWorker
from bot.service.delivering import DeliveryStats
from tests.integration.test_timer_worker import TOKYO, ScriptedPusher
from tests.integration.worker_support import Clock


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


async def until(condition: Callable[[], object], timeout: float = 5.0) -> None:
    """Polls Redis-side state (a TTL running out has no event to wait on)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


@pytest.fixture
def allkeys_lru(redis_client: redis.Redis) -> Iterator[None]:
    before = str(redis_client.config_get("maxmemory-policy")["maxmemory-policy"])
    redis_client.config_set("maxmemory-policy", "allkeys-lru")
    yield
    redis_client.config_set("maxmemory-policy", before)


def test_lateness_percentiles_interpolate_inside_buckets() -> None:
    late = Lateness()
    for ms in (0, 1, 4, 4, 4, 4, 4, 4, 4, 40):
        late.record(ms)
    assert late.count == 10
    assert late.sum_ms == 69
    assert percentile(late.counts, 0.5) == pytest.approx(3 + 2 * (5 - 2) / 7)
    assert percentile(late.counts, 1.0) == 50
    late.record(10_000_000)
    assert percentile(late.counts, 1.0) == math.inf
    assert percentile(Lateness().counts, 0.99) is None
    taken = late.take()
    assert taken.count == 11
    assert late.count == 0


def test_a_running_worker_is_seen_with_its_counters_and_leaves_cleanly(
    redis_url: str, redis_client: redis.Redis
) -> None:
    store = ReminderStore(redis_client)
    now = wall_ms()
    for i in range(3):  # three chats: one chat's would go out in one push (batching)
        store.add(
            Reminder(f"U{i}", new_reminder_id(), Kind.ONCE, now - 5), event_id=None, max_pending=9
        )

    async def scenario() -> None:
        client = aioredis.Redis.from_url(redis_url)
        pusher = ScriptedPusher()
        worker = TimerWorker(
            DeliveryStore(client, lease_ms=1_000, rate_per_s=1e6),
            pusher,
            client,
            concurrency=10,
            shutdown_grace_s=2,
            default_zone=TOKYO,
            clock=wall_ms,
            heartbeat_s=0.02,
        )
        task = asyncio.create_task(worker.run(install_signal_handlers=False))
        try:
            await pusher.wait_for(3)

            def counted() -> bool:
                seen = live_workers(redis_client)
                return len(seen) == 1 and seen[0].counters["delivered"] == 3

            await until(counted)
            (seen,) = live_workers(redis_client)
            assert seen.name == worker.registry.name
            assert 0 < redis_client.pttl(keys.worker_key(seen.name)) <= keys.WORKER_TTL_S * 1000
            minutes = summed(recent_minutes(redis_client, wall_ms(), 2))
            assert minutes["delivered"] == 3
            assert minutes["lat_count"] == 3
            assert 5 <= minutes["lat_sum_ms"] < 3 * 5_000
        finally:
            worker.request_stop()
            await asyncio.wait_for(task, 10)
            await client.aclose()

    asyncio.run(scenario())
    assert live_workers(redis_client) == []
    assert not redis_client.exists(keys.WORKERS)
    assert totals(redis_client)["delivered"] == 3  # written before it left


def test_a_killed_worker_disappears_by_itself(redis_url: str, redis_client: redis.Redis) -> None:
    async def scenario() -> str:
        client = aioredis.Redis.from_url(redis_url)
        registry = WorkerRegistry(client, ttl_s=0.2)
        await registry.beat(DeliveryStats(delivered=2), Lateness())
        await client.aclose()  # never leave(): as if SIGKILLed
        return registry.name

    name = asyncio.run(scenario())
    assert [w.name for w in live_workers(redis_client)] == [name]
    asyncio.run(until(lambda: not live_workers(redis_client), timeout=3.0))
    assert not redis_client.exists(keys.worker_key(name))


def test_counters_are_written_as_deltas_and_survive_a_failed_beat(
    redis_url: str, redis_client: redis.Redis
) -> None:
    async def scenario() -> None:
        client = aioredis.Redis.from_url(redis_url)
        registry = WorkerRegistry(client)
        stats, late = DeliveryStats(), Lateness()
        stats.delivered, stats.retried = 5, 1
        late.record(7)
        await registry.beat(stats, late)
        stats.delivered = 8
        late.record(7)
        broken = aioredis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
        healthy, registry._redis = registry._redis, broken
        with pytest.raises(redis.exceptions.ConnectionError):
            await registry.beat(stats, late)
        registry._redis = healthy
        await registry.beat(stats, late)  # carries what the failed beat could not write
        await registry.beat(stats, late)  # nothing new: nothing added
        await broken.aclose()
        await client.aclose()

    asyncio.run(scenario())
    total = totals(redis_client)
    assert total["delivered"] == 8
    assert total["retried"] == 1
    assert total["lat_count"] == 2
    assert total["lat:10"] == 2


def test_allkeys_policy_is_warned_about_at_worker_start(
    redis_url: str,
    redis_client: redis.Redis,
    allkeys_lru: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert memory_policy(redis_client) == "allkeys-lru"
    warning = policy_warning("allkeys-lru")
    assert warning is not None
    assert "noeviction" in warning
    assert "heroku redis:maxmemory" in warning
    assert "TTL" in (policy_warning("volatile-lru") or "")
    assert policy_warning("noeviction") is None

    async def scenario() -> None:
        client = aioredis.Redis.from_url(redis_url)
        worker = TimerWorker(
            DeliveryStore(client, lease_ms=1_000, rate_per_s=1e6),
            ScriptedPusher(),
            client,
            concurrency=1,
            shutdown_grace_s=1,
            clock=Clock(0),
        )
        worker.request_stop()
        await worker.run(install_signal_handlers=False)
        await client.aclose()

    with caplog.at_level(logging.WARNING, logger="bot.entrypoints.timer_worker"):
        asyncio.run(scenario())
    assert any("allkeys-lru" in r.getMessage() for r in caplog.records)


def test_bucket_fields_match_bounds() -> None:
    assert len(worker_registry.LATENESS_FIELDS) == len(worker_registry.LATENESS_BOUNDS_MS) + 1
    assert worker_registry.LATENESS_FIELDS[-1] == "lat:inf"
