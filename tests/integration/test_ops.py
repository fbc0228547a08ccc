"""Operator commands against a real redis-server: `python -m bot dead-letters` /
`requeue-dead`, and the old `python -m bot.entrypoints.ops` kept as an alias."""

from __future__ import annotations

import json

import pytest
import redis

from bot.__main__ import main
from bot.adapters.redis import keys
from bot.adapters.redis.delivery_store import DeadLetter
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
    assert main(["dead-letters"]) == 0
    assert main(["requeue-dead"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "no dead letters",
        "requeued 0 timers",
        "no dead letters",
        "requeued 0 timers",
    ]


def test_a_dead_letter_is_listed_and_requeued_under_python_m_bot(
    redis_client: redis.Redis, capsys: pytest.CaptureFixture[str]
) -> None:
    reminder = Reminder("U9", new_reminder_id(), Kind.ONCE, 5_000, "電話")
    letter = DeadLetter(reminder.member, reminder.encode(), "U9", "refused", 400, "req-1", 6_000)
    redis_client.zadd(keys.REMINDERS_DEAD, {letter.to_json(): 6_000})
    assert main(["dead-letters", "--limit", "5"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert "reason=refused" in line
    assert "status=400" in line
    assert "request_id=req-1" in line
    assert main(["requeue-dead"]) == 0
    assert capsys.readouterr().out.splitlines() == ["requeued 1 timers"]
    assert redis_client.zcard(keys.REMINDERS_DEAD) == 0
    assert redis_client.zscore(keys.REMINDERS_DUE, reminder.member) is not None
    assert json.loads(letter.to_json())["chat_id"] == "U9"


def test_without_redis_url_it_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("REDIS_URL")
    with pytest.raises(SystemExit) as exited:
        main(["dead-letters"])
    assert exited.value.code == 2
    assert "REDIS_URL" in capsys.readouterr().err
