"""The sliding-window limiter's Lua (rate_window.py) against a real redis-server.

Generated call sequences (hypothesis) with injected, monotone clocks: whatever the callers ask,
no window of `window + margin` ms holds more than `limit` grants, a steady demand reaches the
ceiling, the returned wait is exactly when a useful batch frees (and room_wait's, after a grant
of all that was asked), a pause holds everyone.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapters.redis.rate_window import RATE_WINDOW

T0 = 1_733_000_000_000  # an epoch-ms clock, so the numbers have production's size

PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


class Limiter:
    def __init__(self, client: redis.Redis, limit: int, window_ms: int, margin_ms: int) -> None:
        self._script = client.register_script(RATE_WINDOW)
        self.client = client
        self.key = f"test:rate:{uuid.uuid4()}"
        self.limit, self.window_ms, self.margin_ms = limit, window_ms, margin_ms

    def take(self, now: int, want: int) -> tuple[int, int]:
        args: list[str | int] = ["take", now, want, self.limit, self.window_ms, self.margin_ms]
        granted, wait = cast(list[int], self._script(keys=[self.key], args=args))
        return int(granted), int(wait)

    def room(self, now: int, want: int) -> int:
        args: list[str | int] = ["room", now, want, self.limit, self.window_ms, self.margin_ms]
        return int(cast(list[int], self._script(keys=[self.key], args=args))[0])

    def pause(self, until: int, now: int) -> int:
        return int(cast(list[Any], self._script(keys=[self.key], args=["pause", until, now]))[0])

    def status(self) -> list[Any]:
        return cast(list[Any], self._script(keys=[self.key], args=["status"]))


def _busiest(grants: list[tuple[int, int]], span: int) -> int:
    """The most grants in any half-open window [x, x + span) (x at a grant suffices)."""
    best, lo, inside = 0, 0, 0
    for at, count in grants:
        inside += count
        while grants[lo][0] <= at - span:
            inside -= grants[lo][1]
            lo += 1
        best = max(best, inside)
    return best


calls = st.lists(
    st.tuples(st.integers(0, 40), st.integers(0, 120)),  # (ms since the previous call, want)
    min_size=1,
    max_size=150,
)


@PROPERTY
@given(
    limit=st.integers(1, 300),
    window_ms=st.integers(1, 200),
    margin_ms=st.integers(0, 50),
    sequence=calls,
)
def test_no_window_holds_more_than_limit(
    redis_client: redis.Redis, limit: int, window_ms: int, margin_ms: int, sequence: list[Any]
) -> None:
    limiter = Limiter(redis_client, limit, window_ms, margin_ms)
    now, grants = T0, []
    for step, want in sequence:
        now += step
        granted, wait = limiter.take(now, want)
        assert 0 <= granted <= want
        assert (wait == 0) == (granted == want)
        if granted:
            grants.append((now, granted))
    assert _busiest(grants, window_ms + margin_ms) <= limit


@PROPERTY
@given(
    limit=st.integers(1, 400),
    window_ms=st.integers(5, 300),
    margin_ms=st.integers(0, 50),
    sequence=calls,
)
def test_wait_is_when_a_useful_batch_frees(
    redis_client: redis.Redis, limit: int, window_ms: int, margin_ms: int, sequence: list[Any]
) -> None:
    """Back at now + wait, at least max(1, limit // 40) more are granted; a ms earlier, fewer."""
    need = max(1, limit // 40)
    limiter = Limiter(redis_client, limit, window_ms, margin_ms)
    now = T0
    for step, want in sequence:
        now += step
        granted, wait = limiter.take(now, want)
        if granted < want and want >= need:
            probe = Limiter(redis_client, limit, window_ms, margin_ms)
            probe.key = f"{limiter.key}:probe"
            redis_client.copy(limiter.key, probe.key, replace=True)
            assert probe.take(now + wait - 1, want)[0] < need
            redis_client.copy(limiter.key, probe.key, replace=True)
            assert probe.take(now + wait, want)[0] >= need


@PROPERTY
@given(
    limit=st.integers(1, 300),
    window_ms=st.integers(1, 200),
    margin_ms=st.integers(0, 50),
    sequence=calls,
)
def test_room_after_a_full_grant_is_when_a_useful_batch_fits(
    redis_client: redis.Redis, limit: int, window_ms: int, margin_ms: int, sequence: list[Any]
) -> None:
    """After a take that got all it asked for: 0 if min(want, max(1, limit // 40)) more would
    be granted now; else at now + wait they would be, and a ms earlier they would not."""
    limiter = Limiter(redis_client, limit, window_ms, margin_ms)
    now = T0
    for step, want in sequence:
        now += step
        granted, _ = limiter.take(now, want)
        if granted < want:
            continue
        need = max(1, min(want, limit // 40))
        wait = limiter.room(now, want)
        probe = Limiter(redis_client, limit, window_ms, margin_ms)
        probe.key = f"{limiter.key}:probe"
        if wait == 0:
            redis_client.copy(limiter.key, probe.key, replace=True)
            assert probe.take(now, need)[0] == need
            continue
        redis_client.copy(limiter.key, probe.key, replace=True)
        assert probe.take(now + wait - 1, need)[0] < need
        redis_client.copy(limiter.key, probe.key, replace=True)
        assert probe.take(now + wait, need)[0] == need


@PROPERTY
@given(
    limit=st.integers(40, 2000),
    window_ms=st.integers(20, 400),
    margin_ms=st.integers(0, 100),
    demand=st.tuples(st.integers(1, 300), st.integers(1, 4)),  # (want per call, workers)
)
def test_steady_demand_reaches_the_ceiling(
    redis_client: redis.Redis, limit: int, window_ms: int, margin_ms: int, demand: Any
) -> None:
    """Callers that come back when told get `limit` per span, every span: no starvation."""
    chunk, workers = demand
    limiter = Limiter(redis_client, limit, window_ms, margin_ms)
    span = window_ms + margin_ms
    spans = 6
    want = max(chunk, -(-2 * limit // span))  # demand above the ceiling, or it is not reached
    wake = [T0 + i for i in range(workers)]  # each worker's next call
    grants: list[tuple[int, int]] = []
    while min(wake) < T0 + spans * span:
        i = wake.index(min(wake))
        granted, wait = limiter.take(wake[i], want)
        if granted:
            grants.append((wake[i], granted))
        wake[i] += max(1, wait)
    total = sum(count for _, count in grants)
    assert _busiest(grants, span) <= limit
    # The last span may be cut short by a worker's final wait: count the full ones.
    assert total >= (spans - 1) * limit


def test_a_burst_takes_the_limit_then_waits_a_span(redis_client: redis.Redis) -> None:
    limiter = Limiter(redis_client, 2000, 1000, 100)
    assert limiter.take(T0, 4000) == (2000, 1100)
    assert limiter.take(T0 + 1099, 4000) == (0, 1)
    assert limiter.take(T0 + 1100, 4000) == (2000, 1100)
    assert limiter.status()[:2] == [2000, 1]


def test_wait_counts_small_batches_until_a_fortieth_frees(redis_client: redis.Redis) -> None:
    """400/100 ms filled 5 at a time, 1 ms apart: 10 (= 400/40) free when the 2nd batch expires."""
    limiter = Limiter(redis_client, 400, 100, 0)
    for i in range(80):
        assert limiter.take(T0 + i, 5) == (5, 0)
    assert limiter.take(T0 + 80, 50) == (0, 1 + 100 - 80)
    assert limiter.take(T0 + 100, 50) == (5, 2)  # one batch freed; 10 more 2 ms on
    assert limiter.take(T0 + 101, 50) == (5, 2)


def test_grants_in_one_ms_share_a_batch(redis_client: redis.Redis) -> None:
    limiter = Limiter(redis_client, 100, 1000, 0)
    for _ in range(5):
        assert limiter.take(T0, 3) == (3, 0)
    assert limiter.status()[:2] == [15, 1]


def test_a_lagging_clock_never_records_earlier(redis_client: redis.Redis) -> None:
    """Another worker's clock 30 ms behind: its grant counts from the newest batch's time."""
    limiter = Limiter(redis_client, 10, 100, 0)
    assert limiter.take(T0, 6) == (6, 0)
    assert limiter.take(T0 - 30, 6) == (4, 130)  # 100 ms on the newest batch's clock
    assert limiter.take(T0 + 99, 1) == (0, 1)
    assert limiter.take(T0 + 100, 20) == (10, 100)


def test_pause_holds_every_worker(redis_client: redis.Redis) -> None:
    limiter = Limiter(redis_client, 2000, 1000, 100)
    other = Limiter(redis_client, 2000, 1000, 100)
    other.key = limiter.key
    assert limiter.take(T0, 10) == (10, 0)
    assert limiter.pause(T0 + 5000, T0) == T0 + 5000
    assert limiter.pause(T0 + 2000, T0 + 1) == T0 + 5000  # a shorter pause does not shorten it
    assert limiter.take(T0 + 10, 10) == (0, 4990)
    assert other.take(T0 + 4999, 10) == (0, 1)
    assert other.take(T0 + 5000, 10) == (10, 0)


def test_the_key_expires(redis_client: redis.Redis) -> None:
    limiter = Limiter(redis_client, 2000, 1000, 100)
    limiter.take(T0, 5)
    assert 1000 < int(redis_client.pttl(limiter.key)) <= 1100 + 1000
    limiter.pause(T0 + 60_000, T0)
    assert 60_000 < int(redis_client.pttl(limiter.key)) <= 61_000
    limiter.take(T0 + 1, 5)  # a take while paused keeps the pause's TTL
    assert int(redis_client.pttl(limiter.key)) > 59_000
