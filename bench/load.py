"""Making timers, storing them, and turning arrivals into lateness figures."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import redis

from bench.endpoints import Push
from bot.adapters.redis import keys
from bot.adapters.redis.timer_store import TimerStore
from bot.domain.timers import Timer, new_timer_id

ZADD_CHUNK = 5_000


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def user_id(n: int) -> str:
    """A LINE-shaped user id (U + 32 hex digits)."""
    return f"U{n:032x}"


def make_timers(dues: Iterable[int], now: int) -> list[Timer]:
    return [
        Timer(new_timer_id(), user_id(i), due, max(1, (due - now) // 1000))
        for i, due in enumerate(dues)
    ]


def spread(count: int, start_ms: int, end_ms: int, rng: random.Random) -> list[int]:
    """`count` due times drawn uniformly from [start_ms, end_ms)."""
    return [rng.randrange(start_ms, end_ms) for _ in range(count)]


def add_via_store(client: redis.Redis, timers: Sequence[Timer]) -> float:
    """Add one by one as the web process does (Lua script + wake-up); returns seconds taken."""
    store = TimerStore(client)
    started = time.perf_counter()
    for timer in timers:
        store.add(timer)
    return time.perf_counter() - started


def bulk_zadd(client: redis.Redis, timers: Iterable[Timer], *, wake: bool = True) -> float:
    """Pipelined ZADDs of encoded members into timers:due; returns seconds taken."""
    started = time.perf_counter()
    pipe = client.pipeline(transaction=False)
    batch: dict[str, int] = {}
    queued = 0
    for timer in timers:
        batch[timer.encode()] = timer.due_ms
        if len(batch) >= ZADD_CHUNK:
            pipe.zadd(keys.TIMERS_DUE, batch)
            batch = {}
            queued += 1
            if queued >= 20:
                pipe.execute()
                queued = 0
    if batch:
        pipe.zadd(keys.TIMERS_DUE, batch)
    pipe.execute()
    if wake:
        client.publish(keys.TIMERS_WAKE_CHANNEL, str(now_ms()))
    return time.perf_counter() - started


def far_future_timers(count: int, rng: random.Random) -> Iterable[Timer]:
    """Timers due 1 to 8 days from now, made lazily (a million would be ~300 MB as a list)."""
    now = now_ms()
    day = 24 * 3600 * 1000
    for i in range(count):
        due = now + day + rng.randrange(7 * day)
        yield Timer(new_timer_id(), user_id(i), due, (due - now) // 1000)


@dataclass(frozen=True, slots=True)
class Lateness:
    """Lateness of each delivered timer in ms (arrival or start minus due), and what was off."""

    values: list[float]
    expected: int
    duplicates: int = 0
    dues: list[int] = field(default_factory=list)  # due time of each value, same order

    def outliers(self, over_ms: float) -> tuple[int, float]:
        """How many were later than `over_ms`, and the span (ms) of their due times: a small
        span means one stall of the host or the worker, a large one a systematic delay."""
        late = [due for due, value in zip(self.dues, self.values, strict=True) if value > over_ms]
        return len(late), float(max(late) - min(late)) if late else 0.0

    @property
    def missing(self) -> int:
        return self.expected - len(self.values)

    @property
    def early(self) -> int:
        return sum(1 for v in self.values if v < 0)

    def pct(self, p: float) -> float:
        return percentile(self.values, p)


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def lateness_of(timers: Sequence[Timer], pushes: Sequence[Push]) -> Lateness:
    """Match pushes to timers by retry key; first arrival counts, repeats are duplicates."""
    due_by_key = {t.retry_key: t.due_ms for t in timers}
    seen: set[str] = set()
    values: list[float] = []
    dues: list[int] = []
    duplicates = 0
    for push in pushes:
        due = due_by_key.get(push.retry_key.lower())
        if due is None:
            continue
        if push.retry_key in seen:
            duplicates += 1
            continue
        seen.add(push.retry_key)
        values.append(push.received_at_ms - due)
        dues.append(due)
    return Lateness(values, len(timers), duplicates, dues)
