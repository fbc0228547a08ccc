"""Operator commands against a real redis-server."""

from __future__ import annotations

import pytest
import redis

from bot.adapters.redis.timer_store import TimerStore
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
    store = TimerStore(redis_client)
    for due in (1_000, 2_000):
        store.add(Timer(new_timer_id(), "U1", due, 1))
    assert ops.main(["status"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "pending: 2",
        "in flight (leased): 0",
        "dead-lettered: 0",
    ]


def test_dead_letters_when_there_are_none(capsys: pytest.CaptureFixture[str]) -> None:
    assert ops.main(["dead-letters"]) == 0
    assert ops.main(["requeue-dead"]) == 0
    assert capsys.readouterr().out.splitlines() == ["no dead letters", "requeued 0 timers"]
