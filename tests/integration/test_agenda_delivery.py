"""毎朝7時に今日の予定 through the real engine: at 7:00 one push lists the day's reminders; a
day with none sends nothing and the next morning is armed."""

from __future__ import annotations

import asyncio
from datetime import datetime

import redis

from bot.adapters.redis.reminder_store import ReminderStore
from bot.domain.agenda import AGENDA_LABEL
from bot.service.webhook_events import EventContext, handle_event
from tests.integration.handler_support import TOKYO, USER, ctx, text
from tests.integration.test_timer_worker import ScriptedPusher, ms, running_worker, wake
from tests.integration.worker_support import Clock

__all__ = ["ctx"]  # the fixture


def test_the_agenda_is_one_push_listing_the_day_and_none_on_an_empty_day(
    redis_url: str, redis_client: redis.Redis, ctx: EventContext
) -> None:
    sunday = datetime(2026, 12, 6, 12, 46, tzinfo=TOKYO)
    assert handle_event(text("毎朝7時に今日の予定", ms(sunday)), ctx) == "agenda_on"
    handle_event(text("明日9時 会議", ms(sunday) + 1), ctx)
    handle_event(text("明日18時 ジム", ms(sunday) + 2), ctx)
    store = ReminderStore(redis_client)
    clock = Clock(ms(sunday))

    def agenda_at() -> int:
        return next(r.occurrence_ms for r in store.pending(USER) if r.label == AGENDA_LABEL)

    async def scenario() -> None:
        pusher = ScriptedPusher()
        async with running_worker(redis_url, pusher, clock) as (_, client):
            clock.now_ms = ms(datetime(2026, 12, 7, 7, 0, tzinfo=TOKYO)) + 5
            await wake(client)
            await pusher.wait_for(1)
            async with asyncio.timeout(5):
                while agenda_at() != ms(datetime(2026, 12, 8, 7, 0, tzinfo=TOKYO)):
                    await asyncio.sleep(0.005)  # the ack re-arms the next morning
            # Tuesday has nothing: nothing is pushed, Wednesday is armed.
            for name in ("会議", "ジム"):
                store.cancel(USER, [r.id for r in store.pending(USER) if r.label == name])
            clock.now_ms = ms(datetime(2026, 12, 8, 7, 0, tzinfo=TOKYO)) + 5
            await wake(client)
            async with asyncio.timeout(5):
                while agenda_at() != ms(datetime(2026, 12, 9, 7, 0, tzinfo=TOKYO)):
                    await asyncio.sleep(0.005)
        assert [shown for _, shown, _ in pusher.pushes] == [
            "📅 12月7日(月)の予定\n09:00 会議\n18:00 ジム\n(2件 / 2 reminders)"
        ]

    asyncio.run(scenario())
