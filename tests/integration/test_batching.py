"""Fewer pushes: one chat's notifications due together go out as one push with one retry key,
each still delivered exactly once. The timer worker in-process (an injected clock), pushing to
the LINE simulator; a real redis-server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import redis
import redis.asyncio as aioredis

from bot.adapters.line.pushes import AsyncLinePusher
from bot.adapters.redis import keys
from bot.adapters.redis.batch_store import BatchStore
from bot.adapters.redis.delivery_store import DeliveryStore
from bot.adapters.redis.reminder_store import ReminderStore
from bot.domain import batching
from bot.domain.batching import SavedBatch
from bot.domain.push import text_message
from bot.domain.reminders import Kind, Reminder, new_reminder_id
from bot.entrypoints.timer_worker import TimerWorker
from linesim.process import SimulatorProcess, start_simulator_process
from tests.integration.worker_support import Clock, pushes, until

TOKYO = ZoneInfo("Asia/Tokyo")
TOKEN = "batching-test-token"
T0 = int(datetime(2026, 12, 6, 7, 0, tzinfo=TOKYO).timestamp() * 1000)
DAY = 24 * 3600 * 1000


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorProcess]:
    with start_simulator_process(access_token=TOKEN) as process:
        yield process


@asynccontextmanager
async def worker_on(
    redis_url: str, sim: SimulatorProcess, clock: Clock
) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_url)
    pusher = AsyncLinePusher(sim.url, TOKEN, timeout_s=5.0, pool_size=10)
    worker = TimerWorker(
        DeliveryStore(client, lease_ms=1_000, rate_per_s=1e6),
        pusher,
        client,
        concurrency=10,
        shutdown_grace_s=2,
        default_zone=TOKYO,
        clock=clock,
        jitter=lambda: 0.0,
    )
    task = asyncio.create_task(worker.run(install_signal_handlers=False))
    try:
        async with asyncio.timeout(5):
            while not (await client.pubsub_numsub(keys.TIMERS_WAKE_CHANNEL))[0][1]:
                await asyncio.sleep(0.005)
        yield client
    finally:
        worker.request_stop()
        await asyncio.wait_for(task, 10)
        await pusher.close()
        await client.aclose()


def add(store: ReminderStore, *reminders: Reminder) -> None:
    for reminder in reminders:
        store.add(reminder, event_id=None, max_pending=50)


def test_one_chats_notifications_due_together_go_out_in_one_push(
    redis_url: str, redis_client: redis.Redis, sim: SimulatorProcess
) -> None:
    sim.client.reset()
    store = ReminderStore(redis_client)
    chat, other = "U" + "a" * 32, "U" + "b" * 32
    together = [
        Reminder(chat, new_reminder_id(), Kind.ONCE, T0, "薬"),
        Reminder(chat, new_reminder_id(), Kind.ONCE, T0 + 400, "水"),
        Reminder(
            chat, new_reminder_id(), Kind.RECURRING, T0, "体操", "FREQ=DAILY;BYHOUR=7;BYMINUTE=0"
        ),
    ]
    later = Reminder(chat, new_reminder_id(), Kind.ONCE, T0 + 5_000, "出発")
    alone = Reminder(other, new_reminder_id(), Kind.ONCE, T0, "会議")
    add(store, *together, later, alone)
    clock = Clock(T0 + 500)  # the first three are due; the fourth is 4.5 s away

    async def scenario() -> None:
        async with worker_on(redis_url, sim, clock) as client:
            await client.publish(keys.TIMERS_WAKE_CHANNEL, "0")
            await until(lambda: pushes(sim, chat) and pushes(sim, other))
            clock.now_ms = T0 + 5_000
            await client.publish(keys.TIMERS_WAKE_CHANNEL, "0")
            await until(lambda: len(pushes(sim, chat)) == 2)
            await until(lambda: [r.label for r in store.pending(chat)] == ["体操"])

    asyncio.run(scenario())
    first, second = pushes(sim, chat)
    assert first["retry_key"] == batching.batch_key(together)
    assert sorted(m["altText"].splitlines()[0] for m in first["messages"]) == [
        "⏰ 体操",
        "⏰ 水",
        "⏰ 薬",
    ]
    assert second["retry_key"] == later.retry_key  # not waited for: due 4.5 s after
    assert len(second["messages"]) == 1
    (single,) = pushes(sim, other)
    assert single["retry_key"] == alone.retry_key
    (armed,) = store.pending(chat)
    assert armed.occurrence_ms == T0 + DAY  # the recurring one re-armed as usual
    assert sim.client.quota()["used"] == 3  # three pushes for five notifications


def test_a_batch_tried_again_is_the_same_request_and_each_notification_arrives_once(
    redis_url: str, redis_client: redis.Redis, sim: SimulatorProcess
) -> None:
    """LINE accepts the batch, then answers 500: the retry carries the same key and the same
    messages, LINE answers 409, and each notification is acknowledged once."""
    sim.client.reset()
    sim.client.set_faults(script=["error_after"])
    store = ReminderStore(redis_client)
    chat = "U" + "c" * 32
    batch = [Reminder(chat, new_reminder_id(), Kind.ONCE, T0, f"用事{i}") for i in range(2)]
    add(store, *batch)
    clock = Clock(T0 + 5)

    async def scenario() -> None:
        async with worker_on(redis_url, sim, clock) as client:
            await client.publish(keys.TIMERS_WAKE_CHANNEL, "0")
            await until(lambda: [r.attempt for r in store.pending(chat)] == [1, 1])
            clock.now_ms += 60_000  # past the backoff
            await client.publish(keys.TIMERS_WAKE_CHANNEL, "0")
            await until(lambda: store.pending(chat) == [])

    asyncio.run(scenario())
    requests = [r for r in sim.client.requests() if r["endpoint"] == "push"]
    assert [r["status"] for r in requests] == [500, 409]
    assert {r["retry_key"] for r in requests} == {batching.batch_key(batch)}
    (delivered,) = pushes(sim, chat)  # accepted once, with both
    assert len(delivered["messages"]) == 2
    assert store.dead_letters() == []
    assert redis_client.pttl(f"rem:batch:{batching.batch_key(batch)}") > 0  # kept for 24 h


def test_an_occurrence_claimed_again_goes_out_as_the_batch_it_was_saved_in(
    redis_url: str, redis_client: redis.Redis, sim: SimulatorProcess
) -> None:
    """A worker saved a batch of two and stopped; one of them comes back on its own. The claim
    names the batch it was in, and the same request goes out again (LINE then answers 409 if
    it had it), not a card of its own under another retry key."""
    sim.client.reset()
    store = ReminderStore(redis_client)
    chat = "U" + "d" * 32
    pair = [Reminder(chat, new_reminder_id(), Kind.ONCE, T0, f"用事{i}") for i in range(2)]
    add(store, pair[0])
    saved = SavedBatch(batching.batch_key(pair), chat, [text_message("保存した内容")])
    clock = Clock(T0 + 5)

    async def scenario() -> None:
        before = aioredis.Redis.from_url(redis_url)
        await BatchStore(before).save(saved, pair)  # as the stopped worker left it
        await before.aclose()
        async with worker_on(redis_url, sim, clock) as client:
            await client.publish(keys.TIMERS_WAKE_CHANNEL, "0")
            await until(lambda: store.pending(chat) == [])

    asyncio.run(scenario())
    (sent,) = pushes(sim, chat)
    assert sent["retry_key"] == saved.key
    assert sent["messages"] == saved.messages


def test_a_group_notification_mentions_who_set_it(
    redis_url: str, redis_client: redis.Redis, sim: SimulatorProcess
) -> None:
    sim.client.reset()
    store = ReminderStore(redis_client)
    group, other_group = "C" + "d" * 32, "C" + "e" * 32
    alice, bob = "U" + "1" * 32, "U" + "2" * 32
    store.add(
        Reminder(group, new_reminder_id(), Kind.ONCE, T0, "掃除"),
        event_id=None,
        max_pending=50,
        setter=alice,
    )
    for setter, label in ((alice, "買い物"), (bob, "洗濯")):
        store.add(
            Reminder(other_group, new_reminder_id(), Kind.ONCE, T0, label),
            event_id=None,
            max_pending=50,
            setter=setter,
        )
    clock = Clock(T0 + 5)

    async def scenario() -> None:
        async with worker_on(redis_url, sim, clock) as client:
            await client.publish(keys.TIMERS_WAKE_CHANNEL, "0")
            await until(lambda: pushes(sim, group) and pushes(sim, other_group))

    asyncio.run(scenario())
    (one,) = pushes(sim, group)
    card, mention = one["messages"]
    assert card["type"] == "flex"
    assert mention["type"] == "textV2"
    assert mention["text"] == "{u0} ⏰ お知らせです"
    assert mention["substitution"]["u0"]["mentionee"] == {"type": "user", "userId": alice}
    (both,) = pushes(sim, other_group)  # one push: two cards, one message mentioning both setters
    assert [m["type"] for m in both["messages"]] == ["flex", "flex", "textV2"]
    mentioned = {s["mentionee"]["userId"] for s in both["messages"][2]["substitution"].values()}
    assert mentioned == {alice, bob}
    assert redis_client.pttl(keys.setters_key(other_group)) > 0
