"""The timer worker in-process: a real redis-server, an injected clock and a pusher that
implements the worker's Pusher Protocol (LINE's answers scripted per test)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import redis
import redis.asyncio as aioredis

from bot.adapters.redis import keys
from bot.adapters.redis.delivery_store import DeliveryStore
from bot.adapters.redis.reminder_store import ReminderStore
from bot.domain.delivery import MAX_ATTEMPTS, PushOutcome
from bot.domain.push import Message, PushResult
from bot.domain.reminders import Kind, Reminder, new_reminder_id
from bot.domain.timers import Timer, new_timer_id
from bot.entrypoints.timer_worker import TimerWorker
from tests.integration.worker_support import Clock

TOKYO = ZoneInfo("Asia/Tokyo")
DAILY_7 = "FREQ=DAILY;BYHOUR=7;BYMINUTE=0"


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


@dataclass
class ScriptedPusher:
    """LINE as the worker sees it: each push is recorded and answered by `answer`."""

    answer: Callable[[str], PushResult] = lambda key: PushResult(PushOutcome.DELIVERED, 200)
    pushes: list[tuple[str, str, str]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def push(self, to: str, messages: list[Message], retry_key: str) -> PushResult:
        # What a phone's lock screen shows: the text, or a card's altText.
        shown = messages[0].get("altText") or messages[0]["text"]
        self.pushes.append((to, str(shown), retry_key))
        self.changed.set()
        return self.answer(retry_key)

    async def wait_for(self, count: int, timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while len(self.pushes) < count:
                self.changed.clear()
                await self.changed.wait()


@asynccontextmanager
async def running_worker(
    url: str, pusher: ScriptedPusher, clock: Clock
) -> AsyncIterator[tuple[TimerWorker, aioredis.Redis]]:
    client = aioredis.Redis.from_url(url)
    store = DeliveryStore(client, lease_ms=1_000, rate_per_s=1e6)
    worker = TimerWorker(
        store,
        pusher,
        client,
        concurrency=20,
        shutdown_grace_s=2,
        default_zone=TOKYO,
        clock=clock,
        jitter=lambda: 0.0,
    )
    task = asyncio.create_task(worker.run(install_signal_handlers=False))
    try:
        async with asyncio.timeout(5):  # a wake-up published before it listens would be lost
            while not (await client.pubsub_numsub(keys.TIMERS_WAKE_CHANNEL))[0][1]:
                await asyncio.sleep(0.005)
        yield worker, client
    finally:
        worker.request_stop()
        await asyncio.wait_for(task, 10)
        await client.aclose()


async def armed_for(store: ReminderStore, chat: str, moment: datetime) -> None:
    """Until the chat's reminder is re-armed for `moment` (its ack has landed): the clock
    must not jump while an ack is in flight, or the lease would lapse in virtual time."""
    async with asyncio.timeout(5):
        while [r.occurrence_ms for r in store.pending(chat)] != [ms(moment)]:
            await asyncio.sleep(0.005)  # the ack is a Redis write with no event to await


async def wake(client: aioredis.Redis) -> None:
    """What adding a sooner reminder does: every worker looks again at once."""
    await client.publish(keys.TIMERS_WAKE_CHANNEL, "0")


def test_a_daily_reminder_fires_once_a_day_and_skips_what_was_missed_too_long_ago(
    redis_url: str, redis_client: redis.Redis
) -> None:
    day1 = datetime(2026, 12, 1, 7, 0, tzinfo=TOKYO)
    reminder = Reminder("Udaily", new_reminder_id(), Kind.RECURRING, ms(day1), "起きる", DAILY_7)
    store = ReminderStore(redis_client)
    store.add(reminder, event_id=None, max_pending=50)
    clock = Clock(ms(day1) - 60_000)

    async def scenario() -> None:
        pusher = ScriptedPusher()
        async with running_worker(redis_url, pusher, clock) as (worker, client):
            await asyncio.sleep(0.2)
            assert pusher.pushes == []  # not due yet
            clock.now_ms = ms(day1) + 3
            await wake(client)
            await pusher.wait_for(1)
            await armed_for(store, "Udaily", day1.replace(day=2))
            clock.now_ms = ms(day1.replace(day=2)) + 5  # the next morning
            await wake(client)
            await pusher.wait_for(2)
            await armed_for(store, "Udaily", day1.replace(day=3))
            # Everything was down from day 3 06:00 to 09:00: 07:00 is 2 h late, past the grace.
            clock.now_ms = ms(day1.replace(day=3, hour=9))
            await wake(client)
            await armed_for(store, "Udaily", day1.replace(day=4))
            assert worker.stats.skipped == 1
        assert [text for _, text, _ in pusher.pushes] == [
            "⏰ 起きる\n（毎日 7:00・2026年12月1日(火) 7:00）",
            "⏰ 起きる\n（毎日 7:00・2026年12月2日(水) 7:00）",
        ]
        keys_used = [key for _, _, key in pusher.pushes]
        assert len(set(keys_used)) == 2  # one retry key per occurrence

    asyncio.run(scenario())
    (armed,) = store.pending("Udaily")
    assert armed.occurrence_ms == ms(datetime(2026, 12, 4, 7, 0, tzinfo=TOKYO))
    assert redis_client.zscore(keys.REMINDERS_DUE, reminder.member) == armed.occurrence_ms


def test_a_delivery_that_raises_counts_attempts_backs_off_and_is_dead_lettered(
    redis_url: str, redis_client: redis.Redis
) -> None:
    start = ms(datetime(2026, 12, 1, 12, 0, tzinfo=TOKYO))
    reminder = Reminder("Ubroken", new_reminder_id(), Kind.ONCE, start, "x")
    store = ReminderStore(redis_client)
    store.add(reminder, event_id=None, max_pending=50)
    clock = Clock(start)

    def broken(key: str) -> PushResult:
        raise RuntimeError("a bug in the push path")

    async def settled(attempts: int) -> list[int]:
        """Until the failed attempt is written back (or, at the last, dead-lettered)."""
        async with asyncio.timeout(5):
            while True:
                found = [r.attempt for r in store.pending("Ubroken")]
                if found == [attempts] or (not found and store.dead_letters()):
                    return found
                await asyncio.sleep(0.005)  # a Redis write with no event to await

    async def scenario() -> list[int]:
        pusher = ScriptedPusher(answer=broken)
        seen_attempts: list[int] = []
        async with running_worker(redis_url, pusher, clock) as (_, client):
            await wake(client)
            for attempt in range(1, MAX_ATTEMPTS + 1):
                await pusher.wait_for(attempt)
                seen_attempts.extend(await settled(attempt))
                clock.now_ms += 10 * 60_000  # past any backoff (capped at 5 min)
                await wake(client)
        return seen_attempts

    attempts = asyncio.run(scenario())
    assert attempts == list(range(1, MAX_ATTEMPTS))  # each raise counted as one attempt
    (letter,) = store.dead_letters()
    assert (letter.letter.reason, letter.letter.member) == ("gave_up", reminder.member)
    assert store.pending("Ubroken") == []
    assert redis_client.zcard(keys.REMINDERS_LEASED) == 0


def test_timers_stored_by_the_previous_release_are_delivered_once_with_their_keys(
    redis_url: str, redis_client: redis.Redis
) -> None:
    """Pending and leased members in the previous release's format, one of which LINE had
    already accepted just before that release's worker died (so the repeat must be a 409)."""
    now = ms(datetime(2026, 12, 1, 12, 0, tzinfo=TOKYO))
    pending = [Timer(new_timer_id(), f"U{i}", now - 10 + i, 180, "カップ麺") for i in range(3)]
    leased = Timer(new_timer_id(), "Uleased", now - 2_000, 5, attempt=2)
    for timer in pending:
        redis_client.zadd(keys.LEGACY_TIMERS_DUE, {timer.encode(): timer.due_ms})
    redis_client.zadd(keys.LEGACY_TIMERS_LEASED, {leased.encode(): now - 1_000})  # lapsed
    accepted_before = {leased.retry_key}

    def line(key: str) -> PushResult:
        if key in accepted_before:
            return PushResult(PushOutcome.ALREADY_DELIVERED, 409, "req-earlier")
        accepted_before.add(key)
        return PushResult(PushOutcome.DELIVERED, 200)

    async def scenario() -> ScriptedPusher:
        pusher = ScriptedPusher(answer=line)
        async with running_worker(redis_url, pusher, Clock(now)) as (worker, client):
            await wake(client)
            await pusher.wait_for(4)
            await asyncio.sleep(0.2)  # nothing more may come
            assert (worker.stats.delivered, worker.stats.already_delivered) == (3, 1)
        return pusher

    pusher = asyncio.run(scenario())
    assert sorted(key for _, _, key in pusher.pushes) == sorted(
        t.retry_key for t in [*pending, leased]
    )
    assert any(text.startswith("⏰ カップ麺の時間です！（3分）") for _, text, _ in pusher.pushes)
    for key in (keys.LEGACY_TIMERS_DUE, keys.LEGACY_TIMERS_LEASED, keys.REMINDERS_DUE):
        assert redis_client.zcard(key) == 0
