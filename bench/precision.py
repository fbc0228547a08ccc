"""Lateness and throughput of the timer worker, measured where LINE receives the pushes."""

from __future__ import annotations

import random
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis

from bench import procs
from bench.endpoints import LineEndpoint, wait_pushes
from bench.jitter import Jitter, Probe
from bench.load import (
    Lateness,
    add_via_store,
    bulk_add,
    lateness_of,
    make_timers,
    spread,
)
from localdev import harness
from localdev.harness import now_ms


@dataclass
class Context:
    """What every scenario shares: our own Redis, the LINE fake, a folder for child logs."""

    redis_url: str
    client: redis.Redis
    line: LineEndpoint
    logdir: Path
    worker_script: str = "timer_worker.py"

    def fresh(self, line_rate: float | None = 2000.0) -> None:
        """An empty Redis (ours alone) and LINE's rate limit as asked."""
        self.client.flushall()
        self.line.set_rate(line_rate)

    def start_worker(self, **options: Any) -> subprocess.Popen[bytes]:
        """A timer worker on this context's Redis and LINE fake (options: procs' keywords)."""
        return procs.start_timer_worker(
            self.redis_url,
            self.line.url,
            self.logdir / "timer_worker.log",
            client=self.client,
            script=self.worker_script,
            **options,
        )


@dataclass(frozen=True, slots=True)
class Precision:
    label: str
    lateness: Lateness
    worker_cpu_s: float
    jitter: Jitter | None  # the host's scheduling noise meanwhile


@dataclass(frozen=True, slots=True)
class ThroughputSpec:
    """One throughput run: `count` due within a second, PUSH_RATE_PER_S=`ceiling`."""

    count: int
    ceiling: float
    line_rate: float | None  # the LINE fake's own limit; None: unlimited
    concurrency: int = 200
    workers: int = 1

    @property
    def label(self) -> str:
        limit = f"LINE {self.line_rate:,.0f}/s" if self.line_rate else "LINE unlimited"
        procs_ = f", {self.workers} workers" if self.workers > 1 else ""
        return (
            f"{self.count:,} due in 1 s, PUSH_RATE_PER_S={self.ceiling:,.0f}, "
            f"conc. {self.concurrency}{procs_}, {limit}"
        )


@dataclass(frozen=True, slots=True)
class Throughput:
    label: str
    line_name: str
    lateness: Lateness
    rate_per_s: float  # pushes/s between first and last arrival
    drain_s: float  # from the start of the due second to the last arrival
    status_429: int
    worker_cpu_pct: float  # of one core, from the due second to the end
    line_cpu_pct: float
    worker_cpu_us_per_push: float  # host-noise-proof: 1e6 / this = pushes/s at a full core


def run_precision(
    ctx: Context, label: str, count: int, window_s: tuple[float, float], rng: random.Random
) -> Precision:
    """`count` timers due uniformly within `window_s` (seconds from now), added at once."""
    lo_s, hi_s = window_s
    ctx.fresh()
    worker = ctx.start_worker()
    try:
        cursor = ctx.line.cursor()
        cpu0 = harness.cpu_seconds(worker.pid)
        probe = Probe(hi_s + 0.5)
        now = now_ms()
        timers = make_timers(
            spread(count, now + int(lo_s * 1000), now + int(hi_s * 1000), rng), now
        )
        add_via_store(ctx.client, timers)
        pushes = wait_pushes(ctx.line, count, cursor, timeout_s=hi_s + 20)
        time.sleep(0.3)  # let stragglers and repeats (which should not exist) arrive
        pushes.extend(ctx.line.pushes(pushes[-1].seq if pushes else cursor))
        cpu = harness.cpu_seconds(worker.pid) - cpu0
    finally:
        procs.stop(worker)
    return Precision(label, lateness_of(timers, pushes), cpu, probe.result())


def run_throughput(ctx: Context, spec: ThroughputSpec, rng: random.Random) -> Throughput:
    """`spec.count` timers all due within one second, 2 s from now; how fast do they drain?"""
    ctx.fresh(spec.line_rate)
    workers = [
        ctx.start_worker(
            rate_per_s=spec.ceiling, concurrency=spec.concurrency, subscribed_after=i + 1
        )
        for i in range(spec.workers)
    ]
    try:
        cursor = ctx.line.cursor()
        before_429 = ctx.line.count_429()
        now = now_ms()
        start = now + 2000
        timers = make_timers(spread(spec.count, start, start + 1000, rng), now)
        bulk_add(ctx.client, timers)
        cpu0, line0 = _cpu(workers), harness.cpu_seconds(ctx.line.pid())
        wall0 = now_ms()
        expect_s = spec.count / min(spec.ceiling, spec.workers * spec.concurrency / 0.05)
        pushes = wait_pushes(ctx.line, spec.count, cursor, timeout_s=5 + 4 * expect_s)
        wall = (now_ms() - max(wall0, start)) / 1000
        cpu = _cpu(workers) - cpu0
        line_cpu = harness.cpu_seconds(ctx.line.pid()) - line0
        status_429 = ctx.line.count_429() - before_429
    finally:
        for worker in workers:
            procs.stop(worker)
    arrivals = sorted(p.received_at_ms for p in pushes)
    span_s = (arrivals[-1] - arrivals[0]) / 1000 if len(arrivals) > 1 else float("nan")
    return Throughput(
        label=spec.label,
        line_name=ctx.line.name,
        lateness=lateness_of(timers, pushes),
        rate_per_s=(len(arrivals) - 1) / span_s if span_s > 0 else float("nan"),
        drain_s=(arrivals[-1] - start) / 1000 if arrivals else float("nan"),
        status_429=status_429,
        worker_cpu_pct=100 * cpu / wall if wall > 0 else float("nan"),
        line_cpu_pct=100 * line_cpu / wall if wall > 0 else float("nan"),
        worker_cpu_us_per_push=1e6 * cpu / len(pushes) if pushes else float("nan"),
    )


def _cpu(workers: list[subprocess.Popen[bytes]]) -> float:
    return sum(harness.cpu_seconds(worker.pid) for worker in workers)
