"""`python -m bot status`: what a running bot looks like from Redis and LINE's quota
endpoints (the in-repo simulator implements them), as a table and as JSON."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import redis.asyncio as aioredis

from bot.__main__ import main
from bot.adapters.redis import keys
from bot.adapters.redis.delivery_store import DeadLetter
from bot.adapters.redis.reminder_store import ReminderStore
from bot.adapters.redis.worker_registry import Lateness, WorkerRegistry
from bot.domain.reminders import Kind, Reminder, new_reminder_id
from bot.service.delivering import DeliveryStats
from linesim.process import SimulatorProcess, start_simulator_process
from localdev.stack import Stack

TOKEN = "status-test-token"
ROOT = Path(__file__).resolve().parents[2]
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorProcess]:
    with start_simulator_process(access_token=TOKEN, quota_enforced=True) as handle:
        yield handle


@pytest.fixture(autouse=True)
def env(redis_url: str, sim: SimulatorProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    sim.client.reset()
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("LINE_CHANNEL_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("LINE_API_BASE_URL", sim.url)


@pytest.fixture
def allkeys_lru(redis_client: redis.Redis) -> Iterator[None]:
    before = str(redis_client.config_get("maxmemory-policy")["maxmemory-policy"])
    redis_client.config_set("maxmemory-policy", "allkeys-lru")
    yield
    redis_client.config_set("maxmemory-policy", before)


def push(sim: SimulatorProcess, to: str) -> None:
    body = json.dumps({"to": to, "messages": [{"type": "text", "text": "hi"}]}).encode()
    request = urllib.request.Request(
        f"{sim.url}/v2/bot/message/push",
        data=body,
        headers={
            "Authorization": f"Bearer {TOKEN}",
            "Content-Type": "application/json",
            "X-Line-Retry-Key": str(uuid.uuid4()),
        },
    )
    with _NO_PROXY.open(request, timeout=10) as answer:
        assert answer.status == 200


def seed(client: redis.Redis, url: str) -> None:
    store = ReminderStore(client)
    now = time.time_ns() // 1_000_000
    for due in (now + 60_000, now + 3_600_000):
        store.add(Reminder("U1", new_reminder_id(), Kind.ONCE, due), event_id=None, max_pending=9)
    for reason in ("refused", "refused", "monthly_limit"):
        letter = DeadLetter(f"U2:{uuid.uuid4().hex}", "", "U2", reason, 400, None, now)
        client.zadd(keys.REMINDERS_DEAD, {letter.to_json(): now})

    async def beat() -> None:
        conn = aioredis.Redis.from_url(url)
        late = Lateness()
        for ms in (3, 4, 4, 8, 15):
            late.record(ms)
        await WorkerRegistry(conn, name="timer_worker.1").beat(DeliveryStats(delivered=5), late)
        await conn.aclose()

    asyncio.run(beat())


def test_json_shows_queues_workers_reminders_dead_letters_lateness_and_quota(
    redis_client: redis.Redis,
    redis_url: str,
    sim: SimulatorProcess,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seed(redis_client, redis_url)
    push(sim, "U" + uuid.uuid4().hex)
    assert main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["reminders"]["pending"] == 2
    assert status["reminders"]["next_due"] is not None
    assert status["dead_letters"] == {"refused": 2, "monthly_limit": 1}
    assert [q["name"] for q in status["queues"]] == ["high", "default", "low"]
    (worker,) = status["timer_workers"]
    assert worker["name"] == "timer_worker.1"
    assert worker["delivered"] == 5
    assert worker["heartbeat_age_s"] < 5
    late = status["recent"]["lateness"]
    assert late["count"] == 5
    assert 3 <= late["p50_ms"] <= 5
    assert 10 <= late["p99_ms"] <= 20
    assert status["spent"]["pushes_last_minutes"] == 5
    assert status["quota"] == {
        "available": True,
        "limited": True,
        "limit": 200,
        "used": 1,
        "remaining": 199,
        "error": None,
    }
    assert status["redis"]["warning"] is None


def test_the_table_warns_under_allkeys_lru(
    redis_client: redis.Redis, redis_url: str, allkeys_lru: None, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(redis_client, redis_url)
    assert main(["status"]) == 0
    out, err = capsys.readouterr()
    flat = " ".join(out.split())
    assert "WARNING" in flat
    assert "allkeys-lru" in flat
    assert "noeviction" in flat
    assert "timer_worker.1" in flat
    assert "used 0 of 200 (200 left)" in flat
    assert "refused=2" in flat
    assert "allkeys-lru" in err


def test_quota_unavailable_when_line_does_not_answer(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LINE_API_BASE_URL", "http://127.0.0.1:1")
    assert main(["status", "--json"]) == 0
    quota = json.loads(capsys.readouterr().out)["quota"]
    assert quota["available"] is False
    assert quota["error"]
    assert main(["status"]) == 0
    assert "quota: unavailable" in capsys.readouterr().out


def test_a_running_stack_with_its_quota(tmp_path: Path) -> None:
    """The Procfile's workers against the simulator: `python -m bot status` as an operator
    runs it, in its own process."""
    with Stack(processes=["timer_worker", "rq_worker"], log_dir=tmp_path) as stack:
        stack.sim.set_quota(enforced=True)  # the free plan's 200, in force
        env = {**stack.env}
        answer = subprocess.run(
            [sys.executable, "-m", "bot", "status", "--json"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        status = json.loads(answer.stdout)
        assert len(status["timer_workers"]) == 1
        assert len(status["rq_workers"]) >= 1
        assert status["quota"]["available"] is True
        assert status["quota"]["limit"] == 200
        table = subprocess.run(
            [sys.executable, "-m", "bot", "status"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        assert "LINE quota this month" in table.stdout
        assert "of 200" in table.stdout
