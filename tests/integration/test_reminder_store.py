"""The reminder store's Lua scripts against a real redis-server: identities, the per-chat
index, claims under a lease, settling only what is still held, and the previous release's
timers drained alongside."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar, cast

import redis
import redis.asyncio as aioredis

from bot.adapters.redis import keys
from bot.adapters.redis.delivery_store import (
    ClaimedLegacyTimer,
    ClaimedReminder,
    DeadLetter,
    DeliveryStore,
)
from bot.adapters.redis.reminder_store import Added, ReminderStore
from bot.domain.reminders import Kind, Reminder, new_reminder_id
from bot.domain.timers import Timer, new_timer_id

T = TypeVar("T")
DAILY_7 = "FREQ=DAILY;BYHOUR=7;BYMINUTE=0"


def _reminder(due_ms: int, chat: str = "Uchat", kind: Kind = Kind.ONCE, arg: str = "") -> Reminder:
    return Reminder(chat, new_reminder_id(), kind, due_ms, "ラベル|付き", arg)


def _with_store(url: str, body: Callable[[DeliveryStore], Awaitable[T]], **kw: float) -> T:
    async def run() -> T:
        client = aioredis.Redis.from_url(url)
        try:
            store = DeliveryStore(
                client, lease_ms=int(kw.get("lease_ms", 500)), rate_per_s=kw.get("rate", 1e6)
            )
            return await body(store)
        finally:
            await client.aclose()

    return asyncio.run(run())


def test_add_is_once_per_event_and_bounded_per_chat(redis_client: redis.Redis) -> None:
    store = ReminderStore(redis_client)
    first = _reminder(1_000)
    assert store.add(first, event_id="01EVENT", max_pending=2) is Added.ADDED
    assert store.add(first, event_id="01EVENT", max_pending=2) is Added.DUPLICATE
    store.set_timezone("Uchat", "Europe/Paris")  # a setting is not a reminder
    assert store.add(_reminder(2_000), event_id="02", max_pending=2) is Added.ADDED
    assert store.add(_reminder(3_000), event_id="03", max_pending=2) is Added.FULL
    assert [r.occurrence_ms for r in store.pending("Uchat")] == [1_000, 2_000]
    assert store.pending("Uchat")[0] == first  # the label keeps its separator
    assert store.timezone("Uchat") == "Europe/Paris"
    assert 0 < redis_client.ttl(keys.event_seen_key("01EVENT")) <= keys.EVENT_SEEN_TTL_S


def test_cancel_and_delete_chat_touch_only_that_chat(redis_client: redis.Redis) -> None:
    store = ReminderStore(redis_client)
    mine = [_reminder(1_000 + i) for i in range(3)]
    theirs = _reminder(1_000, chat="Cother")
    for reminder in [*mine, theirs]:
        store.add(reminder, event_id=None, max_pending=50)
    assert store.cancel("Uchat", [mine[1].id, theirs.id]) == 1  # the other chat's id: no effect
    assert [r.id for r in store.pending("Uchat")] == [mine[0].id, mine[2].id]
    assert store.cancel("Uchat", [mine[1].id]) == 0  # a second tap changes nothing
    store.set_timezone("Uchat", "Asia/Tokyo")
    store.remember_listed("Uchat", [mine[0].id])
    assert store.delete_chat("Uchat") == 2
    assert store.pending("Uchat") == []
    assert store.timezone("Uchat") is None
    assert store.listed("Uchat") == []
    assert redis_client.zrange(keys.REMINDERS_DUE, 0, -1) == [theirs.member.encode()]


def test_concurrent_claimers_never_take_the_same_occurrence(
    redis_url: str, redis_client: redis.Redis
) -> None:
    store = ReminderStore(redis_client)
    added = set()
    for i in range(400):
        reminder = _reminder(1_000 + i, chat=f"U{i % 37}")
        store.add(reminder, event_id=None, max_pending=50)
        added.add(reminder.member)
    for i in range(100):  # the previous release's timers are drained by the same claims
        timer = Timer(new_timer_id(), f"U{i}", 1_000 + i, 3)
        redis_client.zadd(keys.LEGACY_TIMERS_DUE, {timer.encode(): timer.due_ms})
        added.add(timer.encode())

    async def claimer(store: DeliveryStore) -> list[str]:
        taken: list[str] = []
        while entries := (await store.claim(10_000, 7)).entries:
            taken.extend(e.member for e in entries)
        return taken

    async def race(_: DeliveryStore) -> list[list[str]]:
        async def one() -> list[str]:
            return await _with_store_async(redis_url, claimer)

        return list(await asyncio.gather(*(one() for _ in range(8))))

    results = _with_store(redis_url, race)
    claimed = [m for result in results for m in result]
    assert len(claimed) == len(set(claimed)) == 500
    assert set(claimed) == added
    assert sum(1 for r in results if r) > 1  # the claimers really raced


async def _with_store_async(url: str, body: Callable[[DeliveryStore], Awaitable[T]]) -> T:
    client = aioredis.Redis.from_url(url)
    try:
        return await body(DeliveryStore(client, lease_ms=10_000, rate_per_s=1e6))
    finally:
        await client.aclose()


def test_claim_returns_record_and_zone_and_an_expired_lease_comes_back(
    redis_url: str, redis_client: redis.Redis
) -> None:
    store = ReminderStore(redis_client)
    reminder = _reminder(2_000)
    store.add(reminder, event_id=None, max_pending=50)
    store.set_timezone("Uchat", "America/New_York")

    async def body(s: DeliveryStore) -> None:
        early = await s.claim(1_999, 10)
        assert (early.entries, early.next_due_ms) == ([], 2_000)
        first = await s.claim(2_000, 10)
        assert first.entries == [ClaimedReminder(reminder.member, reminder, "America/New_York")]
        assert first.next_lease_ms == 2_500
        assert (await s.claim(2_499, 10)).entries == []  # still leased
        again = await s.claim(2_500, 10)  # the lease ran out: a "crashed" worker's reminder
        assert again.entries == first.entries
        await s.ack(reminder)
        await s.ack(reminder)  # a repeat is harmless

    _with_store(redis_url, body)
    assert redis_client.zcard(keys.REMINDERS_LEASED) == 0
    assert store.pending("Uchat") == []


def test_a_recurring_ack_rearms_in_the_same_step_and_a_stale_ack_changes_nothing(
    redis_url: str, redis_client: redis.Redis
) -> None:
    store = ReminderStore(redis_client)
    reminder = _reminder(1_000, kind=Kind.RECURRING, arg=DAILY_7)
    store.add(reminder, event_id=None, max_pending=50)
    tomorrow = reminder.rearmed(1_000 + 86_400_000)

    async def body(s: DeliveryStore) -> None:
        (entry,) = (await s.claim(1_000, 10)).entries
        assert isinstance(entry, ClaimedReminder)
        await s.ack(reminder, tomorrow)
        await s.ack(reminder, tomorrow)  # another worker that also held occurrence 1 (409)
        assert await s.requeue(reminder, reminder.next_attempt(), 5_000) is False
        assert (await s.claim(2_000, 10)).entries == []

    _with_store(redis_url, body)
    assert store.pending("Uchat") == [tomorrow]
    assert redis_client.zscore(keys.REMINDERS_DUE, reminder.member) == tomorrow.occurrence_ms
    assert tomorrow.retry_key != reminder.retry_key  # a new message for LINE, not a 409


def test_requeue_counts_the_attempt_and_dead_letter_only_by_the_holder(
    redis_url: str, redis_client: redis.Redis
) -> None:
    sync_store = ReminderStore(redis_client)
    one, two = _reminder(1_000), _reminder(1_001)
    for reminder in (one, two):
        sync_store.add(reminder, event_id=None, max_pending=50)

    async def body(s: DeliveryStore) -> None:
        await s.claim(2_000, 10)
        assert await s.requeue(one, one.next_attempt(), 3_000) is True
        assert await s.requeue(one, one.next_attempt(), 3_000) is False  # no longer held
        letter = DeadLetter(two.member, two.encode(), two.chat_id, "rejected", 400, "r-1", 2_001)
        assert await s.dead_letter(two, letter, 2_001) is True
        (again,) = (await s.claim(3_000, 10)).entries
        assert isinstance(again, ClaimedReminder)
        assert again.reminder is not None
        assert again.reminder.attempt == 1

    _with_store(redis_url, body)
    letters = sync_store.dead_letters()
    assert [(s.letter.reason, s.letter.status, s.letter.request_id) for s in letters] == [
        ("rejected", 400, "r-1")
    ]
    assert [r.id for r in sync_store.pending("Uchat")] == [one.id]  # the dead one's record went
    assert 0 < redis_client.pttl(keys.REMINDERS_DEAD) <= keys.DEAD_LETTER_TTL_MS


def test_requeue_dead_removes_exactly_the_letter_it_sends_again(
    redis_url: str, redis_client: redis.Redis
) -> None:
    sync_store = ReminderStore(redis_client)
    reminder = _reminder(1_000)
    sync_store.add(reminder, event_id=None, max_pending=50)
    legacy = Timer(new_timer_id(), "Ulegacy", 1_000, 3, attempt=4)
    redis_client.zadd(keys.LEGACY_TIMERS_DUE, {legacy.encode(): 1_000})
    # A letter another tool wrote with other key order and escaping: it must still be the one
    # removed, not left behind while its twin is sent again.
    odd = '{"reason": "gave_up", "member": "Uodd:abcdefgh", "record": "1|0|o||x", "died_at_ms": 5}'
    redis_client.zadd(keys.REMINDERS_DEAD, {odd: 5})

    async def body(s: DeliveryStore) -> None:
        tired = reminder.next_attempt().next_attempt()
        for entry in (await s.claim(2_000, 10)).entries:
            if isinstance(entry, ClaimedLegacyTimer):
                letter = DeadLetter(entry.member, "", "Ulegacy", "gave_up", 500, None, 2_000)
                assert await s.dead_letter_legacy(entry.member, letter, 2_000)
            else:
                assert await s.requeue(reminder, tired, 2_000)
        (entry,) = (await s.claim(2_000, 10)).entries
        letter = DeadLetter(reminder.member, tired.encode(), "Uchat", "gave_up", 500, None, 2_000)
        assert await s.dead_letter(tired, letter, 2_000)

    _with_store(redis_url, body)
    assert len(sync_store.dead_letters()) == 3
    assert sync_store.requeue_dead(now_ms=5_000) == 3
    assert sync_store.dead_letters() == []
    assert (
        redis_client.zcard(keys.REMINDERS_DEAD) + redis_client.zcard(keys.LEGACY_TIMERS_DEAD) == 0
    )
    assert [r.attempt for r in sync_store.pending("Uchat")] == [0]
    assert redis_client.zscore(keys.REMINDERS_DUE, reminder.member) == 5_000
    (member,) = cast(list[bytes], redis_client.zrange(keys.LEGACY_TIMERS_DUE, 0, -1))
    assert Timer.decode(member).attempt == 0
    assert Timer.decode(member).retry_key == legacy.retry_key


def test_acks_of_one_loop_turn_are_one_script_call(
    redis_url: str, redis_client: redis.Redis
) -> None:
    store = ReminderStore(redis_client)
    reminders = [_reminder(1_000 + i, chat=f"U{i}") for i in range(50)]
    for reminder in reminders:
        store.add(reminder, event_id=None, max_pending=50)

    async def body(s: DeliveryStore) -> None:
        await s.claim(5_000, 100)
        redis_client.config_resetstat()
        await asyncio.gather(*(s.ack(r) for r in reminders))

    _with_store(redis_url, body)
    assert redis_client.zcard(keys.REMINDERS_LEASED) == 0
    stats = redis_client.info("commandstats")
    assert stats["cmdstat_evalsha"]["calls"] == 1
    assert redis_client.keys("rem:chat:*") == []


def test_ids_that_look_like_a_setting_are_still_reminders(redis_client: redis.Redis) -> None:
    store = ReminderStore(redis_client)
    odd = Reminder("Uchat", "_tzabcde", Kind.ONCE, 1_000)  # URL-safe base64 may start with _
    store.add(odd, event_id=None, max_pending=50)
    store.set_timezone("Uchat", "Asia/Tokyo")
    assert store.pending("Uchat") == [odd]
    assert store.get("Uchat", odd.id) == odd
    assert store.add(_reminder(2_000), event_id=None, max_pending=2) is Added.ADDED
    assert store.add(_reminder(3_000), event_id=None, max_pending=2) is Added.FULL
