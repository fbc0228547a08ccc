"""Timer workers that can be seen: a heartbeat with a TTL, counters and a lateness histogram.

A worker counts in memory (`Lateness.record` is a bisect and two additions) and writes
everything in one pipeline per heartbeat, never a Redis call per push. Keys, owners and TTLs
are documented in keys.py under "workers and metrics":

- `workers:timer` ZSET (name → last heartbeat ms) and `workers:timer:<name>` HASH (host, pid,
  started_ms, heartbeat_ms, counters since start), TTL 3 s refreshed every 1 s beat, deleted
  on clean exit: a SIGKILLed worker is gone within 3 s by itself;
- `metrics:minute:<epoch minute>` HASH: what every worker counted that minute (HINCRBY),
  2 h TTL — the `status` lateness and the /admin charts;
- `metrics:totals` HASH: the same since the data set began — /metrics' counters.

Also here: the Redis `maxmemory-policy` (read at worker start and by `status`).
"""

from __future__ import annotations

import bisect
import math
import os
import socket
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, cast

import redis
import redis.asyncio as aioredis
from redis.exceptions import RedisError, ResponseError

from bot.adapters.redis import keys

COUNTERS = (
    "delivered",
    "already_delivered",
    "retried",
    "rate_limited",
    "dead",
    "handed_back",
    "skipped",
    "failed",
)
# Upper bounds of the lateness buckets, ms (the last bucket, `inf`, holds the rest).
LATENESS_BOUNDS_MS = (
    1, 2, 3, 5, 10, 20, 30, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000,
    60_000, 300_000, 1_800_000,
)  # fmt: skip
LATENESS_FIELDS = (*(f"lat:{b}" for b in LATENESS_BOUNDS_MS), "lat:inf")


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


class Stats(Protocol):
    """What the worker counts (bot.service.delivering.DeliveryStats)."""

    delivered: int
    already_delivered: int
    retried: int
    rate_limited: int
    dead: int
    handed_back: int
    skipped: int
    failed: int


@dataclass
class Lateness:
    """Lateness of delivered occurrences since the last heartbeat, in memory."""

    counts: list[int] = field(default_factory=lambda: [0] * len(LATENESS_FIELDS))
    sum_ms: int = 0
    count: int = 0

    def record(self, late_ms: int) -> None:
        late_ms = max(0, late_ms)  # never early by design; a clock step must not go negative
        self.counts[bisect.bisect_left(LATENESS_BOUNDS_MS, late_ms)] += 1
        self.sum_ms += late_ms
        self.count += 1

    def take(self) -> Lateness:
        """What was recorded so far; this one starts again from zero."""
        taken = Lateness(self.counts, self.sum_ms, self.count)
        self.counts, self.sum_ms, self.count = [0] * len(LATENESS_FIELDS), 0, 0
        return taken

    def merge(self, other: Lateness) -> None:
        self.counts = [a + b for a, b in zip(self.counts, other.counts, strict=True)]
        self.sum_ms += other.sum_ms
        self.count += other.count

    def fields(self) -> dict[str, int]:
        out = {name: n for name, n in zip(LATENESS_FIELDS, self.counts, strict=True) if n}
        if self.count:
            out["lat_sum_ms"], out["lat_count"] = self.sum_ms, self.count
        return out


def percentile(counts: Sequence[int], q: float) -> float | None:
    """The q-quantile (0..1) of a bucketed histogram, interpolated inside its bucket as
    Prometheus' histogram_quantile does; inf when it falls in the overflow bucket."""
    total = sum(counts)
    if total == 0:
        return None
    rank = q * total
    seen = 0
    for i, n in enumerate(counts):
        if n and seen + n >= rank:
            if i == len(LATENESS_BOUNDS_MS):
                return math.inf
            low = 0 if i == 0 else LATENESS_BOUNDS_MS[i - 1]
            return low + (LATENESS_BOUNDS_MS[i] - low) * (rank - seen) / n
        seen += n
    return math.inf


def default_name(host: str = "") -> str:
    """The host's name (bootstrap.process_host: Heroku's dyno, timer_worker.1), made unique
    per process."""
    return f"{host or socket.gethostname()}.{os.getpid()}.{uuid.uuid4().hex[:4]}"


class WorkerRegistry:
    """One worker's registration; `beat()` every WORKER_HEARTBEAT_S, `leave()` at exit."""

    def __init__(
        self,
        client: aioredis.Redis,
        *,
        name: str | None = None,
        ttl_s: float = keys.WORKER_TTL_S,
    ) -> None:
        self._redis = client
        self.name = name or default_name()
        self._ttl_ms = int(ttl_s * 1000)
        self._started_ms = wall_ms()
        self._host = socket.gethostname()
        self._flushed = dict.fromkeys(COUNTERS, 0)
        self._pending = Lateness()

    async def beat(self, stats: Stats, lateness: Lateness) -> None:
        """Register (or refresh) this worker and add what changed since the last beat. On a
        Redis error nothing is lost: the next beat carries it."""
        now = wall_ms()
        current = {name: int(getattr(stats, name)) for name in COUNTERS}
        self._pending.merge(lateness.take())
        delta: dict[str, int] = {k: v - self._flushed[k] for k, v in current.items()}
        delta = {k: v for k, v in delta.items() if v} | self._pending.fields()
        key = keys.worker_key(self.name)
        info: dict[str, str | int] = {
            "host": self._host,
            "pid": os.getpid(),
            "started_ms": self._started_ms,
            "heartbeat_ms": now,
            **current,
        }
        pipe = self._redis.pipeline(transaction=False)
        pipe.hset(key, mapping=info)  # type: ignore[arg-type]
        pipe.pexpire(key, self._ttl_ms)
        pipe.zadd(keys.WORKERS, {self.name: now})
        pipe.pexpire(keys.WORKERS, self._ttl_ms)
        if delta:
            minute = keys.metrics_minute_key(now // 60_000)
            for name, n in delta.items():
                pipe.hincrby(minute, name, n)
                pipe.hincrby(keys.METRICS_TOTALS, name, n)
            pipe.expire(minute, keys.METRICS_MINUTE_TTL_S, nx=True)
        await pipe.execute()
        self._flushed = current
        self._pending = Lateness()

    async def leave(self) -> None:
        pipe = self._redis.pipeline(transaction=False)
        pipe.delete(keys.worker_key(self.name))
        pipe.zrem(keys.WORKERS, self.name)
        await pipe.execute()


# --- readers (status, /metrics, /admin): synchronous redis-py ---


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    name: str
    host: str
    pid: int
    started_ms: int
    heartbeat_ms: int
    counters: dict[str, int]


@dataclass(frozen=True, slots=True)
class Minute:
    minute: int  # epoch minutes
    counts: dict[str, int]

    @property
    def lateness(self) -> list[int]:
        return [self.counts.get(f, 0) for f in LATENESS_FIELDS]


def live_workers(client: redis.Redis) -> list[WorkerInfo]:
    """Workers whose heartbeat key is still there; the index's dead members are dropped."""
    names = [n.decode() for n in cast(list[bytes], client.zrange(keys.WORKERS, 0, -1))]
    pipe = client.pipeline(transaction=False)
    for name in names:
        pipe.hgetall(keys.worker_key(name))
    found: list[WorkerInfo] = []
    gone: list[str] = []
    for name, raw in zip(names, pipe.execute(), strict=True):
        data = _decoded(raw)
        if not data:
            gone.append(name)
            continue
        found.append(
            WorkerInfo(
                name,
                data.get("host", ""),
                _int(data.get("pid")),
                _int(data.get("started_ms")),
                _int(data.get("heartbeat_ms")),
                {c: _int(data.get(c)) for c in COUNTERS},
            )
        )
    if gone:
        client.zrem(keys.WORKERS, *gone)
    return found


def recent_minutes(client: redis.Redis, now_ms: int, minutes: int = 60) -> list[Minute]:
    """The last `minutes` minutes, oldest first, the current one included (empty ones too)."""
    last = now_ms // 60_000
    span = range(last - minutes + 1, last + 1)
    pipe = client.pipeline(transaction=False)
    for minute in span:
        pipe.hgetall(keys.metrics_minute_key(minute))
    return [
        Minute(m, {k: _int(v) for k, v in _decoded(raw).items()})
        for m, raw in zip(span, pipe.execute(), strict=True)
    ]


def totals(client: redis.Redis) -> dict[str, int]:
    return {k: _int(v) for k, v in _decoded(client.hgetall(keys.METRICS_TOTALS)).items()}


def summed(minutes: Iterable[Minute]) -> dict[str, int]:
    out: dict[str, int] = {}
    for minute in minutes:
        for k, v in minute.counts.items():
            out[k] = out.get(k, 0) + v
    return out


def lateness_counts(counts: Mapping[str, int]) -> list[int]:
    return [counts.get(f, 0) for f in LATENESS_FIELDS]


# --- maxmemory-policy ---


def memory_policy(client: redis.Redis) -> str | None:
    """CONFIG GET, else INFO memory (hosted Redis may refuse CONFIG); None if neither answers."""
    try:
        config = cast(dict[str, str], client.config_get("maxmemory-policy"))
        if config.get("maxmemory-policy"):
            return str(config["maxmemory-policy"])
    except ResponseError:
        pass
    try:
        info = client.info("memory")
    except RedisError:
        return None
    value = info.get("maxmemory_policy")
    return str(value) if value else None


async def memory_policy_async(client: aioredis.Redis) -> str | None:
    try:
        config = cast(dict[str, str], await client.config_get("maxmemory-policy"))
        if config.get("maxmemory-policy"):
            return str(config["maxmemory-policy"])
    except ResponseError:
        pass
    try:
        info = await client.info("memory")
    except RedisError:
        return None
    value = info.get("maxmemory_policy")
    return str(value) if value else None


def policy_warning(policy: str | None) -> str | None:
    """What an operator must hear about this eviction policy, or None when it is safe."""
    advice = "set it to noeviction: heroku redis:maxmemory <app> --policy noeviction"
    if policy is None:
        return None
    if policy.startswith("allkeys-"):
        return (
            f"Redis maxmemory-policy is {policy}: when memory fills, Redis may evict ANY key, "
            f"pending reminders included (lost without a word); {advice}"
        )
    if policy.startswith("volatile-"):
        return (
            f"Redis maxmemory-policy is {policy}: when memory fills, keys with a TTL (webhook "
            f"dedupe marks, queued jobs, dead letters) may be evicted; {advice}"
        )
    return None


def _decoded(raw: object) -> dict[str, str]:
    if not isinstance(raw, dict):
        return {}
    return {
        (k.decode() if isinstance(k, bytes) else str(k)): (
            v.decode() if isinstance(v, bytes) else str(v)
        )
        for k, v in raw.items()
    }


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0
