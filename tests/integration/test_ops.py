"""Operator commands against a real redis-server."""

from __future__ import annotations

import pytest
import redis

from bot.adapters.redis import keys
from bot.adapters.redis.reminder_store import ReminderStore
from bot.domain.reminders import Kind, Reminder, new_reminder_id
from bot.domain.timers import Timer, new_timer_id
from bot.entrypoints import ops


@pytest.fixture(autouse=True)
def env(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINE_CHANNEL_SECRET", "s")
    monkeypatch.setenv("LINE_CHANNEL_ACCESS_TOKEN", "t")
    monkeypatch.setenv("REDIS_URL", redis_url)


def test_status_counts_pending_timers(
    redis_client: redis.Redis, capsys: pytest.CaptureFixture[str]
) -> None:
    store = ReminderStore(redis_client)
    for due in (1_000, 2_000):
        store.add(Reminder("U1", new_reminder_id(), Kind.ONCE, due), event_id=None, max_pending=9)
    legacy = Timer(new_timer_id(), "U1", 3_000, 1)  # written by the previous release
    redis_client.zadd(keys.LEGACY_TIMERS_DUE, {legacy.encode(): legacy.due_ms})
    assert ops.main(["status"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "pending: 3",
        "in flight (leased): 0",
        "dead-lettered: 0",
        "previous release's timers still pending: 1",
    ]


def test_dead_letters_when_there_are_none(capsys: pytest.CaptureFixture[str]) -> None:
    assert ops.main(["dead-letters"]) == 0
    assert ops.main(["requeue-dead"]) == 0
    assert capsys.readouterr().out.splitlines() == ["no dead letters", "requeued 0 timers"]
