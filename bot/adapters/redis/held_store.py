"""Notifications held while the month's quota is spent (keys.HELD): kept per chat, taken by
the chat's next reply (web, sync redis) or pushed once the quota allows (timer worker, async).
The scripts are in held_scripts.py; the policy in bot.domain.quota.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

import redis
import redis.asyncio as aioredis

from bot.adapters.redis import held_scripts, keys
from bot.adapters.redis.claims import DeadLetter
from bot.domain.held import HeldEntry
from bot.domain.reminders import MalformedReminderError, Reminder

HELD_CHAT_PREFIX = keys.held_chat_key("")
CHAT_PREFIX = keys.chat_key("")
# A reply carrying held notifications keeps them this long: the reply sender gives up after
# 55 s (a reply token lasts a minute), so nobody else may take them before it has settled.
REPLY_LEASE_MS = 90_000
MONTHLY_LIMIT_REASON = "monthly_limit"


def held_field(reminder: Reminder) -> str:
    return f"{reminder.id}:{reminder.occurrence_ms}"


def held_member(reminder: Reminder) -> str:
    return f"{reminder.chat_id}:{held_field(reminder)}"


def decode_held(chat_id: str, field: str, record: str) -> Reminder | None:
    reminder_id, _, _ = field.partition(":")
    try:
        return Reminder.decode(chat_id, reminder_id, record)
    except MalformedReminderError:
        return None


@dataclass(frozen=True, slots=True)
class HeldClaim:
    entries: list[HeldEntry]
    next_ms: int | None  # the earliest held score (None: nothing held)
    rate_wait_ms: int


@dataclass(frozen=True, slots=True)
class Limiter:
    """The shared push windows' parameters (DeliveryStore.limiter())."""

    limit: int
    window_ms: int
    margin_ms: int
    short_limit: int
    short_window_ms: int


__all__ = ["HeldEntry", "HeldStore"]


class HeldStore:
    """The timer worker's side (redis.asyncio)."""

    def __init__(self, client: aioredis.Redis, limiter: Limiter) -> None:
        self._redis = client
        self._limiter = limiter
        self._hold = client.register_script(held_scripts.HOLD)
        self._claim = client.register_script(held_scripts.CLAIM)
        self._done = client.register_script(held_scripts.DONE)
        self._release = client.register_script(held_scripts.RELEASE)
        self._rescue = client.register_script(held_scripts.RESCUE)

    async def hold(self, claimed: Reminder, then: Reminder | None, held_at: Reminder) -> bool:
        """Move a claimed occurrence into the hold (and re-arm `then`) in one step."""
        return bool(
            await _call(
                self._hold,
                [
                    keys.REMINDERS_LEASED,
                    keys.chat_key(claimed.chat_id),
                    keys.REMINDERS_DUE,
                    keys.HELD,
                    keys.held_chat_key(claimed.chat_id),
                ],
                [
                    claimed.member,
                    claimed.id,
                    claimed.occurrence_ms,
                    held_field(held_at),
                    held_member(held_at),
                    held_at.encode(),
                    held_at.occurrence_ms,
                    "" if then is None else then.occurrence_ms,
                    "" if then is None else then.encode(),
                    keys.TIMERS_WAKE_CHANNEL,
                ],
            )
        )

    async def claim(self, now_ms: int, want: int, lease_ms: int) -> HeldClaim:
        """Held notifications to push, each leased (renewed by the worker while its push is in
        flight, as claimed reminders are: a killed worker's come back within a lease)."""
        lim = self._limiter
        raw = await _call(
            self._claim,
            [keys.HELD, keys.PUSH_WINDOW, keys.PUSH_WINDOW_SHORT],
            [
                now_ms,
                lease_ms,
                max(1, want),
                lim.limit,
                lim.window_ms,
                lim.margin_ms,
                lim.short_limit,
                lim.short_window_ms,
                HELD_CHAT_PREFIX,
                CHAT_PREFIX,
                keys.SETTING_TIMEZONE,
            ],
        )
        rows = [r.decode() if isinstance(r, bytes) else str(r) for r in cast(list[Any], raw)]
        entries = []
        for i in range(0, len(rows) - 2, 3):
            member, record, zone = rows[i : i + 3]
            chat_id, _, field = member.partition(":")
            entries.append(HeldEntry(member, chat_id, decode_held(chat_id, field, record), zone))
        next_raw, wait_raw = rows[-2:]
        next_ms = float(next_raw)
        return HeldClaim(
            entries, None if next_ms < 0 else math.ceil(next_ms), math.ceil(float(wait_raw))
        )

    async def renew(self, entries: list[HeldEntry], until_ms: int) -> None:
        """XX: never brings back one that was delivered meanwhile."""
        if entries:
            await self._redis.zadd(keys.HELD, {e.member: until_ms for e in entries}, xx=True)

    async def done(self, entry: HeldEntry) -> None:
        field = entry.member.partition(":")[2]
        await _call(
            self._done, [keys.HELD, keys.held_chat_key(entry.chat_id)], [entry.chat_id, field]
        )

    async def release(self, entry: HeldEntry, at_ms: int) -> None:
        await _call(self._release, [keys.HELD], [at_ms, entry.member])

    async def dead_letter(self, entry: HeldEntry, letter: DeadLetter, now_ms: int) -> None:
        """LINE refused it for good (a blocked bot, a bad request): kept for the operator."""
        pipe = self._redis.pipeline(transaction=True)
        pipe.zrem(keys.HELD, entry.member)
        pipe.hdel(keys.held_chat_key(entry.chat_id), entry.member.partition(":")[2])
        pipe.zadd(keys.REMINDERS_DEAD, {letter.to_json(): now_ms})
        pipe.pexpire(keys.REMINDERS_DEAD, keys.DEAD_LETTER_TTL_MS)
        await pipe.execute()

    async def rescue(self, since_ms: int) -> int:
        """Take back the previous release's monthly-limit dead letters since `since_ms`."""
        moved = await _call(
            self._rescue,
            [keys.REMINDERS_DEAD, keys.HELD],
            [since_ms, HELD_CHAT_PREFIX, MONTHLY_LIMIT_REASON],
        )
        return int(moved)

    async def count(self) -> int:
        return int(await self._redis.zcard(keys.HELD))


class HeldBook:
    """The web's side (sync redis): what a chat missed, for its next reply."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._take = client.register_script(held_scripts.TAKE)
        self._done = client.register_script(held_scripts.DONE)
        self._release = client.register_script(held_scripts.RELEASE)
        self._forget = client.register_script(held_scripts.FORGET)

    def forget_chat(self, chat_id: str) -> int:
        return int(self._forget(keys=[keys.HELD, keys.held_chat_key(chat_id)], args=[chat_id]))

    def take(self, chat_id: str, now_ms: int, at_most: int) -> list[Reminder]:
        raw = self._take(
            keys=[keys.HELD, keys.held_chat_key(chat_id)],
            args=[chat_id, now_ms, now_ms + REPLY_LEASE_MS, at_most],
        )
        rows = [r.decode() if isinstance(r, bytes) else str(r) for r in cast(list[Any], raw)]
        taken = (decode_held(chat_id, rows[i], rows[i + 1]) for i in range(0, len(rows), 2))
        return [r for r in taken if r is not None]

    def done(self, chat_id: str, reminders: list[Reminder]) -> None:
        fields = [held_field(r) for r in reminders]
        self._done(keys=[keys.HELD, keys.held_chat_key(chat_id)], args=[chat_id, *fields])

    def release(self, chat_id: str, reminders: list[Reminder], at_ms: int) -> None:
        self._release(keys=[keys.HELD], args=[at_ms, *(held_member(r) for r in reminders)])


def held_count(client: redis.Redis) -> int:
    return int(client.zcard(keys.HELD))


async def _call(script: Any, keys_: list[str], args: list[Any]) -> Any:
    call = cast(Callable[..., Awaitable[Any]], script)
    return await call(keys=keys_, args=args)
