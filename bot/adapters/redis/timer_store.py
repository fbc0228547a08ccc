"""The timer store: pending timers in a sorted set, claimed under a lease by the workers."""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, cast

import redis
import redis.asyncio as aioredis

from bot.adapters.redis import keys, scripts
from bot.domain.timers import MalformedTimerError, Timer

# Delivered timers are forgotten in batches this often (their leases cover the wait).
ACK_WINDOW_S = 0.002


@dataclass(frozen=True, slots=True)
class Claim:
    """What one claim took, and when the worker should look again."""

    timers: list[tuple[str, Timer | None]]  # (stored member, decoded timer or None if unreadable)
    next_due_ms: int | None
    next_lease_ms: int | None
    rate_wait_ms: int


@dataclass(frozen=True, slots=True)
class DeadLetter:
    timer: str
    chat_id: str
    reason: str
    status: int | None
    request_id: str | None
    died_at_ms: int


class TimerStore:
    """Adding timers, for the web process (synchronous redis-py)."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._add = client.register_script(scripts.ADD_TIMER)

    def add(self, timer: Timer, *, event_id: str | None = None) -> bool:
        """Store a timer; False if this webhook event was already acted on."""
        seen = keys.event_seen_key(event_id) if event_id else ""
        added = self._add(
            keys=[keys.TIMERS_DUE, seen],
            args=[timer.encode(), timer.due_ms, keys.EVENT_SEEN_TTL_S, keys.TIMERS_WAKE_CHANNEL],
        )
        return bool(added)

    def mark_event_seen(self, event_id: str) -> bool:
        """True the first time an event is seen (SET NX with a TTL)."""
        return bool(
            self._redis.set(keys.event_seen_key(event_id), "1", nx=True, ex=keys.EVENT_SEEN_TTL_S)
        )

    def counts(self) -> dict[str, int]:
        """How many timers are pending, claimed (in flight) and dead-lettered."""
        pipe = self._redis.pipeline(transaction=False)
        for key in (keys.TIMERS_DUE, keys.TIMERS_LEASED, keys.TIMERS_DEAD):
            pipe.zcard(key)
        pending, leased, dead = (int(n) for n in pipe.execute())
        return {"pending": pending, "in flight (leased)": leased, "dead-lettered": dead}

    def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        rows = self._redis.zrevrange(keys.TIMERS_DEAD, 0, limit - 1)
        return [DeadLetter(**json.loads(row)) for row in cast(list[bytes], rows)]

    def requeue_dead(self, now_ms: int) -> int:
        """Put every dead-lettered timer back to be sent now; returns how many."""
        count = 0
        for letter in self.dead_letters(limit=10_000):
            try:
                timer = replace(Timer.decode(letter.timer), attempt=0)
            except MalformedTimerError:
                continue  # nothing to send; it expires with the dead-letter set
            record = _dead_record(letter)
            pipe = self._redis.pipeline()
            pipe.zrem(keys.TIMERS_DEAD, record)
            pipe.zadd(keys.TIMERS_DUE, {timer.encode(): now_ms})
            pipe.publish(keys.TIMERS_WAKE_CHANNEL, str(now_ms))
            removed = pipe.execute()[0]
            count += int(removed)
        return count


class AsyncTimerStore:
    """Claiming and settling timers, for the timer worker (redis.asyncio)."""

    def __init__(self, client: aioredis.Redis, *, lease_ms: int, rate_per_s: float) -> None:
        self._redis = client
        self.lease_ms = lease_ms
        self._per_ms = rate_per_s / 1000.0
        # A burst of 25 ms worth: LINE-like limiters allow ~100 ms worth, so a claimed batch may
        # reach LINE ~75 ms late (a busy machine, a second worker) and still not be refused.
        self._burst = max(1.0, rate_per_s / 40.0)
        self._claim = client.register_script(scripts.CLAIM)
        self._requeue = client.register_script(scripts.REQUEUE)
        self._dead = client.register_script(scripts.DEAD_LETTER)
        self._pause = client.register_script(scripts.PAUSE)
        self._ack_batch: tuple[list[str], asyncio.Future[None]] | None = None
        self._ack_tasks: set[asyncio.Future[None]] = set()

    async def claim(self, now_ms: int, max_claims: int) -> Claim:
        raw = await _call(
            self._claim,
            [keys.TIMERS_DUE, keys.TIMERS_LEASED, keys.PUSH_RATE],
            [now_ms, self.lease_ms, max_claims, self._per_ms, self._burst, keys.PUSH_RATE_TTL_MS],
        )
        rows = cast(list[bytes], raw)
        members = [row.decode() for row in rows[:-3]]
        next_due, next_lease, rate_wait = (_score(row) for row in rows[-3:])
        return Claim(
            timers=[(member, _decode_or_none(member)) for member in members],
            next_due_ms=next_due,
            next_lease_ms=next_lease,
            rate_wait_ms=rate_wait or 0,
        )

    async def renew(self, members: list[str], now_ms: int) -> None:
        """Extend the leases of timers still held (XX: never brings back a settled one)."""
        if members:
            lease_until = now_ms + self.lease_ms
            await self._redis.zadd(keys.TIMERS_LEASED, dict.fromkeys(members, lease_until), xx=True)

    async def ack(self, member: str) -> None:
        """The timer was delivered: forget it.

        Acks made within ACK_WINDOW_S go to Redis as one ZREM: at LINE's full push rate that
        is a few hundred round trips a second instead of thousands.
        """
        loop = asyncio.get_running_loop()
        if self._ack_batch is None:
            self._ack_batch = ([], loop.create_future())
            loop.call_later(ACK_WINDOW_S, self._flush_acks)
        members, done = self._ack_batch
        members.append(member)
        await asyncio.shield(done)

    def _flush_acks(self) -> None:
        if self._ack_batch is None:
            return
        members, done = self._ack_batch
        self._ack_batch = None
        task = asyncio.ensure_future(self._remove_acked(members, done))
        self._ack_tasks.add(task)
        task.add_done_callback(self._ack_tasks.discard)

    async def _remove_acked(self, members: list[str], done: asyncio.Future[None]) -> None:
        try:
            await self._redis.zrem(keys.TIMERS_LEASED, *members)
        except BaseException as exc:  # every waiter retries its own ack
            done.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
        else:
            done.set_result(None)

    async def requeue(self, member: str, timer: Timer, at_ms: int) -> bool:
        """Hand a claimed timer back, to be claimed again at `at_ms`."""
        return bool(
            await _call(
                self._requeue,
                [keys.TIMERS_LEASED, keys.TIMERS_DUE],
                [member, timer.encode(), at_ms, keys.TIMERS_WAKE_CHANNEL],
            )
        )

    async def dead_letter(self, member: str, letter: DeadLetter, now_ms: int) -> bool:
        return bool(
            await _call(
                self._dead,
                [keys.TIMERS_LEASED, keys.TIMERS_DEAD],
                [member, _dead_record(letter), now_ms, keys.DEAD_LETTER_TTL_MS],
            )
        )

    async def pause_pushes(self, until_ms: int, now_ms: int) -> None:
        await _call(self._pause, [keys.PUSH_RATE], [until_ms, keys.PUSH_RATE_TTL_MS, now_ms])

    def wake_channel(self) -> str:
        return keys.TIMERS_WAKE_CHANNEL


def _dead_record(letter: DeadLetter) -> str:
    return json.dumps(
        {
            "timer": letter.timer,
            "chat_id": letter.chat_id,
            "reason": letter.reason,
            "status": letter.status,
            "request_id": letter.request_id,
            "died_at_ms": letter.died_at_ms,
        },
        ensure_ascii=False,
        sort_keys=True,
    )


async def _call(script: Any, keys_: list[str], args: list[Any]) -> Any:
    call = cast(Callable[..., Awaitable[Any]], script)
    return await call(keys=keys_, args=args)


def _score(raw: bytes) -> int | None:
    value = float(raw)
    return None if value < 0 else math.ceil(value)


def _decode_or_none(member: str) -> Timer | None:
    try:
        return Timer.decode(member)
    except MalformedTimerError:
        return None
