"""Long jobs and heavy replies with real processes: the Procfile's rq_worker (a warm parent
and its forked workers), `python -m bot broadcast --yes`, a real redis-server and the LINE
simulator. The worker is SIGTERMed (or SIGKILLed) in the middle of a broadcast to 3,000
followers, or of 80 analyses, and started again: every follower receives the message exactly
once, every analysis is answered once, by reply. A SIGKILLed worker's job runs again within
EXECUTION_LEASE_S + SUPERVISE_S of the kill once a worker runs (awaited with that bound plus
the restarted worker's start-up)."""

from __future__ import annotations

import json
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
from bot.adapters.redis.iterations import IterationStore, progress_channel
from bot.entrypoints.rq_worker import SUPERVISE_S
from bot.jobs.workers import EXECUTION_LEASE_S
from linesim.process import SimulatorProcess, start_simulator_process

ACCESS_TOKEN = "broadcast-test-token"
ROOT = Path(__file__).resolve().parents[2]
FOLLOWERS = 3000
BATCH = 50  # 60 steps: long enough to be interrupted in the middle
# Kill → the job running again: the lease, one supervision tick, and the restarted worker's
# start-up (imports and janome's dictionary), with room for a busy CI machine.
RECOVERY_BOUND_S = EXECUTION_LEASE_S + SUPERVISE_S + 10


@pytest.fixture
def sim() -> Iterator[SimulatorProcess]:
    process = start_simulator_process(access_token=ACCESS_TOKEN, latency_ms=15)
    yield process
    process.stop()


@pytest.fixture
def env(redis_url: str, sim: SimulatorProcess) -> dict[str, str]:
    return dict(
        os.environ,
        LINE_CHANNEL_SECRET="unused-by-the-worker",
        LINE_CHANNEL_ACCESS_TOKEN=ACCESS_TOKEN,
        LINE_API_BASE_URL=sim.url,
        REDIS_URL=redis_url,
        RQ_WORKERS="2",
        BROADCAST_BATCH_SIZE=str(BATCH),
        SHUTDOWN_GRACE_S="10",
        PYTHONUNBUFFERED="1",
    )


class Worker:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        self.proc = subprocess.Popen(
            [sys.executable, "rq_worker.py"], cwd=ROOT, env=env, stdout=log.open("ab"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while b"Listening on" not in self.log.read_bytes():
            assert self.proc.poll() is None, self.log.read_text(errors="replace")
            assert time.monotonic() < deadline, "rq_worker did not start"
            time.sleep(0.02)  # a log line has no event to await

    def kill_group(self, sig: int) -> None:
        os.killpg(self.proc.pid, sig)


@pytest.fixture
def workers(env: dict[str, str], tmp_path: Path) -> Iterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for worker in started:
        if worker.proc.poll() is None:
            worker.kill_group(signal.SIGKILL)
            worker.proc.wait()


def _follow(client: redis.Redis, count: int) -> set[str]:
    users = {f"U{i:032x}" for i in range(count)}
    client.zadd(keys.FOLLOWERS, dict.fromkeys(users, 1))
    return users


def _start_broadcast(env: dict[str, str], text: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "broadcast", "--yes", text], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def _wait_progress(client: redis.Redis, at_least: int, timeout: float) -> tuple[str, int]:
    """Until some iteration's cursor reaches `at_least` (its progress messages); (id, cursor)."""
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.psubscribe(progress_channel("*"))
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            message = pubsub.get_message(timeout=0.5)
            if message is None or message["type"] != "pmessage":
                continue
            progress = json.loads(message["data"])
            if progress.get("cursor", -1) >= at_least:
                return message["channel"].decode().rsplit(":", 1)[1], progress["cursor"]
    finally:
        pubsub.close()
    raise AssertionError(f"no broadcast reached step {at_least} in {timeout}s")


def _received(sim: SimulatorProcess, since: int) -> Counter[str]:
    got: Counter[str] = Counter()
    for record in sim.client.messages(since=since):
        assert record["kind"] == "multicast"
        got.update(record["to"])
    return got


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_a_broadcast_interrupted_mid_way_reaches_every_follower_exactly_once(  # noqa: PLR0917 - fixtures
    env: dict[str, str],
    sim: SimulatorProcess,
    redis_client: redis.Redis,
    workers: list[Worker],
    tmp_path: Path,
    sig: int,
) -> None:
    followers = _follow(redis_client, FOLLOWERS)
    log = tmp_path / "rq_worker.log"
    workers.append(Worker(env, log))
    workers[0].wait_ready()
    since = sim.client.last_seq()
    cli = _start_broadcast(env, "メンテナンスのお知らせ")

    iteration_id, _ = _wait_progress(redis_client, at_least=10, timeout=30)
    if sig == signal.SIGTERM:
        os.kill(workers[0].proc.pid, signal.SIGTERM)  # the parent passes it on
        assert workers[0].proc.wait(timeout=15) == 0, log.read_text(errors="replace")
        state = IterationStore(redis_client).get(iteration_id)
        assert state is not None
        assert state.status == "interrupted", state
        listed = subprocess.run(
            [sys.executable, "-m", "bot", "jobs"], cwd=ROOT, env=env, capture_output=True,
            text=True, timeout=30, check=True,
        ).stdout  # fmt: skip
        (row,) = [line for line in listed.splitlines() if line.startswith(iteration_id)]
        assert "interrupted" in row
        assert f"{state.cursor}/{state.total}" in row
        assert f"{state.done}/{FOLLOWERS}" in row
    else:
        workers[0].kill_group(signal.SIGKILL)  # the whole dyno, without warning
        workers[0].proc.wait(timeout=5)
        state = IterationStore(redis_client).get(iteration_id)
        assert state is not None
        assert state.status == "running", state  # nobody could say otherwise
    stopped_at = state.cursor
    assert 10 <= stopped_at < state.total, "the broadcast was not stopped in the middle"

    restarted = time.monotonic()
    workers.append(Worker(env, log))
    _wait_progress(redis_client, at_least=stopped_at + 1, timeout=RECOVERY_BOUND_S)
    recovered_s = time.monotonic() - restarted
    output, _ = cli.communicate(timeout=60)
    assert cli.returncode == 0, output
    assert f"{FOLLOWERS} recipients" in output

    got = _received(sim, since)
    assert set(got) == followers
    assert set(got.values()) == {1}, [u for u, n in got.items() if n > 1][:5]
    final = IterationStore(redis_client).get(iteration_id)
    assert final is not None
    assert (final.status, final.done, final.cursor) == ("done", FOLLOWERS, final.total)
    assert not redis_client.exists(keys.BROADCAST_TO_FORMAT.format(iteration_id=iteration_id))
    print(f"resumed {recovered_s:.2f}s after the restart began")  # shown with -s


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_heavy_replies_caught_by_a_stop_are_answered_once_and_by_reply(  # noqa: PLR0917 - fixtures
    env: dict[str, str],
    sim: SimulatorProcess,
    redis_client: redis.Redis,
    workers: list[Worker],
    tmp_path: Path,
    sig: int,
) -> None:
    from bot.adapters.job_queue import JobQueue

    sim.client.set_faults(latency_ms=400)  # every reply call in flight for 0.4 s
    count = 80  # more than the worker's 2 × 16 job threads: some wait in the queue
    events = [sim.client.send_text("解析 すもも", user_id=f"U{i:032x}")["event"]
              for i in range(count)]  # fmt: skip
    since = sim.client.last_seq()
    log = tmp_path / "rq_worker.log"
    workers.append(Worker(env, log))
    queue = JobQueue(redis_client)
    for event in events:
        queue.enqueue_heavy(
            "analyze", chat_id=event["source"]["userId"], event_id=event["webhookEventId"],
            reply_token=event["replyToken"], text="すもも", received_ms=event["timestamp"],
        )  # fmt: skip
    workers[0].wait_ready()
    assert sim.client.wait_messages(1, since=since, timeout=30), "no reply at all"
    if sig == signal.SIGTERM:
        os.kill(workers[0].proc.pid, signal.SIGTERM)
        assert workers[0].proc.wait(timeout=10) == 0  # the jobs in flight finished first
    else:
        workers[0].kill_group(signal.SIGKILL)
        workers[0].proc.wait(timeout=5)
    workers.append(Worker(env, log))
    records = sim.client.wait_messages(count, since=since, timeout=RECOVERY_BOUND_S + 20)
    assert sorted(r["to"] for r in records) == sorted(e["source"]["userId"] for e in events)
    assert {r["kind"] for r in records} == {"reply"}
    # Nothing more arrives (a repeat would come as soon as a lease lapsed).
    assert len(sim.client.wait_messages(count + 1, since=since, timeout=1.5)) == count
