"""The timer worker's notify loop in-process (a real redis-server, a scripted pusher): the
API's messages go out as plain text with one retry key across attempts, and only this
release's notify loop ever claims them — a claim of the reminder keys, which is all a timer
worker of the previous release reads, never sees one."""

from __future__ import annotations

import asyncio

import redis
import redis.asyncio as aioredis

from bot.adapters.redis import keys
from bot.adapters.redis.delivery_store import DeliveryStore
from bot.adapters.redis.notify_store import NotifyStore
from bot.adapters.redis.worker_registry import Lateness
from bot.domain.delivery import PushOutcome
from bot.domain.push import PushResult
from bot.domain.reminders import Kind, Reminder, new_reminder_id
from bot.entrypoints.notify_loop import WithNotify, notify_worker
from bot.entrypoints.timer_worker import TimerWorker, now_ms
from bot.service.delivering import DeliveryStats
from bot.settings import Settings
from tests.integration.test_timer_worker import ScriptedPusher

CHAT = "U" + "7" * 32


def queue_message(client: redis.Redis, text: str) -> Reminder:
    message = Reminder(CHAT, new_reminder_id(), Kind.NOTIFY, now_ms(), text)
    NotifyStore(client).enqueue(message, request="", max_waiting=10)
    return message


def test_the_reminder_keys_claim_never_sees_an_api_message(
    redis_url: str, redis_client: redis.Redis
) -> None:
    queue_message(redis_client, "CPU 95%")

    async def claims() -> tuple[int, int]:
        client = aioredis.Redis.from_url(redis_url)
        try:
            reminders = DeliveryStore(client, lease_ms=1_000, rate_per_s=1e6)
            notify = DeliveryStore(client, lease_ms=1_000, rate_per_s=1e6, queue=keys.NOTIFY_QUEUE)
            seen_by_reminders = len((await reminders.claim(now_ms(), 10)).entries)
            return seen_by_reminders, len((await notify.claim(now_ms(), 10)).entries)
        finally:
            await client.aclose()

    assert asyncio.run(claims()) == (0, 1)


def test_the_notify_loop_pushes_plain_text_once_retrying_with_the_same_key(
    redis_url: str, redis_client: redis.Redis
) -> None:
    answers = iter([PushResult(PushOutcome.FAILED, 500)])
    pusher = ScriptedPusher(
        answer=lambda key: next(answers, PushResult(PushOutcome.DELIVERED, 200))
    )
    message = queue_message(redis_client, "ディスク残り 5%\n/var")

    async def run() -> None:
        client = aioredis.Redis.from_url(redis_url)
        store = DeliveryStore(client, lease_ms=1_000, rate_per_s=1e6, queue=keys.NOTIFY_QUEUE)
        worker = TimerWorker(
            store, pusher, client, concurrency=5, shutdown_grace_s=2, jitter=lambda: 0.0
        )
        task = asyncio.create_task(worker.run(install_signal_handlers=False))
        try:
            await pusher.wait_for(2)  # the 500, then the retry after its backoff
            async with asyncio.timeout(5):
                while await client.exists(keys.NOTIFY_QUEUE.chat_key(CHAT)):
                    await asyncio.sleep(0.005)  # the ack is a Redis write with no event to await
        finally:
            worker.request_stop()
            await asyncio.wait_for(task, 10)
            await client.aclose()

    asyncio.run(run())

    assert pusher.pushes == [(CHAT, "ディスク残り 5%\n/var", message.retry_key)] * 2
    assert redis_client.zcard(keys.NOTIFY_DUE) == 0
    assert redis_client.zcard(keys.NOTIFY_LEASED) == 0


def test_one_registration_counts_both_loops(redis_url: str, redis_client: redis.Redis) -> None:
    settings = Settings("secret", "token", redis_url)

    async def beat() -> str:
        client = aioredis.Redis.from_url(redis_url)
        try:
            notify = notify_worker(client, ScriptedPusher(), settings)
            notify.stats.delivered = 2
            registry = WithNotify(client, notify)
            await registry.beat(DeliveryStats(delivered=3, retried=1), Lateness())
            await notify.registry.beat(notify.stats, notify.lateness)  # registers nothing
            return registry.name
        finally:
            await client.aclose()

    name = asyncio.run(beat())

    assert redis_client.zrange(keys.WORKERS, 0, -1) == [name.encode()]
    counted = redis_client.hgetall(keys.worker_key(name))
    assert (counted[b"delivered"], counted[b"retried"]) == (b"5", b"1")
