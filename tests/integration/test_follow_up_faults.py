"""Alerts before and repeats until done under a kill: a reminder and its follow-ups armed as
one group (ReminderStore.add_group) are each pushed exactly once while timer workers are
SIGKILLed and SIGTERMed and LINE fails some pushes (the delivery fault test's harness)."""

from __future__ import annotations

import signal
import time
from collections import Counter

import redis

from bot.adapters.redis import keys
from bot.adapters.redis.reminder_store import ReminderStore
from bot.domain.follow_ups import Links
from bot.domain.ports import Added
from bot.domain.reminders import Kind, Reminder, new_reminder_id
from linesim.process import SimulatorProcess
from tests.integration.test_delivery_faults import (
    Workers,
    _wait_accepted,
    _wait_settled,
    sim,
    workers,
)

__all__ = ["sim", "workers"]  # the fixtures
GROUPS = 150


def _add_groups(client: redis.Redis) -> set[str]:
    """Each chat: an alert 2 s before its reminder and two repeats 2 s and 4 s after (apart by
    more than the batching window, so each is its own push with its own retry key)."""
    store = ReminderStore(client)
    now = int(time.time() * 1000)
    retry_keys: set[str] = set()
    for i in range(GROUPS):
        chat, due = f"U{i:032x}", now + 3000 + i * 4000 // GROUPS
        parent = Reminder(chat, new_reminder_id(), Kind.ONCE, due, "会議")
        alert = Reminder(chat, new_reminder_id(), Kind.ONCE, due - 2000, "⏰ 2秒前: 会議")
        repeats = [
            Reminder(chat, new_reminder_id(), Kind.ONCE, due + n * 2000, f"🔁 会議 ({n + 1})")
            for n in (1, 2)
        ]
        links = Links([(alert.id, 2)], [(r.id, n) for n, r in enumerate(repeats, 1)], 1)
        group = [parent, alert, *repeats]
        added = store.add_group(group, links.encode(), event_id=f"ev-{i}", max_pending=50)
        assert added is Added.ADDED
        retry_keys.update(r.retry_key for r in group)
    client.publish(keys.TIMERS_WAKE_CHANNEL, "0")
    return retry_keys


def test_every_follow_up_is_pushed_exactly_once_through_kills(
    workers: Workers, sim: SimulatorProcess, redis_client: redis.Redis
) -> None:
    sim.client.set_faults(seed=11, push_error_before_rate=0.03, push_error_after_rate=0.02)
    a, b = workers.start(), workers.start()
    expected = _add_groups(redis_client)
    sim.client.wait_messages(count=120, timeout=20)
    a.kill()  # SIGKILL mid-run: its claims come back when their lease runs out
    workers.start()
    sim.client.wait_messages(count=300, timeout=20)
    b.send_signal(signal.SIGTERM)  # a deploy: finish or hand back, then exit 0
    workers.start()
    assert b.wait(10) == 0, workers.logs()[-3000:]

    pushes = _wait_accepted(sim, len(expected), timeout_s=60)
    accepted = Counter(m["retry_key"] for m in pushes)
    assert set(accepted) == expected, workers.logs()[-3000:]
    assert [key for key, n in accepted.items() if n > 1] == [], workers.logs()[-3000:]
    assert _wait_settled(redis_client, timeout_s=20), workers.logs()[-3000:]
    assert redis_client.keys("rem:chat:*") == []
