"""Morning bench: 100,000 chats with `毎日 7:00` (Asia/Tokyo), all due at 07:00:00.

    python -m bench.morning [--count 100000] [--quick] [--concurrency 200] [--lead-ms 300]
                            [--margin-ms 30]

Why: clock-time reminders bunch. Timers spread themselves over the day; everyone who says
`毎日 7:00` is due in the same millisecond, every day, so the morning is the worst load the
bot sees and LINE's ceiling (2,000 pushes/s, sliding window) sets how long it lasts:
100,000 / (2,000 per 1 s + the limiter's margin) ≈ 51.5 s at 30 ms. What must hold besides
the rate: no 429, each occurrence pushed exactly once, and every reminder re-armed for
tomorrow's 07:00 (a missed re-arm silently ends someone's daily reminder).

The reminders go in through ReminderStore.add; then a real TimerWorker (DeliveryStore,
AsyncLinePusher, in this process) runs with an injected clock: real time plus an offset that
puts "now" `--lead-ms` before 07:00:00 local on tomorrow's date, so the run starts a moment
before the bunch. LINE is linesim.push_only (sliding 2,000/s, 50 ms) in a child process; its
arrival times are real time, shifted by the same offset to read as local clock time. The store
and the pusher note each grant's and each send's time (bench/grant_spread.py), so the report
shows how much of the limiter's margin the run used; the store also notes each claim
(bench/claim_lag.py), so it shows δ, how much later than the limiter's promised moment the
worker claimed again (lost for good: a freed slot is re-granted δ late), and the process's CPU
while the worker ran.

Measured 2026-12-06, 100,000 each, margin 30 ms, concurrency 200, on 2 CPUs shared with
another session's test runs (load average beside each); every run 100,000 distinct retry keys,
none repeated, all re-armed, first push 07:00:00.008-.016:
  now           51.9 / 51.8 / 51.8 s, 1,928 / 1,929 / 1,932 pushes/s, 0 × 429 (load 0.5 → 0.8,
                0.8 → 1.2, 1.2 → 0.9); margin used 19.0 / 21.6 / 18.8 ms (grant → arrival max −
                min 35 / 37 / 32 ms); 291-345 µs of CPU per push (setup took 21 s, 17 s an hour
                before: a slower host); δ mean 0.6-0.8 ms, p99 5-7; slots granted again 6-8 ms
                after they freed; 4,455-4,633 claims of 25, 450-550 of them empty. An hour
                before: 51.7 s three times, 1,933-1,935/s, 0 × 429, margin used 10.4 / 24.2 /
                12.5 ms (the 24.2: a 37-ms stall of this process between a grant and its
                sends), 242-248 µs per push (load 0.1-1.4). While another session's test suite
                ran (load 1.0 → 2.7): 59.4 and 56.9 s with 29 and 17 × 429 (grant → arrival
                max 161 and 73 ms, send → arrival max 76 and 59: the LINE fake starved too)
  the release   52.7 s, 1,897/s, 0 × 429 (load 0.4 → 0.8; 52.7-52.8 s in two more runs);
  before        margin used 14.8 ms (max − min 37 ms); 342 µs per push; δ mean 0.7 ms, p99 8;
                slots granted again 25 ms after they freed (194 per 100 ms against 2,000 per
                1,030 ms: ten short windows and a bit fitted in a long span, and every second's
                eleventh burst waited for the long window; δ, the worker's own lateness, was
                the smaller part); 4,366 claims of 48, 1,782 of them empty
Earlier the same day, with five other sessions on the host: 53.0-60.4 s and 0-107 × 429 at
load 1.6-5.5; margin 100 (the release before that): 55.7 s, 0 × 429 at load 0.7-2, 61.1 s at
load 6-9. Concurrency 500 at margin 30 / 45 then: 58-76 s with 18-302 × 429 (load 2-9): 400
more requests than 2,000/s × 50 ms can be in flight, and when a process is starved of CPU they
queue and then arrive together (send → arrival p99.9 280-900 ms, against 16-35 ms at
concurrency 200 on a less loaded host). docs/performance.md has the details.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from tempfile import mkdtemp
from typing import cast
from zoneinfo import ZoneInfo

import redis

from bench import procs
from bench.endpoints import BenchFake, Push
from bench.grant_spread import RecordingPusher, RecordingStore, Spread, measure
from bench.load import NO_LIMIT, user_id
from bench.morning_report import RATE, Morning, report, summarise
from bot.adapters.redis import keys
from bot.adapters.redis.connection import async_client
from bot.adapters.redis.rate_window import RECOMMENDED_MARGIN_MS
from bot.adapters.redis.reminder_store import Added, ReminderStore
from bot.bootstrap import install_uvloop
from bot.domain.recurrence import Recurrence
from bot.domain.reminders import Kind, Reminder, compact_rule, new_reminder_id
from bot.entrypoints.timer_worker import TimerWorker
from bot.service.delivering import DeliveryStats
from localdev.harness import now_ms
from localdev.redis_server import RedisServer

ZONE = ZoneInfo("Asia/Tokyo")
DAILY_7 = Recurrence("FREQ=DAILY;BYHOUR=7;BYMINUTE=0")
LABEL = "燃えるゴミ出し日"
LATENCY_MS = 50.0
DAY_MS = 24 * 3600 * 1000
GOAL = "last one by 07:00:52.5 (LINE's ceiling 2,000/s: 50 s), 0 × 429, exactly once, all re-armed"


@dataclass(frozen=True, slots=True)
class Drained:
    pushes: list[Push]
    stats: DeliveryStats
    spread: Spread
    cpu: str  # this process's CPU while the worker ran (the LINE fake and Redis are others)
    claims: str  # bench/claim_lag.py


def seven_tomorrow() -> int:
    """Epoch ms of 07:00:00 Asia/Tokyo on tomorrow's (local) date."""
    today = datetime.now(ZONE).date()
    start = datetime.combine(today, datetime.min.time(), ZONE) + timedelta(hours=12)
    nxt = DAILY_7.next_after(start, ZONE)
    assert nxt is not None
    return int(nxt.timestamp() * 1000)


def setup(client: redis.Redis, count: int, due_ms: int) -> list[Reminder]:
    """One `毎日 7:00` reminder per chat, each added as the web process adds it."""
    store = ReminderStore(client)
    made = []
    for i in range(count):
        reminder = Reminder(
            user_id(i), new_reminder_id(), Kind.RECURRING, due_ms, LABEL, compact_rule(DAILY_7)
        )
        if store.add(reminder, event_id=None, max_pending=NO_LIMIT) is not Added.ADDED:
            raise RuntimeError(f"{reminder.member} was not added")
        made.append(reminder)
    return made


async def drain(
    redis_url: str, line: BenchFake, count: int, clock_offset_ms: int, *, conc: int, margin_ms: int
) -> Drained:
    """Run the worker until LINE accepted `count` pushes (or 3 × the expected time)."""
    client = async_client(redis_url, max_connections=5)
    pusher = RecordingPusher(line.url, procs.ACCESS_TOKEN, timeout_s=5.0, pool_size=conc)
    store = RecordingStore(
        client,
        lease_ms=1_000,
        rate_per_s=RATE,
        margin_ms=margin_ms,
        clock_offset_ms=clock_offset_ms,
    )
    worker = TimerWorker(
        store,
        pusher,
        client,
        concurrency=conc,
        shutdown_grace_s=10.0,
        default_zone=ZONE,
        clock=lambda: now_ms() + clock_offset_ms,
    )
    cpu, wall = time.process_time(), time.monotonic()
    task = asyncio.create_task(worker.run(install_signal_handlers=False))
    try:
        # Poll a count, not the pushes: decoding them in this process would steal the GIL
        # from the worker between a grant and its send (the spread the limiter's margin covers).
        deadline = time.monotonic() + 30 + 3 * count / RATE
        while await asyncio.to_thread(line.accepted) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
        await asyncio.sleep(0.5)  # repeats, which should not exist
    finally:
        worker.request_stop()
        await task
        cpu, wall = time.process_time() - cpu, time.monotonic() - wall
        await pusher.close()
        await client.aclose()
    pushes = line.pushes(0)
    return Drained(
        pushes,
        worker.stats,
        measure(store.granted_ms(), pusher.sent_ms, pushes, int(RATE)),
        f"{cpu:.1f} s in {wall:.1f} s ({cpu / max(1, count) * 1e6:.0f} µs per push)",
        store.claims.summary(int(RATE), 1000 + margin_ms),
    )


def check_rearmed(client: redis.Redis, made: list[Reminder], next_ms: int) -> tuple[int, int]:
    """(rem:due entries at `next_ms`, records armed for it with attempt 0 and the daily rule)."""
    rows = cast(
        list[tuple[bytes, float]], client.zrange(keys.REMINDERS_DUE, 0, -1, withscores=True)
    )
    scores = dict(rows)
    due_ok = sum(1 for r in made if scores.get(r.member.encode()) == float(next_ms))
    pipe = client.pipeline(transaction=False)
    for r in made:
        pipe.hget(keys.chat_key(r.chat_id), r.id)
    records_ok = 0
    for r, raw in zip(made, pipe.execute(), strict=True):
        if raw is None:
            continue
        stored = Reminder.decode(r.chat_id, r.id, raw)
        expected = r.rearmed(next_ms)
        records_ok += stored == expected
    return due_ok, records_ok


def run(count: int, lead_ms: int, conc: int, margin_ms: int, logdir: Path) -> Morning:
    server = RedisServer().start()
    line = BenchFake(LATENCY_MS, RATE, logdir / "line.log")
    try:
        client = redis.Redis.from_url(server.url)
        mem_empty = _used(client)
        due = seven_tomorrow()
        started = time.perf_counter()
        made = setup(client, count, due)
        setup_s = time.perf_counter() - started
        mem_armed = _used(client)
        # The 100,000 reminders kept for checking are this process's, not a worker's: keep the
        # cyclic GC from walking them mid-drain (a pause between grant and send).
        gc.collect()
        gc.freeze()
        offset = due - lead_ms - now_ms()  # the worker's "now" starts lead_ms before 07:00
        install_uvloop()  # as the timer_worker process runs
        drained = asyncio.run(
            drain(server.url, line, count, offset, conc=conc, margin_ms=margin_ms)
        )
        status_429 = line.count_429()
        next_ms = due + DAY_MS  # Tokyo has no DST
        rearmed_due, rearmed_records = check_rearmed(client, made, next_ms)
        leased, dead = client.zcard(keys.REMINDERS_LEASED), client.zcard(keys.REMINDERS_DEAD)
        mem_after = _used(client)
    finally:
        line.stop()
        server.stop()
    return summarise(
        drained.pushes, made, due - offset, count=count, setup_s=setup_s,
        status_429=status_429, rearmed=(rearmed_due, rearmed_records),
        left=(int(leased), int(dead)), memory=(mem_empty, mem_armed, mem_after),
        stats=str(drained.stats), margin_ms=margin_ms, spread=drained.spread,
        worker_cpu=drained.cpu, claims=drained.claims,
    )  # fmt: skip


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} CPUs"


def _used(client: redis.Redis) -> int:
    return int(client.info("memory")["used_memory"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="10,000 chats")
    parser.add_argument("--concurrency", type=int, default=200, help="as PUSH_CONCURRENCY")
    parser.add_argument("--lead-ms", type=int, default=300, help="the clock starts this early")
    parser.add_argument("--margin-ms", type=int, default=RECOMMENDED_MARGIN_MS,
                        help="the limiter's margin (RECOMMENDED_MARGIN_MS)")  # fmt: skip
    args = parser.parse_args(argv)
    count = 10_000 if args.quick else args.count
    logdir = Path(mkdtemp(prefix="bench-morning-"))
    logging.basicConfig(
        filename=logdir / "worker.log", level=logging.INFO, format="%(asctime)s %(message)s"
    )
    print(f"# morning: {count:,} chats × `毎日 7:00` (Asia/Tokyo) due at 07:00:00 tomorrow; "
          f"worker clock starts {args.lead_ms} ms before; 1 in-process TimerWorker × "
          f"concurrency {args.concurrency}; LINE fake linesim.push_only (sliding {RATE:,.0f}/s, "
          f"{LATENCY_MS:.0f} ms); load average {_load()}; logs in {logdir}",
          flush=True)  # fmt: skip
    morning = run(count, args.lead_ms, args.concurrency, args.margin_ms, logdir)
    print(report(morning))
    print(f"goal: {GOAL}")
    print(f"(load average now {_load()}: a busy host delays sends after their grants, which the "
          "limiter's margin must absorb)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
