"""The threaded RQ worker's Redis traffic per job: RQ's per-dequeue heartbeats and idle-state
writes are what capped the drain of a burst (bench/formation.py), so their count is held."""

from __future__ import annotations

import redis
from rq import Queue

from bot.adapters.redis.connection import sync_client
from bot.jobs.workers import ThreadedWorker

JOBS = 40


def _commands(client: redis.Redis) -> dict[str, int]:
    stats = client.info("commandstats")
    return {name.removeprefix("cmdstat_"): int(v["calls"]) for name, v in stats.items()}


def test_a_burst_costs_a_few_round_trips_a_job_and_every_job_runs(
    redis_url: str, redis_client: redis.Redis
) -> None:
    client = sync_client(redis_url, max_connections=4)
    queue = Queue("high", connection=client)
    jobs = [queue.enqueue("builtins.len", [1] * i, result_ttl=60) for i in range(JOBS)]
    worker = ThreadedWorker(["high"], connection=client, threads=8)
    before = _commands(redis_client)
    worker.work(burst=True, with_scheduler=False)
    after = _commands(redis_client)
    assert [j.return_value(refresh=True) for j in jobs] == list(range(JOBS))
    spent = {k: after[k] - before.get(k, 0) for k in after if after[k] > before.get(k, 0)}
    # RQ alone: three worker heartbeats (HSET + 2 EXPIRE each) and an idle-state HSET around
    # every job, besides the job's own writes; here a heartbeat is at most one a second.
    # Measured: RQ 3.0's SimpleWorker loop 17 EXPIRE, 13 HSET a job and a suspension check
    # (EXISTS) each; here 9 and 8, and the check at most once a second.
    assert spent.get("expire", 0) <= 10 * JOBS, spent
    assert spent.get("hset", 0) <= 9 * JOBS, spent
    assert spent.get("exists", 0) <= 5, spent
