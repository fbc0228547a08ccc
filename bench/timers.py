"""Timer bench: precision, throughput and scale of the timer worker, beside the baselines.

    python -m bench.timers [--quick] [--line auto|linesim|fake] [--worker-script timer_worker.py]

Everything runs on 127.0.0.1 against a redis-server of its own and a LINE fake answering in 50 ms.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

import redis

from bench import report
from bench.endpoints import start_line
from bench.load import Lateness
from bench.precision import (
    Context,
    Precision,
    Throughput,
    ThroughputSpec,
    run_precision,
    run_throughput,
)
from bench.rqsched import run_rq_scheduler
from bench.scale import Scale, run_scale
from localdev.redis_server import RedisServer

LATENCY_MS = 50.0
RQRun = tuple[str, Lateness]
LINE_RATE = 2000.0


@dataclass(frozen=True, slots=True)
class Plan:
    """How big each part is: --quick shrinks the counts, not the shape."""

    burst: int
    burst_window: tuple[float, float]
    light: int
    light_window: tuple[float, float]
    throughput: tuple[ThroughputSpec, ...]
    pending: int
    small_pending: int
    idle_s: float


FULL = Plan(
    burst=500,
    burst_window=(3.0, 10.0),
    light=100,
    light_window=(1.0, 11.0),
    throughput=(
        ThroughputSpec(10_000, 2000.0, LINE_RATE),
        ThroughputSpec(4_000, 2000.0, LINE_RATE),
        ThroughputSpec(10_000, 5000.0, None),
        ThroughputSpec(10_000, 5000.0, None, concurrency=500),
        ThroughputSpec(10_000, 2000.0, LINE_RATE, workers=2),
    ),
    pending=1_000_000,
    small_pending=1_000,
    idle_s=10.0,
)
QUICK = Plan(
    burst=500,
    burst_window=(3.0, 10.0),
    light=30,
    light_window=(1.0, 6.0),
    throughput=(ThroughputSpec(4_000, 2000.0, LINE_RATE), ThroughputSpec(10_000, 5000.0, None)),
    pending=100_000,
    small_pending=1_000,
    idle_s=5.0,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller counts (about 2 minutes)")
    parser.add_argument(
        "--line",
        choices=("auto", "linesim", "fake"),
        default="auto",
        help="LINE fake for precision runs (auto: linesim if importable)",
    )
    parser.add_argument(
        "--throughput-line",
        choices=("auto", "linesim", "fake"),
        default="fake",
        help="LINE fake for throughput runs (fake: half linesim's CPU per push)",
    )
    parser.add_argument("--worker-script", default="timer_worker.py", help="for A/B runs")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip", nargs="*", default=[], choices=("rq", "scale", "throughput"))
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    rng = random.Random(args.seed)
    started = time.monotonic()
    logdir = Path(tempfile.mkdtemp(prefix="bench-timers-"))
    server = RedisServer().start()
    line = None
    try:
        line = start_line(args.line, LATENCY_MS, LINE_RATE, logdir / "line.log")
        client = redis.Redis.from_url(server.url)
        ctx = Context(server.url, client, line, logdir, args.worker_script)
        print(f"# timer bench ({'quick' if args.quick else 'full'}): Python "
              f"{platform.python_version()}, redis-server {client.info()['redis_version']}, "
              f"LINE fake {line.name} at {LATENCY_MS:.0f} ms, worker {args.worker_script}, "
              f"logs in {logdir}; load average {_load()}", flush=True)  # fmt: skip
        burst, light = _precision(ctx, plan, rng)
        rq = [] if "rq" in args.skip else _rq(ctx, plan, rng, started)
        runs = []
        if "throughput" not in args.skip:
            tline = start_line(args.throughput_line, LATENCY_MS, LINE_RATE, logdir / "tline.log")
            try:
                runs = _throughput(replace(ctx, line=tline), plan, rng, started)
            finally:
                tline.stop()
        scale = None
        if "scale" not in args.skip:
            _progress(f"scale: {plan.pending:,} pending", started)
            scale = run_scale(ctx, plan.pending, plan.small_pending, plan.idle_s, rng)
        _print_all((burst, light, rq), runs, scale, plan)
    finally:
        if line is not None:
            line.stop()
        server.stop()
    print(f"\n(total {time.monotonic() - started:.0f} s; load average now {_load()})")
    return 0


def _precision(ctx: Context, plan: Plan, rng: random.Random) -> tuple[Precision, Precision]:
    lo, hi = plan.burst_window
    _progress(f"burst: {plan.burst} timers due {lo:.0f}–{hi:.0f} s", None)
    label = f"ours: burst {plan.burst} × {lo:.0f}–{hi:.0f} s"
    burst = run_precision(ctx, label, plan.burst, plan.burst_window, rng)
    lo, hi = plan.light_window
    _progress(f"light: {plan.light} timers over {hi - lo:.0f} s", None)
    label = f"ours: light {plan.light} over {hi - lo:.0f} s"
    light = run_precision(ctx, label, plan.light, plan.light_window, rng)
    return burst, light


def _rq(ctx: Context, plan: Plan, rng: random.Random, started: float) -> list[RQRun]:
    """RQ's scheduler with its default forking Worker, then with SimpleWorker (no fork)."""
    runs = []
    lo, hi = plan.burst_window
    for worker_class, name in (("rq.Worker", "Worker"), ("rq.worker.SimpleWorker", "SimpleWorker")):
        _progress(f"RQ scheduler burst, {name}", started)
        late = run_rq_scheduler(ctx, plan.burst, plan.burst_window, rng, worker_class)
        label = (
            f"RQ 3.0 enqueue_in, {name} --with-scheduler: burst {plan.burst} × {lo:.0f}–{hi:.0f} s"
        )
        runs.append((label, late))
    return runs


def _throughput(ctx: Context, plan: Plan, rng: random.Random, started: float) -> list[Throughput]:
    runs = []
    for spec in plan.throughput:
        _progress(f"throughput: {spec.label}", started)
        runs.append(run_throughput(ctx, spec, rng))
    return runs


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} CPUs"


def _progress(what: str, started: float | None) -> None:
    at = f" [{time.monotonic() - started:.0f} s]" if started is not None else ""
    print(f"... {what}{at}", file=sys.stderr, flush=True)


def _print_all(
    precision: tuple[Precision, Precision, list[RQRun]],
    runs: list[Throughput],
    scale: Scale | None,
    plan: Plan,
) -> None:
    burst, light, rq = precision
    burst_goal, light_goal = "p99≤20 max≤100", "p99≤10"
    print("\n## Precision: lateness = push arrival at the LINE fake (RQ: job start) − due, ms")
    print(report.precision_table([(burst, burst_goal), (light, light_goal)], rq))
    print("(host jitter: how late a 5 ms sleep in a separate process woke meanwhile: the noise of")
    print(" this machine, which the worker cannot beat; RQ rows: job start − due)")
    for run in (burst, light):
        count, span = run.lateness.outliers(20.0)
        if count:
            print(
                f"({run.label}: {count} later than 20 ms, due within {span:,.0f} ms of each other)"
            )
    if runs:
        print("\n## Throughput: all due within one second, LINE at 50 ms; goal ≥ 2,000/s, 0 × 429")
        print(f"(LINE fake: {runs[0].line_name})")
        print(report.throughput_table(runs))
    if scale is not None:
        print(f"\n## Scale: {plan.pending:,} pending timers due in 1–8 days")
        print(report.scale_table(scale))
    print("\n## Goals")
    print(report.goals(burst, light, runs, scale))


if __name__ == "__main__":
    raise SystemExit(main())
