"""A deploy's overlap while the month's quota is spent: a timer worker of the previous release
(the last commit without the hold, run from its own source tree) beside this release's worker,
on one redis-server and the LINE simulator. Nothing is lost, nothing is sent twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from bot.adapters.redis import keys
from bot.adapters.redis.quota_state import request_recheck
from bot.adapters.redis.reminder_store import Added, ReminderStore
from bot.domain.reminders import Kind, Reminder, new_reminder_id
from linesim.process import SimulatorProcess, start_simulator_process
from tests.integration.test_delivery_faults import Workers, _wait_until, worker_env

ROOT = Path(__file__).resolve().parents[2]
# The last release that dead-letters the monthly-limit 429 (it knows nothing of the hold).
PREVIOUS_RELEASE = "7f62276"
ACCESS_TOKEN = "quota-overlap-token"
DAILY = "FREQ=DAILY;BYHOUR=7;BYMINUTE=0"


@pytest.fixture
def previous_release(tmp_path: Path) -> Path:
    tree = tmp_path / "previous"
    tree.mkdir()
    try:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", PREVIOUS_RELEASE],
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        pytest.skip(f"the previous release ({PREVIOUS_RELEASE}) is not in this checkout")
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True, timeout=60)
    assert not (tree / "bot/adapters/redis/held_store.py").exists()
    return tree


@pytest.fixture
def sim() -> Iterator[SimulatorProcess]:
    with start_simulator_process(access_token=ACCESS_TOKEN, latency_ms=20) as process:
        yield process


@pytest.fixture
def env(redis_url: str, sim: SimulatorProcess) -> dict[str, str]:
    return worker_env(redis_url, sim.url, ACCESS_TOKEN)


def _start_previous(tree: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "timer_worker.py"],
        cwd=tree,
        env={**env, "PYTHONPATH": str(tree)},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    assert _wait_until(lambda: b"timer worker started" in log.read_bytes(), 15), log.read_text()
    return proc


def test_an_old_worker_beside_a_new_one_while_holding_loses_nothing_and_sends_once(
    previous_release: Path,
    env: dict[str, str],
    sim: SimulatorProcess,
    redis_client: redis.Redis,
    tmp_path: Path,
) -> None:
    sim.client.set_quota(limit=2, used=2, enforced=True)
    old_log = tmp_path / "previous_worker.log"
    old = _start_previous(previous_release, env, old_log)
    try:
        store = ReminderStore(redis_client)
        now = int(time.time() * 1000)
        expected = {}
        for i in range(30):  # due over 3 s; every fifth a daily reminder
            chat, due = f"U{i:032x}", now + 300 + i * 100
            kind, rule = (Kind.RECURRING, DAILY) if i % 5 == 4 else (Kind.ONCE, "")
            reminder = Reminder(chat, new_reminder_id(), kind, due, f"用事{i}", rule)
            assert store.add(reminder, event_id=None, max_pending=50) is Added.ADDED
            expected[reminder.retry_key] = reminder
        redis_client.publish(keys.TIMERS_WAKE_CHANNEL, "0")
        # The old release alone: the monthly-limit 429 is a dead letter to it.
        assert _wait_until(lambda: redis_client.zcard(keys.REMINDERS_DEAD) >= 3, 15)
        workers = Workers(env, tmp_path)
        try:
            workers.start()  # the deploy: the new release beside the old one
            everything_held = lambda: redis_client.zcard(keys.HELD) == 30  # noqa: E731
            assert _wait_until(everything_held, 20), workers.logs()[-3000:]
            assert redis_client.zcard(keys.REMINDERS_DEAD) == 0  # taken back into the hold
            assert b"monthly_limit" in old_log.read_bytes()  # the old one did meet the limit

            sim.client.set_quota(limit=1000)  # the plan is raised while both still run
            assert _wait_until(
                lambda: redis_client.pubsub_numsub(keys.QUOTA_RECHECK_CHANNEL)[0][1] >= 1, 10
            )
            request_recheck(redis_client)
            accepted = lambda: Counter(  # noqa: E731
                m["retry_key"] for m in sim.client.messages() if m["kind"] == "push"
            )
            assert _wait_until(lambda: len(accepted()) == 30, 20), workers.logs()[-3000:]
            assert _wait_until(lambda: redis_client.zcard(keys.HELD) == 0, 10)
            assert set(accepted()) == set(expected)
            assert [key for key, n in accepted().items() if n > 1] == []
            assert store.dead_letters() == []
        finally:
            workers.stop_all()
    finally:
        os.killpg(old.pid, signal.SIGKILL)
        old.wait()
