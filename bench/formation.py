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

Comparisons below are interleaved runs of two checkouts (one fresh formation each, same
host, same minutes): the host is shared by other work, so absolute figures move with its load
average (given beside each); p50 / p99 / max in ms.

What the profiles showed (py-spy --gil on main, bursts of 201 and 600, load average 3–7):
- The burst's time was in the queue: enqueued → job started p50 ~400 ms, job started → reply
  at LINE ~10 ms, and the rq_worker used under half a core. Redis MONITOR of one job: the
  worker thread that dequeues made ~14 round trips per job — RQ's worker heartbeat (HSET +
  2 EXPIRE, unpipelined) before and after each dequeue and after each job, an idle-state
  write, the suspension check, BLPOP, HGETALL, the execution's pipeline — each also waiting
  for the GIL behind 16 job threads. RQ's own machinery was ~45 % of the rq_worker's CPU,
  janome ~29 %; at the head of the burst each worker spent ~30 ms importing _strptime (the
  first `Job.restore`) and ~8 % starting its job threads one at a time, on that same thread.
- web, 解析: 6 round trips a webhook (chat zone, open question, dedupe, slot claim, RQ's
  `SADD rq:queues` and the job as two transactions); RQ's enqueue 21–26 % of its CPU. The
  loading animation: 201 calls in ~1 s against LINE's 100/s — 101 × 429 a burst.
- web, timer load (~1.6 ms of CPU a webhook): each confirmation's quick-reply buttons went
  through the SDK's pydantic models (0.4 ms for 5 buttons; each reply differs, the cache never
  hit: ~10 % of the web's CPU), the SDK's webhook models 13 %, Redis 16 %, gunicorn + Flask
  ~25 %; 8 request threads and the reply sender take turns on one GIL per process.
- linesim: half its samples in socket writes; the timer worker idle in both.

Changes (each kept because it helped; burst = sent → reply; load = webhook latency):
1. rq_worker, bot/jobs/workers.py: standalone heartbeats pipelined and ≤ 1/s (the parent
   renews the worker keys each second), no idle-state write while jobs are in flight:
   14 → 4 round trips per dequeue. Burst p50 / p99: 181–325 / 374–428 → 74–97 / 162–193
   (3 rounds each, load 3.3–3.9); rq_worker CPU 0.69–0.76 → 0.60–0.62 s per burst.
2. web: a heavy job enqueued in one round trip (RQ's enqueue on our pipeline); the loading
   animation held to each process's share of LINE's 100/s (bot/adapters/line/call_window.py):
   web sent → enqueued p50 25–54 → 10–16 ms in 2 of 3 rounds (70 in the third, a load spike),
   0 × 429 instead of 101 (load 3.5–3.9; end to end within the noise: the queue limits).
3. web: texts with quick-reply buttons written as the SDK's dicts (adapters/line/message_json.py):
   web CPU for the load 2.96–3.43 → 2.64–2.74 s (3 rounds, load 5.3–6.4).
4. web: chat zone + open question in one pipeline; rq_worker: suspension check ≤ 1/s (3 round
   trips per dequeue), job threads started with the worker: burst p50 mean 133 → 102 ms
   (4 rounds, load 4.1–4.7).
5. Cold start: _strptime imported by the rq_worker parent before forking; each gunicorn worker
   builds its services as it boots (post_worker_init), not on its first webhook.
6. GUNICORN_THREADS 8 → 4: load p99 71–118 → 44–68 ms, max 114–209 → 66–191 (6 rounds, load
   3.1–7.6); at 200 concurrent p99 415–587 → 627–728 ms (inside LINE's 2 s).
Tried and dropped: RQ_THREADS 8 (burst p50 283–290: 16 job slots are too few while each holds
one for LINE's 50 ms), 24, 32 and RQ_WORKERS 3×8, 4×4 (no better than 2×16, and 3 workers
would pass the mini plan's 20 Redis connections), 1×32 (p50 97–391 against 51–102: one GIL
for janome and the dequeuing thread, 3 rounds, load 1.5–2.8); sys.setswitchinterval 1 ms /
0.5 ms in web and rq_worker (load p99 within the noise, web CPU +5–20 %).

All together, main → this branch (4 interleaved rounds each, 5-min load average 3.8–4.7):
  burst p50 186–349 → 75–182, p99 294–447 → 125–238 (goal ≤ 300 / ≤ 2,000; harness on main
  449–728 / 697–920); CPU per message, all processes, 7.6–7.9 → 5.9–6.5 ms;
  load 771–829 → 942–963 req/s, p50 20–21 → 20 ms, p99 80–86 → 46–47, max 125–132 → 58–73
  (goal ≥ 350 req/s, p99 ≤ 100; harness on main 472–484 req/s, p99 131–150, max 227–250);
  web CPU for the 2,000 webhooks 3.3–3.5 → 2.8 s.
Again on a quieter host (3 interleaved rounds each, load average 1.5–2.2): burst p50 235–328
→ 91–141, p99 349–442 → 182–196, CPU per message 7.6–8.1 → 6.1–6.3 ms; load 578–814 →
767–957 req/s, p99 81–115 → 47–65, max 127–151 → 58–113.
The bench as is afterwards (3 fresh formations, load 2.2–3.8): burst p50 56–298, p99
169–414; load 568–649 req/s, p99 79–100, max 96–149 — the host's other work moves them.
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
                    f"\n## profile of the {scenario} (py-spy --gil: the thread holding the GIL; "
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
