"""The Redis ReminderStore (its Lua scripts) passes the same contract as the in-memory fake."""

from __future__ import annotations

import pytest
import redis

from bot.adapters.redis import keys
from bot.adapters.redis.reminder_store import ReminderStore
from tests.contract.reminder_book_cases import CASES, CHAT, Case, once


@pytest.mark.parametrize("check", CASES.values(), ids=list(CASES))
def test_the_store_keeps_the_contract(check: Case, redis_client: redis.Redis) -> None:
    check(ReminderStore(redis_client))


def test_a_leased_reminder_is_not_rearmed(redis_client: redis.Redis) -> None:
    store = ReminderStore(redis_client)
    current = once("inflight", 1000)
    store.add(current, event_id=None, max_pending=9)
    redis_client.zrem(keys.REMINDERS_DUE, current.member)
    redis_client.zadd(keys.REMINDERS_LEASED, {current.member: 99_999})
    assert not store.rearm(current, current.rearmed(2000))


def test_a_full_redis_is_reported_as_a_full_store(redis_client: redis.Redis) -> None:
    from bot.domain.ports import StoreFullError

    store = ReminderStore(redis_client)
    before = str(redis_client.config_get("maxmemory")["maxmemory"])
    redis_client.config_set("maxmemory", "1")
    try:
        with pytest.raises(StoreFullError):
            store.add(once("toomuch_", 1000), event_id="ev-full", max_pending=9)
    finally:
        redis_client.config_set("maxmemory", before)
    assert store.pending(CHAT) == []
