"""Held notifications under crashes and deploys: real timer worker processes, a real
redis-server and the LINE simulator with an enforced monthly quota."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from bot.adapters.redis import keys
from bot.adapters.redis.claims import DeadLetter
from bot.adapters.redis.quota_state import request_recheck
from bot.adapters.redis.reminder_store import Added, ReminderStore
from bot.domain.reminders import Kind, Reminder, new_reminder_id
from linesim.process import SimulatorProcess, start_simulator_process
from tests.integration.test_delivery_faults import Workers, _wait_until, worker_pool

ACCESS_TOKEN = "quota-fault-token"
DAILY = "FREQ=DAILY;BYHOUR=7;BYMINUTE=0"


@pytest.fixture
def sim() -> Iterator[SimulatorProcess]:
    with start_simulator_process(access_token=ACCESS_TOKEN, latency_ms=20) as process:
        yield process


@pytest.fixture
def workers(redis_url: str, sim: SimulatorProcess, tmp_path: Path) -> Iterator[Workers]:
    with worker_pool(redis_url, sim.url, ACCESS_TOKEN, tmp_path) as pool:
        yield pool


def _add(client: redis.Redis, count: int) -> dict[str, Reminder]:
    """One-shots due now (and every fifth a daily reminder), one chat each: retry key → it."""
    store = ReminderStore(client)
    now = int(time.time() * 1000)
    added = {}
    for i in range(count):
        chat, due = f"U{i:032x}", now + i * 10
        if i % 5 == 4:
            reminder = Reminder(chat, new_reminder_id(), Kind.RECURRING, due, "毎日", DAILY)
        else:
            reminder = Reminder(chat, new_reminder_id(), Kind.ONCE, due, f"用事{i}")
        assert store.add(reminder, event_id=None, max_pending=50) is Added.ADDED
        added[reminder.retry_key] = reminder
    client.publish(keys.TIMERS_WAKE_CHANNEL, "0")
    return added


def _listening(client: redis.Redis) -> bool:
    """A timer worker hears `quota --resume` (it subscribes just after it logs that it runs)."""
    return bool(client.pubsub_numsub(keys.QUOTA_RECHECK_CHANNEL)[0][1])


def _accepted(sim: SimulatorProcess) -> Counter[str]:
    return Counter(m["retry_key"] for m in sim.client.messages() if m["kind"] == "push")


def test_a_worker_killed_while_holding_or_pushing_the_held_loses_nothing_and_sends_once(
    workers: Workers, sim: SimulatorProcess, redis_client: redis.Redis
) -> None:
    sim.client.set_quota(limit=2, used=2, enforced=True)
    a = workers.start()
    expected = _add(redis_client, 40)
    assert _wait_until(lambda: redis_client.zcard(keys.HELD) >= 10, 15), workers.logs()
    a.kill()  # SIGKILL while holding: what it had claimed comes back within a lease
    b = workers.start()
    assert _wait_until(lambda: redis_client.zcard(keys.HELD) == 40, 15), workers.logs()[-3000:]
    assert ReminderStore(redis_client).dead_letters() == []
    b.kill()
    workers.start()  # a restart while holding: the hold and the held are in Redis

    sim.client.set_quota(limit=1000)  # the operator raises the plan...
    assert _wait_until(lambda: _listening(redis_client), 10)  # (the new worker subscribed)
    assert request_recheck(redis_client) >= 1  # ...and runs `python -m bot quota --resume`
    assert _wait_until(lambda: len(_accepted(sim)) >= 10, 15), workers.logs()[-3000:]
    workers.procs[-1].kill()  # SIGKILL while pushing the held: same retry keys, 409 for repeats
    workers.start()

    assert _wait_until(lambda: len(_accepted(sim)) == 40, 20), workers.logs()[-3000:]
    assert _wait_until(lambda: redis_client.zcard(keys.HELD) == 0, 10)
    accepted = _accepted(sim)
    assert set(accepted) == set(expected)
    assert [key for key, n in accepted.items() if n > 1] == []
    assert ReminderStore(redis_client).dead_letters() == []
    assert redis_client.keys("rem:held:chat:*") == []
    # The daily reminders were re-armed when held, not when pushed: each has its next one.
    for reminder in expected.values():
        pending = ReminderStore(redis_client).pending(reminder.chat_id)
        if reminder.kind is Kind.RECURRING:
            assert [r.occurrence_ms > reminder.occurrence_ms for r in pending] == [True]
        else:
            assert pending == []


def test_what_the_previous_release_dead_letters_for_the_monthly_limit_is_held_again(
    workers: Workers, sim: SimulatorProcess, redis_client: redis.Redis
) -> None:
    """During a deploy's overlap an old worker still dead-letters a monthly-limit 429: a letter
    in the shape its DEAD_LETTER writes (DeadLetter.to_json, unchanged in this release). The new
    worker takes it back into the hold, and pushes it once the quota allows."""
    sim.client.set_quota(limit=0, used=0, enforced=True)
    store = ReminderStore(redis_client)
    now = int(time.time() * 1000)
    old = Reminder("U" + "a" * 32, new_reminder_id(), Kind.ONCE, now - 2_000, "旧リリース")
    letter = DeadLetter(old.member, old.encode(), old.chat_id, "monthly_limit", 429, "req-old", now)
    redis_client.zadd(keys.REMINDERS_DEAD, {letter.to_json(): now})
    workers.start()
    _add(redis_client, 1)  # meets the 429 in this release: the hold begins
    assert _wait_until(lambda: redis_client.zcard(keys.HELD) == 2, 15), workers.logs()
    assert store.dead_letters() == []

    sim.client.set_quota(limit=10)
    assert _wait_until(lambda: _listening(redis_client), 10)
    request_recheck(redis_client)
    assert _wait_until(lambda: old.retry_key in _accepted(sim), 15), workers.logs()
    assert _wait_until(lambda: redis_client.zcard(keys.HELD) == 0, 10)
