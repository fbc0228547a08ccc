"""`明日10時 会議 30分前にも` through the real engine: the alert at 9:30 and the event at 10:00
are pushed once each, each with its own retry key (a real redis-server, the timer worker
in-process on an injected clock)."""

from __future__ import annotations

import asyncio
from datetime import datetime

import redis

from bot.adapters.redis.reminder_store import ReminderStore
from bot.service.webhook_events import EventContext, handle_event
from tests.integration.handler_support import TOKYO, USER, ctx, text
from tests.integration.test_timer_worker import ScriptedPusher, ms, running_worker, wake
from tests.integration.worker_support import Clock

__all__ = ["ctx"]  # the fixture


def test_an_alert_and_its_event_are_pushed_once_each(
    redis_url: str, redis_client: redis.Redis, ctx: EventContext
) -> None:
    set_at = datetime(2026, 12, 6, 12, 46, tzinfo=TOKYO)
    assert handle_event(text("明日10時 会議 30分前にも", ms(set_at)), ctx) == "once"
    store = ReminderStore(redis_client)
    assert len(store.pending(USER)) == 2
    clock = Clock(ms(set_at))

    async def scenario() -> None:
        pusher = ScriptedPusher()
        async with running_worker(redis_url, pusher, clock) as (_, client):
            clock.now_ms = ms(datetime(2026, 12, 7, 9, 30, tzinfo=TOKYO)) + 5
            await wake(client)
            await pusher.wait_for(1)
            async with asyncio.timeout(5):
                while len(store.pending(USER)) != 1:  # the alert's ack has landed
                    await asyncio.sleep(0.005)
            clock.now_ms = ms(datetime(2026, 12, 7, 10, 0, tzinfo=TOKYO)) + 5
            await wake(client)
            await pusher.wait_for(2)
            async with asyncio.timeout(5):
                while store.pending(USER):
                    await asyncio.sleep(0.005)
            await asyncio.sleep(0.2)  # nothing more comes: a third push would show here
        shown = [text for _, text, _ in pusher.pushes]
        assert len(shown) == 2
        assert "30分前: 会議 (10:00)" in shown[0]
        assert "会議" in shown[1]
        assert "30分前" not in shown[1]
        assert len({key for _, _, key in pusher.pushes}) == 2

    asyncio.run(scenario())
