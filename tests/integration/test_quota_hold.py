"""Nothing lost when the month's messages run out: the timer worker in-process (an injected
clock) pushing to the LINE simulator with an enforced quota, the web app on a real HTTP server
answering the simulator's webhooks, a real redis-server."""

from __future__ import annotations

import asyncio
import functools
import json
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import redis
import redis.asyncio as aioredis
from werkzeug.serving import make_server

from bot.__main__ import main as bot_main
from bot.adapters.line.pushes import AsyncLinePusher
from bot.adapters.line.quota import numbers_fetcher
from bot.adapters.redis import keys
from bot.adapters.redis.delivery_store import DeliveryStore
from bot.adapters.redis.quota_state import read_snapshot
from bot.adapters.redis.reminder_store import ReminderStore
from bot.bootstrap import build_web_app
from bot.domain.reminders import Kind, Reminder, new_reminder_id
from bot.entrypoints.timer_worker import TimerWorker
from bot.entrypoints.web import shutdown
from bot.settings import Settings
from linesim.process import SimulatorProcess, start_simulator_process
from localdev.redis_server import free_port
from tests.integration.worker_support import Clock, pushes, until

TOKYO = ZoneInfo("Asia/Tokyo")
SECRET = "quota-test-secret"
TOKEN = "quota-test-token"
DAILY_7 = "FREQ=DAILY;BYHOUR=7;BYMINUTE=0"
T0 = int(datetime(2026, 12, 6, 7, 0, tzinfo=TOKYO).timestamp() * 1000)


@pytest.fixture(scope="module")
def webhook_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def sim(webhook_port: int) -> Iterator[SimulatorProcess]:
    url = f"http://127.0.0.1:{webhook_port}/callback"
    with start_simulator_process(webhook_url=url, channel_secret=SECRET, access_token=TOKEN) as p:
        yield p


@pytest.fixture
def web(redis_url: str, sim: SimulatorProcess, webhook_port: int) -> Iterator[None]:
    """The web process: the simulator's webhooks reach it, its replies reach the simulator."""
    sim.client.reset()
    settings = Settings(
        channel_secret=SECRET,
        channel_access_token=TOKEN,
        redis_url=redis_url,
        line_api_base_url=sim.url,
    )
    server = make_server("127.0.0.1", webhook_port, build_web_app(settings), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield
    server.shutdown()
    shutdown(5.0)


@asynccontextmanager
async def worker_on(
    redis_url: str, sim: SimulatorProcess, clock: Clock
) -> AsyncIterator[tuple[TimerWorker, aioredis.Redis]]:
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
        quota_fetch=numbers_fetcher(sim.url, TOKEN),
    )
    task = asyncio.create_task(worker.run(install_signal_handlers=False))
    try:
        async with asyncio.timeout(5):  # a message published before it listens would be lost
            while not (await client.pubsub_numsub(keys.QUOTA_RECHECK_CHANNEL))[0][1]:
                await asyncio.sleep(0.005)
        yield worker, client
    finally:
        worker.request_stop()
        await asyncio.wait_for(task, 10)
        await pusher.close()
        await client.aclose()


def pushed(sim: SimulatorProcess, chat: str, count: int) -> bool:
    return len(pushes(sim, chat)) == count


def holding(worker: TimerWorker) -> bool:
    return worker.quota.holding


def replies(sim: SimulatorProcess, chat: str) -> list[dict[str, Any]]:
    return [m for m in sim.client.messages(chat=chat) if m["kind"] == "reply"]


def alt_texts(records: list[dict[str, Any]]) -> list[str]:
    return [m.get("altText") or m.get("text", "") for r in records for m in r["messages"]]


def user() -> str:
    return "U" + uuid.uuid4().hex


def test_held_notifications_go_out_once_by_reply_or_by_push_after_the_plan_is_raised(
    redis_url: str,
    redis_client: redis.Redis,
    sim: SimulatorProcess,
    web: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # LINE refuses pushes with the monthly limit while its numbers still show room (as after a
    # group push that would cost more than is left): held, and not resumed on that room alone.
    sim.client.set_quota(limit=3, used=2, enforced=True)
    sim.client.set_faults(monthly_limit=True)
    store = ReminderStore(redis_client)
    talker, quiet = user(), user()
    pill = Reminder(talker, new_reminder_id(), Kind.ONCE, T0, "朝の薬")
    trash = Reminder(quiet, new_reminder_id(), Kind.RECURRING, T0, "ゴミ出し", DAILY_7)
    for reminder in (pill, trash):
        store.add(reminder, event_id=None, max_pending=50)
    clock = Clock(T0 + 5)

    async def scenario() -> None:
        async with worker_on(redis_url, sim, clock) as (worker, client):
            await client.publish(keys.TIMERS_WAKE_CHANNEL, "0")
            await until(lambda: redis_client.zcard(keys.HELD) == 2)
            # Held, not dead-lettered; the recurring one re-armed at once for tomorrow.
            assert store.dead_letters() == []
            (armed,) = store.pending(quiet)
            assert armed.occurrence_ms == T0 + 24 * 3600 * 1000
            assert holding(worker)
            hold = await until(lambda: read_snapshot(redis_client).hold)
            assert (hold.reason, hold.limit) == ("monthly_limit", 3)

            # The talker sends a sticker: one free reply, what it missed first.
            await asyncio.to_thread(sim.client.send_sticker, user_id=talker)
            (reply,) = await until(lambda: replies(sim, talker))
            missed, answer = reply["messages"]
            assert "朝の薬" in missed["text"]
            assert "12月6日(日) 7:00" in missed["text"]
            assert "スタンプや画像" in answer["text"]
            await until(lambda: redis_client.zcard(keys.HELD) == 1)

            # Two hours later the operator raises the plan and asks for a re-check.
            clock.now_ms = T0 + 2 * 3600 * 1000
            sim.client.set_quota(limit=10)
            sim.client.set_faults(monthly_limit=False)
            monkeypatch.setenv("REDIS_URL", redis_url)
            assert await asyncio.to_thread(bot_main, ["quota", "--resume"]) == 0
            (pushed,) = await until(lambda: pushes(sim, quiet))
            assert pushed["retry_key"] == trash.retry_key  # the held occurrence's own key
            (text,) = alt_texts([pushed])
            assert text.startswith("⏰ ゴミ出し")
            assert text.endswith("(遅れてのお知らせ: 本来 7:00)")
            await until(lambda: redis_client.zcard(keys.HELD) == 0)
            assert not holding(worker)

            # The recurring reminder keeps firing: tomorrow's occurrence, on time.
            clock.now_ms = T0 + 24 * 3600 * 1000 + 5
            await client.publish(keys.TIMERS_WAKE_CHANNEL, "0")
            both = await until(lambda: len(pushes(sim, quiet)) == 2 and pushes(sim, quiet))
            assert both[1]["retry_key"] == armed.retry_key
            assert "遅れて" not in alt_texts(both)[1]

    asyncio.run(scenario())
    assert pushes(sim, talker) == []  # its reply carried it: never pushed
    assert len(replies(sim, talker)) == 1
    assert store.dead_letters() == []
    assert redis_client.keys("rem:held:chat:*") == []
    assert read_snapshot(redis_client).hold is None


def test_consumption_at_the_quota_holds_before_any_429_and_warns_once_per_threshold(
    redis_url: str,
    redis_client: redis.Redis,
    sim: SimulatorProcess,
    web: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sim.client.set_quota(limit=10, used=7, enforced=True)
    clock = Clock(T0)
    chats = [user() for _ in range(4)]
    store = ReminderStore(redis_client)
    for i, chat in enumerate(chats):  # due one minute apart
        store.add(
            Reminder(chat, new_reminder_id(), Kind.ONCE, T0 + i * 60_000, f"用事{i}"),
            event_id=None,
            max_pending=50,
        )

    async def scenario() -> None:
        async with worker_on(redis_url, sim, clock) as (worker, client):
            await worker.quota.check(clock())  # 70 %: nothing to say yet
            for i in range(3):  # 8, 9, then 10 of 10 used
                clock.now_ms = T0 + i * 60_000
                await client.publish(keys.TIMERS_WAKE_CHANNEL, "0")
                await until(functools.partial(pushed, sim, chats[i], 1))
                await worker.quota.check(clock())
            assert worker.quota.holding  # LINE's numbers say spent: no push is spent on a 429
            clock.now_ms = T0 + 3 * 60_000
            await client.publish(keys.TIMERS_WAKE_CHANNEL, "0")
            await until(lambda: redis_client.zcard(keys.HELD) == 1)
            await worker.quota.check(clock())  # still spent: the warnings are not repeated

    asyncio.run(scenario())
    assert pushes(sim, chats[3]) == []
    assert sim.client.stats()["status_429"] == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len([w for w in warnings if "80% of this month's messages" in w]) == 1
    assert len([w for w in warnings if "95% of this month's messages" in w]) == 1
    assert len([w for w in warnings if "pushes are HELD" in w]) == 1
    hold = read_snapshot(redis_client).hold
    assert hold is not None
    assert hold.reason == "consumption"


def test_status_admin_and_metrics_say_so_loudly(
    redis_url: str, redis_client: redis.Redis, sim: SimulatorProcess, web: None
) -> None:
    from bot.entrypoints.admin import hour_data, render_metrics

    sim.client.set_quota(limit=2, used=2, enforced=True)
    chat = user()
    ReminderStore(redis_client).add(
        Reminder(chat, new_reminder_id(), Kind.ONCE, T0, "会議"), event_id=None, max_pending=50
    )

    async def scenario() -> None:
        async with worker_on(redis_url, sim, Clock(T0 + 1)) as (_, client):
            await client.publish(keys.TIMERS_WAKE_CHANNEL, "0")
            await until(lambda: redis_client.zcard(keys.HELD) == 1)
            await until(lambda: read_snapshot(redis_client).hold)

    asyncio.run(scenario())
    now = int(time.time() * 1000)
    quota = hour_data(redis_client, now)["quota"]
    assert isinstance(quota, dict)
    assert quota["holding"] is True
    assert quota["held"] == 1
    assert quota["notice"].startswith("PUSHES HELD")
    assert "1 notification(s) held" in quota["notice"]
    metrics = render_metrics(redis_client, now)
    assert "linebot_pushes_held 1" in metrics
    assert "linebot_held_notifications 1" in metrics
    assert "linebot_quota_used_ratio 1" in metrics


def test_a_new_month_resumes_by_itself_and_an_unfollow_forgets_what_was_held(
    redis_url: str,
    redis_client: redis.Redis,
    sim: SimulatorProcess,
    web: None,
    *,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sim.client.set_quota(limit=2, used=2, enforced=True)
    new_year_eve = int(datetime(2026, 12, 31, 23, 50, tzinfo=TOKYO).timestamp() * 1000)
    staying, leaving = user(), user()
    store = ReminderStore(redis_client)
    for chat, label in ((staying, "大掃除"), (leaving, "年賀状")):
        store.add(
            Reminder(chat, new_reminder_id(), Kind.ONCE, new_year_eve, label),
            event_id=None,
            max_pending=50,
        )
    clock = Clock(new_year_eve + 5)

    async def scenario() -> None:
        async with worker_on(redis_url, sim, clock) as (worker, client):
            await client.publish(keys.TIMERS_WAKE_CHANNEL, "0")
            await until(lambda: redis_client.zcard(keys.HELD) == 2)
            await until(lambda: read_snapshot(redis_client).hold)
            monkeypatch.setenv("REDIS_URL", redis_url)
            assert await asyncio.to_thread(bot_main, ["quota", "--json"]) == 0
            unfollow = {"type": "unfollow", "source": {"type": "user", "userId": leaving}}
            await asyncio.to_thread(sim.client.send_event, unfollow)
            await until(lambda: redis_client.zcard(keys.HELD) == 1)
            # Midnight in Japan: LINE's count starts again, and so do the pushes.
            sim.client.set_quota(used=0)
            clock.now_ms = new_year_eve + 10 * 60_000 + 5
            await client.publish(keys.TIMERS_WAKE_CHANNEL, "0")
            (pushed,) = await until(lambda: pushes(sim, staying))
            assert alt_texts([pushed])[0].endswith("(遅れてのお知らせ: 本来 12月31日(木) 23:50)")
            await until(lambda: redis_client.zcard(keys.HELD) == 0)
            assert not holding(worker)

    asyncio.run(scenario())
    report = json.loads(capsys.readouterr().out)
    assert (report["holding"], report["held"], report["limit"], report["used"]) == (True, 2, 2, 2)
    assert pushes(sim, leaving) == []
