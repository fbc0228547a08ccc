"""Many pending timers: Redis memory per timer, claim cost, and the worker's idle CPU.

Each timer is a reminder as the store keeps it: an entry in rem:due and a record in its chat's
hash, so the bytes per timer include the per-chat index a user's `一覧` reads.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass

import redis
import redis.asyncio as aioredis

from bench import procs
from bench.load import bulk_add, far_future_timers, make_timers, percentile
from bench.precision import Context
from bot.adapters.redis import keys
from bot.adapters.redis.delivery_store import DeliveryStore
from localdev import harness
from localdev.harness import now_ms

EMPTY_CLAIMS = 300
DUE_CLAIMS = 20
DUE_BATCH = 200


@dataclass(frozen=True, slots=True)
class ClaimCost:
    """Round-trip times of DeliveryStore.claim, in ms, and Redis's own time per call."""

    pending: int
    empty_p50_ms: float
    empty_p99_ms: float
    due_p50_ms: float  # claiming DUE_BATCH due timers out of `pending`
    redis_usec_per_call: float


@dataclass(frozen=True, slots=True)
class Scale:
    pending: int
    insert_s: float
    bytes_per_timer: float  # INFO used_memory delta / count
    key_bytes_per_timer: float  # MEMORY USAGE rem:due / count (the queue alone)
    member_chars: float
    idle_window_s: float
    worker_idle_cpu_pct: float
    redis_idle_cpu_pct: float
    idle_claims: int  # claims the idle worker made in the window
    small: ClaimCost
    large: ClaimCost


def run_scale(ctx: Context, pending: int, small: int, idle_s: float, rng: random.Random) -> Scale:
    ctx.fresh()
    bulk_add(ctx.client, far_future_timers(small, rng), wake=False)
    small_cost = asyncio.run(_claim_costs(ctx.redis_url, small))

    ctx.fresh()
    base = int(ctx.client.info("memory")["used_memory"])
    insert_s = bulk_add(ctx.client, far_future_timers(pending, rng), wake=False)
    used = int(ctx.client.info("memory")["used_memory"]) - base
    key_bytes = int(ctx.client.memory_usage(keys.REMINDERS_DUE, samples=0) or 0)
    sample = ctx.client.zrange(keys.REMINDERS_DUE, 0, 999)
    member_chars = sum(len(m) for m in sample) / max(1, len(sample))
    cpu, redis_cpu, claims = _idle_worker(ctx, idle_s)
    large_cost = asyncio.run(_claim_costs(ctx.redis_url, pending))
    return Scale(
        pending=pending,
        insert_s=insert_s,
        bytes_per_timer=used / pending,
        key_bytes_per_timer=key_bytes / pending,
        member_chars=member_chars,
        idle_window_s=idle_s,
        worker_idle_cpu_pct=100 * cpu / idle_s,
        redis_idle_cpu_pct=100 * redis_cpu / idle_s,
        idle_claims=claims,
        small=small_cost,
        large=large_cost,
    )


def _idle_worker(ctx: Context, idle_s: float) -> tuple[float, float, int]:
    """The worker's and Redis's CPU seconds over `idle_s`, and the claims made meanwhile."""
    worker = ctx.start_worker()
    try:
        time.sleep(1.0)  # start-up work done
        ctx.client.config_resetstat()
        cpu0, redis0 = harness.cpu_seconds(worker.pid), procs.redis_cpu_seconds(ctx.client)
        time.sleep(idle_s)
        cpu = harness.cpu_seconds(worker.pid) - cpu0
        redis_cpu = procs.redis_cpu_seconds(ctx.client) - redis0
        calls = int(ctx.client.info("commandstats").get("cmdstat_evalsha", {}).get("calls", 0))
    finally:
        procs.stop(worker)
    return cpu, redis_cpu, calls


async def _claim_costs(redis_url: str, pending: int) -> ClaimCost:
    """Time claims when nothing is due, then claims of DUE_BATCH due timers, directly."""
    client = aioredis.Redis.from_url(redis_url)
    sync = redis.Redis.from_url(redis_url)
    try:
        # A ceiling no claim here can reach: the rate limiter is not what is measured.
        store = DeliveryStore(client, lease_ms=10_000, rate_per_s=1e9)
        await store.claim(now_ms(), DUE_BATCH)  # loads the script
        await client.config_resetstat()
        empty = [await _timed(store, DUE_BATCH) for _ in range(EMPTY_CLAIMS)]
        stats = await client.info("commandstats")
        usec = float(stats.get("cmdstat_evalsha", {}).get("usec_per_call", 0.0))
        now = now_ms()
        due = make_timers([now - 1000 - i for i in range(DUE_CLAIMS * DUE_BATCH)], now)
        await asyncio.to_thread(bulk_add, sync, due, wake=False)
        claimed = [await _timed(store, DUE_BATCH) for _ in range(DUE_CLAIMS)]
        await client.delete(keys.REMINDERS_LEASED, keys.PUSH_WINDOW)
        pipe = client.pipeline(transaction=False)
        for reminder in due:
            pipe.hdel(keys.chat_key(reminder.chat_id), reminder.id)
        await pipe.execute()
    finally:
        await client.aclose()
        sync.close()
    return ClaimCost(
        pending=pending,
        empty_p50_ms=percentile(empty, 50),
        empty_p99_ms=percentile(empty, 99),
        due_p50_ms=percentile(claimed, 50),
        redis_usec_per_call=usec,
    )


async def _timed(store: DeliveryStore, max_claims: int) -> float:
    started = time.perf_counter()
    await store.claim(now_ms(), max_claims)
    return (time.perf_counter() - started) * 1000
