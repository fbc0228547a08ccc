"""Exactly once under faults: real timer worker processes, a real redis-server and the
LINE simulator failing, timing out, rate limiting, while workers are killed and restarted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis

from bot.adapters.redis import keys
from bot.adapters.redis.reminder_store import Added, ReminderStore
from bot.domain.reminders import Kind, Reminder, new_reminder_id
from bot.domain.timers import Timer, new_timer_id
from linesim.process import SimulatorProcess, start_simulator_process

ACCESS_TOKEN = "fault-test-token"
ROOT = Path(__file__).resolve().parents[2]
WORKER_ENV = {"PUSH_TIMEOUT_S": "0.5", "TIMER_LEASE_MS": "1000", "SHUTDOWN_GRACE_S": "3"}


class Workers:
    """Timer worker processes, each in its own process group, logs kept for failures."""

    def __init__(self, env: dict[str, str], logdir: Path) -> None:
        self.env = env
        self.logdir = logdir
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, ready_timeout_s: float = 10.0) -> subprocess.Popen[bytes]:
        """Start one more worker and return once it has logged that it runs."""
        path = self.logdir / f"timer_worker_{len(self.procs)}.log"
        log = path.open("wb")
        proc = subprocess.Popen(
            [sys.executable, "timer_worker.py"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append(proc)
        deadline = time.monotonic() + ready_timeout_s
        while b"timer worker started" not in path.read_bytes():
            assert proc.poll() is None, path.read_text(errors="replace")
            assert time.monotonic() < deadline, "timer worker did not start"
            time.sleep(0.02)  # a log line has no event to await
        return proc

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.logdir.glob("*.log")))


def _warm_up(sim: SimulatorProcess) -> None:
    """Await the simulator's LINE endpoints being ready (it loads the SDK's models lazily)."""
    body = json.dumps({"to": "Uwarmup", "messages": [{"type": "text", "text": "warm-up"}]})
    request = urllib.request.Request(
        f"{sim.url}/v2/bot/message/push",
        data=body.encode(),
        headers={"Authorization": f"Bearer {ACCESS_TOKEN}", "Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=30).close()
    sim.client.reset()


@pytest.fixture
def sim() -> Iterator[SimulatorProcess]:
    process = start_simulator_process(access_token=ACCESS_TOKEN, latency_ms=20)
    _warm_up(process)
    yield process
    process.stop()


def worker_env(redis_url: str, sim_url: str, token: str) -> dict[str, str]:
    """A timer worker's environment: this Redis, pushing to the simulator at `sim_url`."""
    return dict(
        os.environ,
        LINE_CHANNEL_SECRET="unused-by-the-timer-worker",
        LINE_CHANNEL_ACCESS_TOKEN=token,
        LINE_API_BASE_URL=sim_url,
        REDIS_URL=redis_url,
        **WORKER_ENV,
    )


@contextmanager
def worker_pool(redis_url: str, sim_url: str, token: str, logdir: Path) -> Iterator[Workers]:
    """Timer workers pushing to the simulator at `sim_url` with `token`; all stopped after."""
    pool = Workers(worker_env(redis_url, sim_url, token), logdir)
    try:
        yield pool
    finally:
        pool.stop_all()


@pytest.fixture
def workers(redis_url: str, sim: SimulatorProcess, tmp_path: Path) -> Iterator[Workers]:
    with worker_pool(redis_url, sim.url, ACCESS_TOKEN, tmp_path) as pool:
        yield pool


def _add_timers(client: redis.Redis, count: int, within_ms: tuple[int, int]) -> set[str]:
    """Reminders due within the window; every fourth one in the previous release's format
    (a whole-record member of `timers:due`, as a web process of that release writes it), so
    every test also covers a deploy's overlap. Returns the retry keys LINE should accept."""
    store = ReminderStore(client)
    now = int(time.time() * 1000)
    span = within_ms[1] - within_ms[0]
    retry_keys = set()
    for i in range(count):
        due, chat = now + within_ms[0] + i * span // count, f"U{i:032x}"
        if i % 4 == 3:
            timer = Timer(new_timer_id(), chat, due, 1)
            client.zadd(keys.LEGACY_TIMERS_DUE, {timer.encode(): due})
            retry_keys.add(timer.retry_key)
        else:
            reminder = Reminder(chat, new_reminder_id(), Kind.TIMER, due, "", "1")
            assert store.add(reminder, event_id=None, max_pending=50) is Added.ADDED
            retry_keys.add(reminder.retry_key)
    client.publish(keys.TIMERS_WAKE_CHANNEL, "0")
    return retry_keys


def _wait_accepted(sim: SimulatorProcess, expected: int, timeout_s: float) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout_s
    pushes: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        pushes = [m for m in sim.client.messages() if m["kind"] == "push"]
        if len({m["retry_key"] for m in pushes}) >= expected:
            break
        sim.client.wait_messages(count=len(pushes) + 1, timeout=1.0)
    return pushes


def _wait_until(condition: Callable[[], bool], timeout_s: float) -> bool:
    """Poll a Redis state that has no event to await, until it holds or time runs out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def _wait_settled(client: redis.Redis, timeout_s: float) -> bool:
    """Until nothing is pending or leased, in either release's keys."""
    return _wait_until(lambda: _held(client) == 0, timeout_s)


def _held(client: redis.Redis) -> int:
    return sum(
        client.zcard(key)
        for key in (
            keys.REMINDERS_DUE,
            keys.REMINDERS_LEASED,
            keys.LEGACY_TIMERS_DUE,
            keys.LEGACY_TIMERS_LEASED,
        )
    )


def test_every_timer_accepted_exactly_once_through_crashes_and_line_faults(
    workers: Workers, sim: SimulatorProcess, redis_client: redis.Redis
) -> None:
    sim.client.set_faults(
        seed=7,
        push_error_before_rate=0.03,
        push_error_after_rate=0.02,  # LINE accepted it, then answered 500
        timeout_rate=0.01,
        timeout_after_rate=0.01,
        timeout_hold_s=2,
        window_429={"in_ms": 3000, "duration_ms": 800, "retry_after_s": 1},
    )
    a, b, c = workers.start(), workers.start(), workers.start()
    expected = _add_timers(redis_client, 1000, within_ms=(1000, 7000))

    sim.client.wait_messages(count=200, timeout=15)
    a.kill()  # SIGKILL mid-run: its claims come back when their lease runs out
    workers.start()
    sim.client.wait_messages(count=500, timeout=15)
    b.send_signal(signal.SIGTERM)  # a deploy: finish or hand back, then exit 0
    c.send_signal(signal.SIGTERM)
    c.send_signal(signal.SIGTERM)  # the PaaS may signal twice
    workers.start()
    assert b.wait(10) == 0, workers.logs()[-3000:]
    assert c.wait(10) == 0, workers.logs()[-3000:]
    workers.start()

    pushes = _wait_accepted(sim, len(expected), timeout_s=60)
    accepted = Counter(m["retry_key"] for m in pushes)
    assert set(accepted) == expected, workers.logs()[-3000:]
    assert [key for key, n in accepted.items() if n > 1] == [], workers.logs()[-3000:]
    stats = sim.client.stats()
    assert stats["status_409"] > 0, stats  # accepted-then-500 pushes, retried with the same key
    # Accepted-then-500 timers are still retried until LINE answers 409; then nothing is left.
    assert _wait_settled(redis_client, timeout_s=20), workers.logs()[-3000:]
    assert ReminderStore(redis_client).dead_letters() == []
    assert redis_client.keys("rem:chat:*") == []  # delivered one-shots leave no record
    assert len([m for m in sim.client.messages() if m["kind"] == "push"]) == len(expected)


def _wait_dead(client: redis.Redis, count: int, timeout_s: float) -> bool:
    return _wait_until(
        lambda: client.zcard(keys.REMINDERS_DEAD) + client.zcard(keys.LEGACY_TIMERS_DEAD) >= count,
        timeout_s,
    )


def test_permanent_refusals_are_dead_lettered_with_reason_and_request_id(
    workers: Workers, sim: SimulatorProcess, redis_client: redis.Redis
) -> None:
    sim.client.set_faults(push_error_before_rate=1.0, push_error_status=403)  # e.g. blocked
    workers.start()
    _add_timers(redis_client, 4, within_ms=(0, 10))
    assert _wait_dead(redis_client, 4, timeout_s=10), workers.logs()
    letters = [stored.letter for stored in ReminderStore(redis_client).dead_letters()]
    assert {(d.reason, d.status) for d in letters} == {("rejected", 403)}
    assert all(d.request_id for d in letters)
    assert redis_client.pttl(keys.REMINDERS_DEAD) > 0
    assert redis_client.pttl(keys.LEGACY_TIMERS_DEAD) > 0
    assert sim.client.stats()["by_endpoint"]["push"] == {"403": 4}  # each tried once


def test_monthly_limit_holds_instead_of_retrying_in_a_loop(
    workers: Workers, sim: SimulatorProcess, redis_client: redis.Redis
) -> None:
    """This release's reminders are held for their chat (tests/integration/test_quota_hold.py);
    the previous release's format has no place in the hold and is dead-lettered as before."""
    sim.client.set_faults(monthly_limit=True)
    workers.start()
    _add_timers(redis_client, 4, within_ms=(0, 10))
    assert _wait_until(lambda: redis_client.zcard(keys.HELD) == 3, 10), workers.logs()
    assert _wait_until(lambda: redis_client.zcard(keys.LEGACY_TIMERS_DEAD) == 1, 10)
    assert [stored.legacy for stored in ReminderStore(redis_client).dead_letters()] == [True]
    refused = sim.client.stats()["by_endpoint"]["push"]
    assert set(refused) == {"429"}
    assert refused["429"] <= 4  # each tried once at most


def test_retry_after_pauses_every_worker(
    workers: Workers, sim: SimulatorProcess, redis_client: redis.Redis
) -> None:
    workers.start()
    workers.start()
    sim.client.set_faults(window_429={"in_ms": 0, "duration_ms": 1000, "retry_after_s": 2})
    expected = _add_timers(redis_client, 40, within_ms=(0, 200))
    pushes = _wait_accepted(sim, len(expected), timeout_s=20)
    assert {m["retry_key"] for m in pushes} == expected
    requests = [r for r in sim.client.requests() if r["path"].endswith("/push")]
    first_429 = min((r for r in requests if r["status"] == 429), key=lambda r: r["received_at_ms"])
    # Once the first 429 has reached a worker (answered, plus time to record the pause), nobody
    # pushes again until its Retry-After (2 s) has passed, although more timers fall due.
    known = first_429["answered_at_ms"] + 300
    after = [r["received_at_ms"] for r in requests if r["received_at_ms"] > known]
    assert after
    assert min(after) >= first_429["received_at_ms"] + 2000
    assert sum(1 for r in requests if r["status"] == 429) < 40


def test_a_redis_outage_loses_no_claim(
    workers: Workers, sim: SimulatorProcess, redis_client: redis.Redis, redis_server: object
) -> None:
    workers.start()
    expected = _add_timers(redis_client, 200, within_ms=(500, 3000))
    sim.client.wait_messages(count=20, timeout=10)
    server = redis_server.process  # type: ignore[attr-defined]
    server.send_signal(signal.SIGSTOP)  # Redis stops answering, connections stay open
    try:
        time.sleep(1.5)  # the length of the outage
    finally:
        server.send_signal(signal.SIGCONT)
    pushes = _wait_accepted(sim, len(expected), timeout_s=30)
    accepted = Counter(m["retry_key"] for m in pushes)
    assert set(accepted) == expected, workers.logs()[-3000:]
    assert max(accepted.values()) == 1
    assert workers.procs[0].poll() is None  # the worker rode it out


def test_a_push_slower_than_the_lease_is_not_taken_over(
    workers: Workers, sim: SimulatorProcess, redis_client: redis.Redis
) -> None:
    workers.env |= {"TIMER_LEASE_MS": "300", "PUSH_TIMEOUT_S": "5"}
    sim.client.set_faults(latency_ms=1200)  # each push takes four leases' time
    first, second = workers.start(), workers.start()
    expected = _add_timers(redis_client, 20, within_ms=(0, 100))
    pushes = _wait_accepted(sim, len(expected), timeout_s=15)
    assert {m["retry_key"] for m in pushes} == expected
    for worker in (first, second):  # exiting waits for every push in flight to be answered
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(10) == 0
    # Renewed leases: no worker pushed a timer again while its first push was slow.
    assert sim.client.stats()["by_endpoint"]["push"] == {"200": 20}
    assert _held(redis_client) == 0


def test_a_busy_worker_claims_again_as_soon_as_a_push_finishes(
    workers: Workers, sim: SimulatorProcess, redis_client: redis.Redis
) -> None:
    workers.env |= {"PUSH_CONCURRENCY": "5"}
    sim.client.set_faults(latency_ms=100)
    workers.start()
    expected = _add_timers(redis_client, 60, within_ms=(0, 10))
    started = time.monotonic()
    pushes = _wait_accepted(sim, len(expected), timeout_s=20)
    assert {m["retry_key"] for m in pushes} == expected
    # 60 pushes, 5 at a time, 100 ms each: ~1.2 s. A worker that waited for its idle timeout
    # (5 s) whenever all slots were busy would need a minute.
    assert time.monotonic() - started < 6
