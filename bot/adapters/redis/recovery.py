"""Coming back from a Redis outage: how long to wait before the next attempt (a pure policy) and
dropping the connections the outage left dead in a pool (the I/O).

Why a short cap. Once Redis answers again, a worker still waits out whatever delay it chose at
its last failure: the cap is the worst-case time between Redis being back and the first claim.
A fixed 2 s (the previous release) put the timer worker's first push 1.8-4.0 s after Redis
answered (bench.redis_outage); at a 0.5 s cap it is under ~0.6 s. While Redis is down an
attempt is a refused connect, so a try every half second costs nothing that matters, and the
log says so once every REPORT_EVERY_S, not on each try.

Why drop idle connections. A pooled connection to a killed Redis (or one that failed over) is
dead but looks idle; redis-py only finds out by using it, so the first command after Redis comes
back could spend its attempt on it and wait out another delay. A connection error disconnects
every idle connection of the pool, so the next command opens a fresh one. In-use ones (a pub/sub
subscription, a command in flight) fail on their own and are disconnected by redis-py then.
No automatic retry of the failed command itself (redis-py's `Retry`): a script that ran before
the connection broke would run twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import redis
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

FIRST_S = 0.05
CAP_S = 0.5
REPORT_EVERY_S = 10.0

__all__ = ["CAP_S", "FIRST_S", "Backoff", "Retry", "drop_idle", "drop_idle_async", "lost_link"]


@dataclass(frozen=True, slots=True)
class Retry:
    delay_s: float  # wait this long before the next attempt
    report: bool  # log this failure (the first of an outage, then one every REPORT_EVERY_S)
    down_s: float  # since the first failure of this outage


class Backoff:
    """FIRST_S doubling to CAP_S while attempts fail; back to FIRST_S after one succeeds."""

    def __init__(
        self,
        *,
        first_s: float = FIRST_S,
        cap_s: float = CAP_S,
        report_every_s: float = REPORT_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._first_s = first_s
        self._cap_s = cap_s
        self._report_every_s = report_every_s
        self._clock = clock
        self._failures = 0
        self._down_since: float | None = None
        self._reported_at = 0.0

    def failed(self) -> Retry:
        now = self._clock()
        if self._down_since is None:
            self._down_since = now
            self._reported_at = now
            report = True
        else:
            report = now - self._reported_at >= self._report_every_s
            if report:
                self._reported_at = now
        delay = min(self._cap_s, self._first_s * 2 ** min(self._failures, 30))
        self._failures += 1
        return Retry(delay, report, now - self._down_since)

    def succeeded(self) -> float | None:
        """How long the outage lasted, if this success ends one; else None."""
        if self._down_since is None:
            return None
        down = self._clock() - self._down_since
        self._failures = 0
        self._down_since = None
        return down


def lost_link(exc: BaseException) -> bool:
    """The connection broke or Redis did not answer (not an error Redis answered with)."""
    return isinstance(exc, RedisConnectionError | RedisTimeoutError | OSError)


async def drop_idle_async(client: aioredis.Redis) -> None:
    await client.connection_pool.disconnect(inuse_connections=False)


def drop_idle(client: redis.Redis) -> None:
    client.connection_pool.disconnect(inuse_connections=False)
