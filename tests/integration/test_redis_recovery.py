"""Redis killed and brought back: a durable redis-server that the test SIGKILLs and restarts on
the same port and data, under a real timer worker process (the LINE simulator recording its
pushes) and under an RQ worker's dequeue."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from rq import Queue

from bot.adapters.redis.connection import sync_client
from bot.jobs.workers import BotWorker
from linesim.process import SimulatorProcess, start_simulator_process
from localdev.redis_server import RedisServer
from tests.integration.test_delivery_faults import (
    ACCESS_TOKEN,
    Workers,
    _add_timers,
    _wait_accepted,
    _warm_up,
    worker_env,
)

# Long enough for the previous release's claim retries to reach their 2 s cap, so that it would
# resume here 1.3-1.8 s after Redis answers (bench.redis_outage); the new policy's cap is 0.5 s.
OUTAGE_S = 6.0
# The goal is 1 s; the worst case of the 0.5 s cap is ~0.6 s. The bound must stay below what the
# previous release measured, so it is the goal itself, not a looser one.
RESUME_BOUND_S = 1.0


@pytest.fixture
def durable_redis() -> Iterator[RedisServer]:
    server = RedisServer(durable=True).start()
    yield server
    server.stop()


@pytest.fixture
def sim() -> Iterator[SimulatorProcess]:
    process = start_simulator_process(access_token=ACCESS_TOKEN, latency_ms=20)
    _warm_up(process)
    yield process
    process.stop()


def test_timers_due_while_redis_was_down_are_pushed_once_within_a_second_of_its_return(
    durable_redis: RedisServer, sim: SimulatorProcess, tmp_path: Path
) -> None:
    env = worker_env(durable_redis.url, sim.url, ACCESS_TOKEN)
    workers = Workers(env, tmp_path)
    try:
        worker = workers.start()
        client = redis.Redis.from_url(durable_redis.url)
        # Pushed before the outage: the worker's pool holds connections when Redis dies.
        before = _add_timers(client, 20, within_ms=(0, 200))
        assert len({m["retry_key"] for m in _wait_accepted(sim, 20, timeout_s=10)}) == 20
        # Due during the outage (the first 1.5 s after the kill), added before it.
        during = _add_timers(client, 100, within_ms=(1500, 4000))
        client.close()
        durable_redis.kill()
        time.sleep(OUTAGE_S)  # the outage itself, not a wait for an event
        back_ms = durable_redis.restart() * 1000
        pushes = _wait_accepted(sim, len(before | during), timeout_s=30)
        accepted = Counter(m["retry_key"] for m in pushes)
        assert set(accepted) == before | during, workers.logs()[-3000:]
        assert max(accepted.values()) == 1
        after = sorted(p["received_at_ms"] - back_ms for p in pushes if p["retry_key"] in during)
        print(f"first push {after[0]:.0f} ms, last {after[-1]:.0f} ms after Redis answered again")
        assert after[0] >= 0  # nothing of it reached LINE while Redis was down
        assert after[0] <= RESUME_BOUND_S * 1000, workers.logs()[-3000:]
        assert after[-1] <= RESUME_BOUND_S * 1000 + 500  # 100 pushes take a claim or three
        assert worker.poll() is None  # the worker rode it out
    finally:
        workers.stop_all()


def test_an_rq_worker_dequeues_within_a_second_of_redis_coming_back(
    durable_redis: RedisServer,
) -> None:
    client = sync_client(durable_redis.url, max_connections=2)
    worker = BotWorker([Queue("high", connection=client)], connection=client, name="recovering")
    dequeued_at: list[float] = []
    # The worker's own loop, in a thread: it waits in 1-s rounds and rides out the outage.
    waiting = threading.Thread(
        target=lambda: dequeued_at.append(
            time.time() if worker.dequeue_job_and_maintain_ttl(timeout=5) else -1.0
        )
    )
    waiting.start()
    try:
        durable_redis.kill()
        time.sleep(4.0)  # the outage; RQ's own loop would now wait 1, 2, then 4 s
        back = durable_redis.restart()
        producer = redis.Redis.from_url(durable_redis.url)
        Queue("high", connection=producer).enqueue("builtins.len", "x")
        producer.close()
        waiting.join(timeout=15)
    finally:
        worker.request_stop(0, None)
        waiting.join(timeout=5)
    assert dequeued_at, "the worker never dequeued the job"
    print(f"dequeued {dequeued_at[0] - back:.3f} s after Redis answered again")
    assert 0 <= dequeued_at[0] - back <= RESUME_BOUND_S
