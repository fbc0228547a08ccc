"""The claim's two push windows together (delivery_store.py, reminder_scripts.CLAIM) against a
real redis-server: claiming a backlog as the timer worker does, with an injected clock, every
slot of the long window is taken again the moment it frees, and no window holds more than its
limit."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import redis
import redis.asyncio as aioredis

from bot.adapters.redis.delivery_store import DeliveryStore
from bot.adapters.redis.reminder_store import ReminderStore
from bot.domain.reminders import Kind, Reminder, new_reminder_id

T0 = int(datetime(2026, 12, 7, 7, 0, tzinfo=ZoneInfo("Asia/Tokyo")).timestamp() * 1000)
RATE, MARGIN_MS, BACKLOG = 2_000, 30, 6_000


async def claim_backlog(redis_url: str) -> tuple[list[int], int]:
    """Claim everything due as the worker's loop does: again after the returned wait (1 ms when
    it is 0). The grant time of each entry, and how many claims granted nothing."""
    client = aioredis.Redis.from_url(redis_url)
    store = DeliveryStore(client, lease_ms=60_000, rate_per_s=RATE, margin_ms=MARGIN_MS)
    now, grants, empty = T0, list[int](), 0
    try:
        while len(grants) < BACKLOG:
            claim = await store.claim(now, 1_000)
            grants += [now] * len(claim.entries)
            empty += not claim.entries
            now += max(1, claim.rate_wait_ms)
    finally:
        await client.aclose()
    return grants, empty


def test_each_slot_is_granted_again_the_moment_it_frees_and_never_before(
    redis_url: str, redis_client: redis.Redis
) -> None:
    store = ReminderStore(redis_client)
    for i in range(BACKLOG):
        reminder = Reminder(f"U{i:032x}", new_reminder_id(), Kind.ONCE, T0, "ゴミ")
        store.add(reminder, event_id=None, max_pending=5)

    grants, empty = asyncio.run(claim_backlog(redis_url))

    span = 1_000 + MARGIN_MS
    # Grant k takes the slot grant k - 2,000 held: never before it frees (no window of the
    # span holds more than 2,000), and at once when it does (2,000 per span, 1,942/s). At
    # 194 per 100 ms the two windows disagreed: a second's eleventh burst of grants met the
    # full long window, and slots were taken again 1-68 ms after they freed (23 on average).
    late = [grants[k] - grants[k - RATE] - span for k in range(RATE, len(grants))]
    assert min(late) >= 0
    assert max(late) <= 1
    short, short_limit = span // 10, RATE // 10  # the short window: a tenth of each
    assert all(grants[k] - grants[k - short_limit] >= short for k in range(short_limit, BACKLOG))
    # A full claim says when to come back: none finds the windows full (half of them did when
    # the worker asked again at once after each full claim).
    assert empty == 0
