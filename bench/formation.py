"""The whole formation on one host, as the outside harness runs it (issue 26).

    python -m bench.formation [--only burst|load] [--runs N] [--profile] [--users N]
        [--requests N] [--env RQ_THREADS=8 ...]

Each run starts a fresh `localdev.stack.Stack` with the three Procfile processes as the
Procfile runs them (gunicorn with gunicorn.conf.py, `python rq_worker.py`, `python
timer_worker.py`), an embedded Redis and linesim answering every LINE call 50 ms late with
LINE's sliding-window rate limits — no warm-up beyond the processes' own start — then drives:
(a) the 解析 burst: 201 users × 1 message at 20 concurrent, signed webhooks sent by linesim;
    webhook sent → reply at linesim, split into web (sent → job enqueued), queue (→ job
    started, RQ's own stamps), job (→ the reply reaches linesim) and LINE (→ answered);
(b) the webhook load: 2,000 timer webhooks (`3` … `600`) at 20 concurrent, one new
    connection each (bench/webhook_load.py in its own process, reply tokens issued by linesim
    beforehand so the replies are accepted), while the replies and then the pushes go out.
Per-process CPU seconds are read from /proc (a process and its children). With --profile, one
more burst of each kind runs under py-spy (bench/formation_profile.py).

What the profiles showed (below, with the figures of each change): see FINDINGS.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.formation_profile import Spies
from bench.formation_report import (
    CONCURRENCY,
    LOAD_REQUESTS,
    PUSH_WAIT_S,
    load_avg,
    print_burst,
    print_load,
)
from bench.jobs import SENTENCES, _tree, cpu_s
from bench.webhook_load import reply_token, user_id
from localdev.procfile import REPO
from localdev.stack import Stack

LATENCY_MS = 50.0
BURST_USERS = 201
SPLITS = ("total", "webhook", "web", "queue", "job", "line")
KINDS = ("web", "rq_worker", "timer_worker", "linesim", "redis")


def pids(stack: Stack) -> dict[str, list[int]]:
    """Every process of each kind (gunicorn's and rq_worker's children included)."""
    found = {kind: _tree(stack.procs[kind].pid) for kind in KINDS[:3]}
    found["linesim"] = [stack.simulator.pid] if stack.simulator else []
    server = stack.redis.process if stack.redis else None
    found["redis"] = [server.pid] if server else []
    return found


def cpu(stack: Stack) -> dict[str, float]:
    return {kind: sum(cpu_s(p) for p in ps[:1]) for kind, ps in pids(stack).items()}


def python_pids(stack: Stack) -> dict[str, list[int]]:
    """What py-spy samples: the workers, not gunicorn's master (it only supervises)."""
    found = pids(stack)
    found["web"] = found["web"][1:]
    found.pop("redis")
    return found


def burst(stack: Stack, users: int, spies: Spies | None = None) -> dict[str, Any]:
    """(a): `users` users × one 解析 at 20 concurrent; the splits of each message."""
    from rq.job import Job

    from bot.adapters.job_queue import heavy_job_id

    sim, tag = stack.sim, f"{os.getpid() % 100000:05d}{int(time.time()) % 100000:05d}"
    since = sim.last_seq()
    before, started = cpu(stack), time.monotonic()
    if spies:
        spies.start()
        time.sleep(1.0)  # py-spy attaches

    def send(i: int) -> dict[str, Any]:
        text = f"解析 {SENTENCES[i % len(SENTENCES)]}"
        event: dict[str, Any] = sim.send_text(text, user_id=f"U{i:022d}{tag}")["event"]
        return event

    with ThreadPoolExecutor(CONCURRENCY) as pool:
        events = list(pool.map(send, range(users)))
    records = sim.wait_messages(users, since=since, timeout=120)
    elapsed = time.monotonic() - started
    if spies:
        spies.stop()
    spent = {k: v - before[k] for k, v in cpu(stack).items()}
    sent = {e["events"][0]["webhookEventId"]: e for e in sim.webhooks() if e.get("events")}
    answered = {r["request_id"]: r for r in sim.requests() if r.get("request_id")}
    by_token = {r["reply_token"]: r for r in records if r["kind"] == "reply"}
    jobs = Job.fetch_many([heavy_job_id(e["webhookEventId"]) for e in events],
                          connection=stack.redis_client())  # fmt: skip
    split: dict[str, list[float]] = {k: [] for k in SPLITS}
    for event, job in zip(events, jobs, strict=True):
        hook, reply = sent.get(event["webhookEventId"]), by_token.get(event["replyToken"])
        if hook is None or reply is None or job is None:
            continue
        at = hook["sent_at_ms"]
        queued, began = _ms(job.enqueued_at), _ms(job.started_at)
        split["total"].append(reply["received_at_ms"] - at)
        split["webhook"].append(hook["elapsed_ms"])
        split["web"].append(queued - at)
        split["queue"].append(began - queued)
        split["job"].append(reply["received_at_ms"] - began)
        done = answered.get(reply["request_id"], {}).get("answered_at_ms")
        if done:
            split["line"].append(done - reply["received_at_ms"])
    kinds = [r["kind"] for r in records]
    loading = Counter(str(r["status"]) for r in answered.values() if r["endpoint"] == "loading")
    return {"split": split, "replies": kinds.count("reply"), "pushes": kinds.count("push"),
            "users": users, "loading": loading, "cpu": spent, "seconds": elapsed,
            "load_avg": load_avg()}  # fmt: skip


def _ms(stamp: Any) -> float:
    return float(stamp.timestamp() * 1000) if stamp else float("nan")


def load(stack: Stack, requests: int, spies: Spies | None = None) -> dict[str, Any]:
    """(b): timer webhooks from a separate load generator, one new connection each."""
    seed = f"formation-{time.time_ns()}"
    pairs = [(reply_token(seed, i), user_id(i)) for i in range(requests + 2 * CONCURRENCY)]
    for start in range(0, len(pairs), 1000):
        stack.sim.issue_reply_tokens(pairs[start : start + 1000])
    stats0 = stack.sim.stats()
    watch = [f"{kind}={pid}" for kind, ps in pids(stack).items() for pid in ps]
    argv = [sys.executable, "-m", "bench.webhook_load", "--url", stack.webhook_url,
            "--secret", stack.env["LINE_CHANNEL_SECRET"], "--concurrency", str(CONCURRENCY),
            "--requests", str(requests), "--warmup", "0", "--mix", "timers", "--fresh",
            "--token-seed", seed, "--watch", *watch]  # fmt: skip
    if spies:
        spies.start()
        time.sleep(1.0)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, check=True, timeout=300)
    if spies:
        spies.stop()
    result: dict[str, Any] = json.loads(out.stdout.decode().strip().splitlines()[-1])
    during = _endpoint_delta(stack.sim.stats(), stats0)
    time.sleep(PUSH_WAIT_S)
    result["line_during"] = during
    result["line_after"] = _endpoint_delta(stack.sim.stats(), stats0)
    result["load_avg"] = load_avg()
    return result


def _endpoint_delta(now: dict[str, Any], then: dict[str, Any]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for endpoint, statuses in now.get("by_endpoint", {}).items():
        old = then.get("by_endpoint", {}).get(endpoint, {})
        delta = {s: n - old.get(s, 0) for s, n in statuses.items() if n - old.get(s, 0)}
        if delta:
            out[endpoint] = delta
    return out


def formation(log_dir: Path, env: dict[str, str]) -> Stack:
    return Stack(env, processes=["web", "rq_worker", "timer_worker"], latency_ms=LATENCY_MS,
                 log_dir=log_dir)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["burst", "load"])
    parser.add_argument("--runs", type=int, default=2, help="fresh formations per scenario")
    parser.add_argument("--users", type=int, default=BURST_USERS)
    parser.add_argument("--requests", type=int, default=LOAD_REQUESTS)
    parser.add_argument("--profile", action="store_true", help="one more run of each, py-spy")
    parser.add_argument("--env", nargs="*", default=[], help="K=V settings (RQ_THREADS=8 …)")
    args = parser.parse_args(argv)
    env = dict(item.split("=", 1) for item in args.env)
    log_dir = Path(os.environ.get("BENCH_LOG_DIR") or f"/tmp/bench-formation-{int(time.time())}")
    print(
        f"# formation bench: {os.cpu_count()} CPUs, load average {load_avg()}, "
        f"LINE latency {LATENCY_MS:.0f} ms, settings {env or 'as deployed'}, logs in {log_dir}",
        flush=True,
    )
    bursts: list[dict[str, Any]] = []
    loads: list[dict[str, Any]] = []
    profiles: list[str] = []
    for n in range(args.runs + args.profile):
        spied = args.profile and n == args.runs
        for scenario in ("burst", "load"):
            if args.only and scenario != args.only:
                continue
            with formation(log_dir / f"{scenario}-{n}", env) as stack:
                spies = Spies(python_pids(stack), log_dir / f"py-spy-{scenario}") if spied else None
                if scenario == "burst":
                    result = burst(stack, args.users, spies)
                else:
                    result = load(stack, args.requests, spies)
            if spies:
                profiles.append(
                    f"\n## profile of the {scenario} (py-spy, on-CPU samples; "
                    f"figures of this run not in the tables)\n{spies.summary()}"
                )
            else:
                (bursts if scenario == "burst" else loads).append(result)
            print(f"... {scenario} run {n + 1} done, load average {load_avg()}", flush=True)
    if bursts:
        print_burst(bursts)
        mean = statistics.fmean(v for r in bursts for v in r["split"]["total"])
        print(f"mean sent→reply over the runs: {mean:.0f} ms")
    if loads:
        print_load(loads)
    for text in profiles:
        print(text)
    print(f"\nload average now {load_avg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
