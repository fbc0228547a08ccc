"""Claiming and settling due reminders, for the timer worker (redis.asyncio).

Claims take this release's reminders and the previous release's timers alike (a deploy
overlaps both for up to 30 s; see keys.py); each claimed entry says which it is, and is
settled on the keys it came from.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Awaitable, Callable
from typing import Any, cast

import redis.asyncio as aioredis

from bot.adapters.redis import batch_store, keys, legacy_scripts, reminder_scripts
from bot.adapters.redis.claims import (
    Claim,
    Claimed,
    ClaimedLegacyTimer,
    ClaimedReminder,
    DeadLetter,
    read_claim,
)
from bot.adapters.redis.held_store import Limiter
from bot.adapters.redis.rate_window import RECOMMENDED_MARGIN_MS
from bot.domain.reminders import MalformedReminderError, Reminder
from bot.domain.timers import Timer

# Delivered reminders are acknowledged in batches this often (their leases cover the wait).
ACK_WINDOW_S = 0.002
RATE_WINDOW_MS = 1_000
# The short window is the long one at a tenth of its scale, and a claim takes an eighth of it.
SHORT_WINDOW_PARTS = 10
CLAIMS_PER_SHORT_WINDOW = 8

__all__ = [
    "Claim",
    "Claimed",
    "ClaimedLegacyTimer",
    "ClaimedReminder",
    "DeadLetter",
    "DeliveryStore",
]


class DeliveryStore:
    def __init__(
        self,
        client: aioredis.Redis,
        *,
        lease_ms: int,
        rate_per_s: float,
        margin_ms: int = RECOMMENDED_MARGIN_MS,
        queue: keys.DeliveryKeys = keys.REMINDER_QUEUE,
    ) -> None:
        self._redis = client
        # Which keys it claims and settles on: the reminders', or the Notify-style API's.
        self._keys = queue
        self.lease_ms = lease_ms
        # The limiter holds `limit` per (window + margin); a rate below 1/s becomes one per
        # 1/rate seconds.
        self._limit = max(1, math.floor(rate_per_s))
        self._window_ms = RATE_WINDOW_MS if rate_per_s >= 1 else math.ceil(1000 / rate_per_s)
        self._margin_ms = margin_ms
        # Why a short window and small claims too. A grant is counted when it is made, LINE
        # counts a request when it arrives; what lies between is the grants a worker holds
        # but has not sent yet. With one claim taking a second's worth (500 in flight) those
        # were sent over ~45 ms of CPU, and a stalled event loop (GC, a busy host) delayed
        # them further: bench.morning drew 24–370 × 429. Holding grants to the long window's
        # rate in every tenth of its span bounds what can be granted-but-unsent to a few dozen.
        # The tenth is exact, limit/10 per span/10 (200 per 103 ms at 2,000/s and 30 ms), so
        # the two windows agree: at 194 per 100 ms, ten short windows and a bit fitted in one
        # long span, the eleventh burst of grants met the full long window every second, and
        # bench.morning ran at 1,902/s instead of 1,942. A claim takes an eighth of a short
        # window (25): its pushes go out over ~2 ms of CPU instead of ~4 at a quarter, which
        # took bench.morning's grant → arrival spread (p99.9 − min) from 34-39 to 20-24 ms.
        span = self._window_ms + margin_ms
        self._short_window_ms = math.ceil(span / SHORT_WINDOW_PARTS)
        self._short_limit = max(1, self._limit // SHORT_WINDOW_PARTS)
        self.max_batch = max(1, self._short_limit // CLAIMS_PER_SHORT_WINDOW)
        self._claim = client.register_script(reminder_scripts.CLAIM)
        self._ack_script = client.register_script(reminder_scripts.ACK)
        self._requeue = client.register_script(reminder_scripts.REQUEUE)
        self._dead = client.register_script(reminder_scripts.DEAD_LETTER)
        self._pause = client.register_script(reminder_scripts.PAUSE)
        self._legacy_requeue = client.register_script(legacy_scripts.REQUEUE)
        self._legacy_dead = client.register_script(legacy_scripts.DEAD_LETTER)
        self._ack_batch: tuple[list[str], asyncio.Future[None]] | None = None
        self._ack_tasks: set[asyncio.Future[None]] = set()

    def limiter(self) -> Limiter:
        """The shared push windows, for other claims that push (held notifications)."""
        return Limiter(
            self._limit,
            self._window_ms,
            self._margin_ms,
            self._short_limit,
            self._short_window_ms,
        )

    async def claim(self, now_ms: int, max_claims: int) -> Claim:
        raw = await _call(
            self._claim,
            [
                self._keys.due,
                self._keys.leased,
                self._keys.legacy_due,
                self._keys.legacy_leased,
                keys.PUSH_WINDOW,
                keys.LEGACY_PUSH_RATE,
                keys.PUSH_WINDOW_SHORT,
            ],
            [
                now_ms,
                self.lease_ms,
                min(max_claims, self.max_batch),
                self._limit,
                self._window_ms,
                self._margin_ms,
                self._keys.chat_prefix,
                keys.SETTING_TIMEZONE,
                self._short_limit,
                self._short_window_ms,
                batch_store.MEMBER_PREFIX,
            ],
        )
        return read_claim(cast(list[bytes], raw))

    async def renew(self, entries: list[Claimed], now_ms: int) -> None:
        """Extend the leases of entries still held (XX: never brings back a settled one)."""
        lease_until = now_ms + self.lease_ms
        current = [e.member for e in entries if isinstance(e, ClaimedReminder)]
        legacy = [e.member for e in entries if isinstance(e, ClaimedLegacyTimer)]
        if current:
            await self._redis.zadd(self._keys.leased, dict.fromkeys(current, lease_until), xx=True)
        if legacy:
            await self._redis.zadd(
                self._keys.legacy_leased, dict.fromkeys(legacy, lease_until), xx=True
            )

    async def ack(self, reminder: Reminder, rearm: Reminder | None = None) -> None:
        """The occurrence was delivered: forget it, or re-arm the next one in the same step.

        Acks made within ACK_WINDOW_S go to Redis as one script call: at LINE's full push rate
        that is a few hundred round trips a second instead of thousands.
        """
        entry = [reminder.member, str(reminder.occurrence_ms), "", ""]
        if rearm is not None:
            entry[2:] = [str(rearm.occurrence_ms), rearm.encode()]
        loop = asyncio.get_running_loop()
        if self._ack_batch is None:
            self._ack_batch = ([], loop.create_future())
            loop.call_later(ACK_WINDOW_S, self._flush_acks)
        args, done = self._ack_batch
        args.extend(entry)
        await asyncio.shield(done)

    def _flush_acks(self) -> None:
        if self._ack_batch is None:
            return
        args, done = self._ack_batch
        self._ack_batch = None
        task = asyncio.ensure_future(self._settle_acks(args, done))
        self._ack_tasks.add(task)
        task.add_done_callback(self._ack_tasks.discard)

    async def _settle_acks(self, args: list[str], done: asyncio.Future[None]) -> None:
        try:
            await _call(
                self._ack_script,
                [self._keys.leased, self._keys.due],
                [self._keys.chat_prefix, self._keys.wake_channel, *args],
            )
        except BaseException as exc:  # every waiter retries its own ack
            done.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
        else:
            done.set_result(None)

    async def requeue(self, claimed: Reminder, updated: Reminder, at_ms: int) -> bool:
        """Hand a claimed occurrence back, to be claimed again at `at_ms`."""
        return bool(
            await _call(
                self._requeue,
                [self._keys.leased, self._keys.due, self._keys.chat_key(claimed.chat_id)],
                [
                    claimed.member,
                    claimed.id,
                    claimed.occurrence_ms,
                    updated.encode(),
                    at_ms,
                    self._keys.wake_channel,
                ],
            )
        )

    async def dead_letter(
        self, claimed: Reminder, letter: DeadLetter, now_ms: int, rearm: Reminder | None = None
    ) -> bool:
        return bool(
            await _call(
                self._dead,
                [
                    self._keys.leased,
                    self._keys.dead,
                    self._keys.chat_key(claimed.chat_id),
                    self._keys.due,
                ],
                [
                    claimed.member,
                    claimed.id,
                    claimed.occurrence_ms,
                    letter.to_json(),
                    now_ms,
                    keys.DEAD_LETTER_TTL_MS,
                    "" if rearm is None else rearm.occurrence_ms,
                    "" if rearm is None else rearm.encode(),
                    self._keys.wake_channel,
                ],
            )
        )

    async def drop_malformed(self, member: str, letter: DeadLetter, now_ms: int) -> None:
        """An entry whose record cannot be read: keep it as a dead letter for the operator."""
        pipe = self._redis.pipeline(transaction=True)
        pipe.zrem(self._keys.leased, member)
        pipe.zadd(self._keys.dead, {letter.to_json(): now_ms})
        pipe.pexpire(self._keys.dead, keys.DEAD_LETTER_TTL_MS)
        await pipe.execute()

    async def pause_pushes(self, until_ms: int, now_ms: int) -> None:
        await _call(self._pause, [keys.PUSH_WINDOW], [until_ms, now_ms])

    # --- the previous release's timers ---

    async def ack_legacy(self, member: str) -> None:
        await self._redis.zrem(self._keys.legacy_leased, member)

    async def requeue_legacy(self, member: str, timer: Timer, at_ms: int) -> bool:
        return bool(
            await _call(
                self._legacy_requeue,
                [self._keys.legacy_leased, self._keys.legacy_due],
                [member, timer.encode(), at_ms, self._keys.wake_channel],
            )
        )

    async def dead_letter_legacy(self, member: str, letter: DeadLetter, now_ms: int) -> bool:
        # The previous release's record shape, so its operator commands read it too.
        record = json.dumps(
            {
                "timer": letter.member,
                "chat_id": letter.chat_id,
                "reason": letter.reason,
                "status": letter.status,
                "request_id": letter.request_id,
                "died_at_ms": letter.died_at_ms,
            },
            ensure_ascii=False,
            sort_keys=True,
        )
        return bool(
            await _call(
                self._legacy_dead,
                [self._keys.legacy_leased, self._keys.legacy_dead],
                [member, record, now_ms, keys.DEAD_LETTER_TTL_MS],
            )
        )

    async def setters_of(self, chat_id: str, reminder_ids: list[str]) -> list[str]:
        """Who set these reminders of a group, in order of first mention ('' unknown: set
        before setters were kept, or by someone LINE did not name)."""
        raw = await self._redis.hmget(keys.setters_key(chat_id), reminder_ids)
        found = [v.decode() if isinstance(v, bytes) else str(v) for v in raw if v]
        return list(dict.fromkeys(found))

    async def speakers_of(self, chat_id: str, since_ms: int) -> list[str]:
        """Who spoke in a group since `since_ms`, latest first (at most keys.SPEAKERS_MAX)."""
        raw = await self._redis.zrevrangebyscore(
            keys.speakers_key(chat_id), "+inf", since_ms, start=0, num=keys.SPEAKERS_MAX
        )
        return [v.decode() if isinstance(v, bytes) else str(v) for v in raw]

    async def chat_reminders(self, chat_id: str) -> list[Reminder]:
        """A chat's reminders (the agenda's content), read when its agenda is due."""
        fields = await self._redis.hgetall(self._keys.chat_key(chat_id))
        found = []
        for field, record in fields.items():
            name = field.decode() if isinstance(field, bytes) else str(field)
            if name in keys.SETTING_FIELDS:
                continue
            try:
                found.append(Reminder.decode(chat_id, name, record))
            except MalformedReminderError:
                continue
        return found

    def wake_channel(self) -> str:
        return self._keys.wake_channel


async def _call(script: Any, keys_: list[str], args: list[Any]) -> Any:
    call = cast(Callable[..., Awaitable[Any]], script)
    return await call(keys=keys_, args=args)
