"""`python -m bot export` / `import`: a round trip keeps every pending reminder, and
importing twice changes nothing. Against a real redis-server."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import cast

import pytest
import redis

from bot.__main__ import main
from bot.adapters.redis import keys
from bot.adapters.redis.export import export_to, import_lines
from bot.adapters.redis.reminder_store import ReminderStore
from bot.domain.recurrence import Recurrence
from bot.domain.reminders import Kind, Reminder, new_reminder_id

DAY = 24 * 3600 * 1000
NOW = 1_767_225_600_000  # 2026-01-01T00:00Z


@pytest.fixture(autouse=True)
def env(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", redis_url)


def fill(client: redis.Redis) -> list[Reminder]:
    """A spread of what users set: a timer, one-shots a year ahead, a recurring rule, a label
    with the record separator in it, several chats, a chat's own time zone."""
    store = ReminderStore(client)
    daily = Recurrence("FREQ=DAILY;BYHOUR=7;BYMINUTE=0")
    made = [
        Reminder("U1", new_reminder_id(), Kind.TIMER, NOW + 180_000, "カップ麺", "180"),
        Reminder("U1", new_reminder_id(), Kind.ONCE, NOW + 364 * DAY, "年に一度: 点検"),
        Reminder.recurring("C2", new_reminder_id(), NOW + DAY, "起きる", daily),
        Reminder("R3", new_reminder_id(), Kind.ONCE, NOW + 5, "", "", 3),
    ]
    for reminder in made:
        assert store.add(reminder, event_id=None, max_pending=50).value == "added"
    store.set_timezone("C2", "America/New_York")
    return made


def snapshot(client: redis.Redis) -> tuple[dict[str, object], list[tuple[bytes, float]]]:
    chats = {k.decode(): client.hgetall(k) for k in client.scan_iter(match=keys.chat_key("") + "*")}
    due = cast(list[tuple[bytes, float]], client.zrange(keys.REMINDERS_DUE, 0, -1, withscores=True))
    return (cast(dict[str, object], chats), due)


def test_a_round_trip_through_an_empty_redis_keeps_every_pending_reminder(
    redis_client: redis.Redis,
) -> None:
    made = fill(redis_client)
    # One in flight: claimed by a worker when the export ran.
    leased = made[1]
    redis_client.zrem(keys.REMINDERS_DUE, leased.member)
    redis_client.zadd(keys.REMINDERS_LEASED, {leased.member: NOW + 1_000})
    before = snapshot(redis_client)
    out = io.StringIO()
    report = export_to(redis_client, out, NOW)
    assert (report.reminders, report.chats, report.settings) == (4, 3, 1)
    lines = out.getvalue().splitlines()
    assert json.loads(lines[0])["format"] == "line-timer-bot/reminders"
    states = {json.loads(line).get("state") for line in lines[1:]}
    assert states == {"due", "leased", None}

    redis_client.flushdb()  # the new Redis
    imported = import_lines(redis_client, lines)
    assert (imported.added, imported.kept, imported.refused) == (4, 0, [])
    chats, due = snapshot(redis_client)
    assert chats == before[0]
    assert {m for m, _ in due} == {r.member.encode() for r in made}
    for reminder in made:  # each armed for its occurrence, exactly as if just set
        assert redis_client.zscore(keys.REMINDERS_DUE, reminder.member) == reminder.occurrence_ms
    assert ReminderStore(redis_client).timezone("C2") == "America/New_York"

    again = import_lines(redis_client, lines)
    assert (again.added, again.kept) == (0, 4)
    assert snapshot(redis_client) == (chats, due)


def test_the_commands_round_trip_through_a_file(
    redis_client: redis.Redis, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(redis_client)
    before = snapshot(redis_client)
    path = tmp_path / "reminders.jsonl"
    assert main(["export", "--out", str(path)]) == 0
    assert "export: 4 reminders of 3 chats" in capsys.readouterr().err
    redis_client.flushdb()
    assert main(["import", str(path)]) == 0
    assert "import: added 4, kept 0" in capsys.readouterr().err
    assert main(["import", str(path)]) == 0
    assert "import: added 0, kept 4" in capsys.readouterr().err
    assert snapshot(redis_client) == before


def test_not_pending_and_broken_lines_are_reported_not_imported(
    redis_client: redis.Redis,
) -> None:
    made = fill(redis_client)
    redis_client.zrem(keys.REMINDERS_DUE, made[0].member)  # nothing would deliver it
    out = io.StringIO()
    report = export_to(redis_client, out, NOW)
    assert (report.reminders, report.not_pending) == (3, 1)
    redis_client.flushdb()
    lines = [*out.getvalue().splitlines(), "not json", '{"chat": "U1", "id": "x", "record": "?"}']
    imported = import_lines(redis_client, lines)
    assert imported.added == 3
    assert len(imported.refused) == 2
    assert imported.refused[0].startswith(f"line {len(lines) - 1}:")
