"""RQ 3.0's own scheduler (`enqueue_in` + `rq worker --with-scheduler`) on the same burst."""

from __future__ import annotations

import random
import time
from datetime import timedelta
from typing import cast

from rq import Queue

from bench import procs
from bench.load import Lateness
from bench.precision import Context
from bench.rq_jobs import record_start
from localdev.harness import now_ms

QUEUE = "bench-timers"
STARTS_KEY = "bench:rq:starts"
SCHEDULER_LOCK = f"rq:scheduler-lock:{QUEUE}"


def run_rq_scheduler(
    ctx: Context,
    count: int,
    window_s: tuple[float, float],
    rng: random.Random,
    worker_class: str = "rq.Worker",
) -> Lateness:
    """Lateness = the job's start minus its due time (enqueue time + delay)."""
    lo_s, hi_s = window_s
    ctx.fresh()
    log = ctx.logdir / "rq_worker.log"
    worker = procs.start_rq_worker(ctx.redis_url, QUEUE, log, worker_class)
    try:
        _wait_for_scheduler(ctx, worker)
        queue = Queue(QUEUE, connection=ctx.client)
        for _ in range(count):
            delay_ms = rng.randrange(int(lo_s * 1000), int(hi_s * 1000))
            due = now_ms() + delay_ms
            queue.enqueue_in(
                timedelta(milliseconds=delay_ms),
                record_start,
                ctx.redis_url,
                STARTS_KEY,
                due,
                result_ttl=0,
            )
        deadline = time.monotonic() + hi_s + 30
        while ctx.client.llen(STARTS_KEY) < count and time.monotonic() < deadline:
            time.sleep(0.25)
        rows = cast(list[bytes], ctx.client.lrange(STARTS_KEY, 0, -1))
    finally:
        procs.stop(worker)
    values = []
    for row in rows:
        due_text, start_text = row.decode().split()
        values.append(float(start_text) - int(due_text))
    return Lateness(values, count)


def _wait_for_scheduler(ctx: Context, worker: object, timeout_s: float = 20.0) -> None:
    """Until the worker's scheduler holds the queue's lock (it then polls every second)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if ctx.client.exists(SCHEDULER_LOCK):
            return
        time.sleep(0.1)
    raise RuntimeError(f"rq's scheduler took no lock in {timeout_s}s (worker: {worker})")
