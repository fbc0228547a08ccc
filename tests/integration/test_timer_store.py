"""The timer store's Lua scripts against a real redis-server."""

from __future__ import annotations

import asyncio
import time
from typing import cast

import redis
import redis.asyncio as aioredis

from bot.adapters.redis import keys
from bot.adapters.redis.timer_store import AsyncTimerStore, DeadLetter, TimerStore
from bot.domain.timers import Timer, new_timer_id


def _timer(due_ms: int, chat: str = "Uchat") -> Timer:
    return Timer(id=new_timer_id(), chat_id=chat, due_ms=due_ms, seconds=3, label="")


def test_add_is_once_per_event(redis_client: redis.Redis) -> None:
    store = TimerStore(redis_client)
    timer = _timer(1_000)
    assert store.add(timer, event_id="01EVENT") is True
    assert store.add(timer, event_id="01EVENT") is False
    assert redis_client.zcard(keys.TIMERS_DUE) == 1
    assert 0 < redis_client.ttl(keys.event_seen_key("01EVENT")) <= keys.EVENT_SEEN_TTL_S


async def _claim_all(url: str, n_workers: int, now_ms: int) -> list[list[str]]:
    async def worker() -> list[str]:
        client = aioredis.Redis.from_url(url)
        store = AsyncTimerStore(client, lease_ms=10_000, rate_per_s=1_000_000)
        taken: list[str] = []
        while True:
            claim = await store.claim(now_ms, 7)
            if not claim.timers:
                break
            taken.extend(timer.id for _, timer in claim.timers if timer)
        await client.aclose()
        return taken

    return await asyncio.gather(*(worker() for _ in range(n_workers)))


def test_concurrent_claimers_never_take_the_same_timer(
    redis_url: str, redis_client: redis.Redis
) -> None:
    store = TimerStore(redis_client)
    added = {store.add(t) and t.id for t in (_timer(1_000 + i) for i in range(500))}
    results = asyncio.run(_claim_all(redis_url, 8, now_ms=10_000))
    claimed = [timer_id for result in results for timer_id in result]
    assert len(claimed) == len(set(claimed)) == 500
    assert set(claimed) == added
    assert sum(1 for r in results if r) > 1  # the claimers really raced


def test_claim_takes_only_due_timers_and_reports_the_next(
    redis_url: str, redis_client: redis.Redis
) -> None:
    store = TimerStore(redis_client)
    store.add(_timer(5_000))
    store.add(_timer(9_000))

    async def claim() -> tuple[int, int | None]:
        client = aioredis.Redis.from_url(redis_url)
        result = await AsyncTimerStore(client, lease_ms=1_000, rate_per_s=1e6).claim(4_999, 10)
        await client.aclose()
        return len(result.timers), result.next_due_ms

    assert asyncio.run(claim()) == (0, 5_000)


def test_expired_lease_comes_back_and_ack_forgets(
    redis_url: str, redis_client: redis.Redis
) -> None:
    TimerStore(redis_client).add(_timer(1_000))

    async def run() -> None:
        client = aioredis.Redis.from_url(redis_url)
        store = AsyncTimerStore(client, lease_ms=500, rate_per_s=1e6)
        first = await store.claim(2_000, 10)
        assert len(first.timers) == 1
        assert first.next_lease_ms == 2_500
        assert (await store.claim(2_499, 10)).timers == []  # still leased
        again = await store.claim(2_500, 10)  # the lease ran out: the "crashed" worker's timer
        assert [m for m, _ in again.timers] == [m for m, _ in first.timers]
        await store.ack(again.timers[0][0])
        await store.ack(again.timers[0][0])  # a repeat is harmless
        assert (await store.claim(10_000, 10)).timers == []
        await client.aclose()

    asyncio.run(run())
    assert redis_client.zcard(keys.TIMERS_LEASED) == 0


def test_requeue_and_dead_letter_only_by_the_holder(
    redis_url: str, redis_client: redis.Redis
) -> None:
    sync_store = TimerStore(redis_client)
    sync_store.add(_timer(1_000))
    sync_store.add(_timer(1_001))

    async def run() -> None:
        client = aioredis.Redis.from_url(redis_url)
        store = AsyncTimerStore(client, lease_ms=500, rate_per_s=1e6)
        (m1, t1), (m2, t2) = (await store.claim(2_000, 10)).timers
        assert t1 is not None
        assert t2 is not None
        assert await store.requeue(m1, t1.next_attempt(), 3_000) is True
        assert await store.requeue(m1, t1.next_attempt(), 3_000) is False  # no longer held
        letter = DeadLetter(m2, t2.chat_id, "rejected", 400, "req-1", 2_001)
        assert await store.dead_letter(m2, letter, 2_001) is True
        again = (await store.claim(3_000, 10)).timers
        assert [t.attempt for _, t in again if t] == [1]
        await client.aclose()

    asyncio.run(run())
    letters = sync_store.dead_letters()
    assert [(d.reason, d.status, d.request_id) for d in letters] == [("rejected", 400, "req-1")]
    assert 0 < redis_client.pttl(keys.TIMERS_DEAD) <= keys.DEAD_LETTER_TTL_MS


def test_shared_rate_bucket_caps_claims(redis_url: str, redis_client: redis.Redis) -> None:
    store = TimerStore(redis_client)
    for i in range(100):
        store.add(_timer(1_000 + i))
    now = int(time.time() * 1000)

    async def run() -> tuple[int, int, int, int]:
        client = aioredis.Redis.from_url(redis_url)
        worker_a = AsyncTimerStore(client, lease_ms=10_000, rate_per_s=400)  # burst: 10
        worker_b = AsyncTimerStore(client, lease_ms=10_000, rate_per_s=400)
        first = await worker_a.claim(now, 100)
        second = await worker_b.claim(now, 100)  # same instant, other worker: bucket empty
        later = await worker_b.claim(now + 100, 100)  # 100 ms at 400/s: 40, capped at 10
        await client.aclose()
        # Told to come back when a quarter burst (2.5 tokens) has refilled: 7 ms at 400/s.
        return len(first.timers), len(second.timers), second.rate_wait_ms, len(later.timers)

    assert asyncio.run(run()) == (10, 0, 7, 10)


def test_requeue_dead_sends_again_from_the_first_attempt(
    redis_url: str, redis_client: redis.Redis
) -> None:
    sync_store = TimerStore(redis_client)
    sync_store.add(_timer(1_000))

    async def kill_it() -> None:
        client = aioredis.Redis.from_url(redis_url)
        store = AsyncTimerStore(client, lease_ms=500, rate_per_s=1e6)
        ((member, timer),) = (await store.claim(2_000, 10)).timers
        assert timer is not None
        tired = timer.next_attempt().next_attempt()
        assert await store.requeue(member, tired, 2_000)
        ((member, timer),) = (await store.claim(2_000, 10)).timers
        assert timer is not None
        letter = DeadLetter(member, timer.chat_id, "gave_up", 500, None, 2_000)
        assert await store.dead_letter(member, letter, 2_000)
        await client.aclose()

    asyncio.run(kill_it())
    assert sync_store.requeue_dead(now_ms=5_000) == 1
    assert sync_store.dead_letters() == []
    rows = cast(
        list[tuple[bytes, float]], redis_client.zrange(keys.TIMERS_DUE, 0, -1, withscores=True)
    )
    assert [(Timer.decode(member).attempt, score) for member, score in rows] == [(0, 5_000)]


def test_acks_of_one_loop_turn_are_one_zrem(redis_url: str, redis_client: redis.Redis) -> None:
    store = TimerStore(redis_client)
    for i in range(50):
        store.add(_timer(1_000 + i))

    async def run() -> None:
        client = aioredis.Redis.from_url(redis_url)
        async_store = AsyncTimerStore(client, lease_ms=10_000, rate_per_s=1e6)
        claim = await async_store.claim(5_000, 100)
        redis_client.config_resetstat()
        await asyncio.gather(*(async_store.ack(member) for member, _ in claim.timers))
        await client.aclose()

    asyncio.run(run())
    assert redis_client.zcard(keys.TIMERS_LEASED) == 0
    assert redis_client.info("commandstats")["cmdstat_zrem"]["calls"] == 1
