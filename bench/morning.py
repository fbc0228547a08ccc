"""Morning bench: 100,000 chats with `毎日 7:00` (Asia/Tokyo), all due at 07:00:00.

    python -m bench.morning [--count 100000] [--quick] [--concurrency 200] [--lead-ms 300]

Why: clock-time reminders bunch. Timers spread themselves over the day; everyone who says
`毎日 7:00` is due in the same millisecond, every day, so the morning is the worst load the
bot sees and LINE's ceiling (2,000 pushes/s, sliding window) sets how long it lasts:
100,000 / (2,000 per 1.1 s, the limiter's margin) ≈ 55 s. What must hold besides the rate:
no 429, each occurrence pushed exactly once, and every reminder re-armed for tomorrow's 07:00
(a missed re-arm silently ends someone's daily reminder).

The reminders go in through ReminderStore.add; then a real TimerWorker (DeliveryStore,
AsyncLinePusher, in this process) runs with an injected clock: real time plus an offset that
puts "now" `--lead-ms` before 07:00:00 local on tomorrow's date, so the run starts a moment
before the bunch. LINE is bench.linefake (sliding 2,000/s, 50 ms) in a child process; its
arrival times are real time, shifted by the same offset to read as local clock time.

Measured (2 CPUs shared with other test runs, load average 1.5–2.5; 100,000, concurrency 200; three
runs): 0 / 0 / 52 × 429, last push 55.2 / 56.5 / 57.8 s after 07:00:00 (1,815 / 1,770 / 1,731
pushes/s); every run 100,000 distinct retry keys with no repeats, all re-armed for the next 07:00;
Redis 48.6 MB armed (476 B each), 48.8-48.9 MB after. The 52 came as two bursts of 26, 9 s apart
(two host stalls, each refusing what was in flight then): on a busy host it is the margin that runs
out, not the worker's bookkeeping. Concurrency 500 (PUSH_CONCURRENCY's default): 24 × 429 in one
100,000 run and 0 / 370 in two 10,000 runs — 500 sends granted in one claim leave over ~45 ms of
CPU, which eats most of the limiter's 100 ms margin (bench.sliding_burst: slack 84 ms at 200, 31 at
500). Before bench.linefake froze its records out of the GC, its own GC stalls drew 268 × 429.
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
from bench.load import NO_LIMIT, percentile, user_id
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
RATE = 2000.0
LATENCY_MS = 50.0
DAY_MS = 24 * 3600 * 1000
GOAL = "last one by ~07:00:50 at 2,000/s (LINE's ceiling), 0 × 429, exactly once, all re-armed"


@dataclass(frozen=True, slots=True)
class Morning:
    count: int
    setup_s: float
    first_s: float  # first arrival at LINE, seconds after 07:00:00 local
    last_s: float
    p50_s: float
    rate_per_s: float  # (arrivals - 1) / (last - first)
    status_429: int
    distinct_keys: int
    repeats: int  # pushes beyond the first for a retry key
    missing: int  # expected retry keys LINE never accepted
    rearmed_due: int  # rem:due entries scored at tomorrow's 07:00
    rearmed_records: int  # records armed for tomorrow's 07:00, attempt 0, still daily
    leased_left: int
    dead: int
    mem_empty: int
    mem_armed: int
    mem_after: int
    worker_stats: str
    margin_ms: int
    spread: Spread


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
) -> tuple[list[Push], DeliveryStats, Spread]:
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
        await pusher.close()
        await client.aclose()
    pushes = line.pushes(0)
    return pushes, worker.stats, measure(store.granted_ms, pusher.sent_ms, pushes, int(RATE))


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
        pushes, stats, spread = asyncio.run(
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
    return _summarise(
        pushes, made, due - offset, count=count, setup_s=setup_s, status_429=status_429,
        rearmed=(rearmed_due, rearmed_records), left=(int(leased), int(dead)),
        memory=(mem_empty, mem_armed, mem_after), stats=str(stats), margin_ms=margin_ms,
        spread=spread,
    )  # fmt: skip


def _summarise(
    pushes: list[Push], made: list[Reminder], seven_real_ms: int, *, count: int, setup_s: float,
    status_429: int, rearmed: tuple[int, int], left: tuple[int, int],
    memory: tuple[int, int, int], stats: str, margin_ms: int, spread: Spread,
) -> Morning:  # fmt: skip
    expected = {r.retry_key for r in made}
    keys_seen = [p.retry_key.lower() for p in pushes]
    distinct = set(keys_seen)
    after = sorted((p.received_at_ms - seven_real_ms) / 1000 for p in pushes)
    span = after[-1] - after[0] if len(after) > 1 else 0.0
    return Morning(
        count=count,
        setup_s=setup_s,
        first_s=after[0] if after else float("nan"),
        last_s=after[-1] if after else float("nan"),
        p50_s=percentile(after, 50),
        rate_per_s=(len(after) - 1) / span if span > 0 else float("nan"),
        status_429=status_429,
        distinct_keys=len(distinct & expected),
        repeats=len(keys_seen) - len(distinct),
        missing=len(expected - distinct),
        rearmed_due=rearmed[0],
        rearmed_records=rearmed[1],
        leased_left=left[0],
        dead=left[1],
        mem_empty=memory[0],
        mem_armed=memory[1],
        mem_after=memory[2],
        worker_stats=stats,
        margin_ms=margin_ms,
        spread=spread,
    )


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} CPUs"


def _used(client: redis.Redis) -> int:
    return int(client.info("memory")["used_memory"])


def _clock(seconds: float) -> str:
    at = datetime(2000, 1, 1, 7) + timedelta(seconds=seconds)
    return at.strftime("%H:%M:%S.%f")[:-3]


def report(m: Morning) -> str:
    # The shared limiter grants RATE per 1 s + its margin: 1,818/s sustained at 100 ms.
    ceiling = RATE / (1 + m.margin_ms / 1000)
    ok_rate = m.rate_per_s >= 0.95 * ceiling
    ok_once = m.distinct_keys == m.count and m.repeats == 0 and m.missing == 0
    ok_rearm = m.rearmed_due == m.count and m.rearmed_records == m.count
    per = (m.mem_armed - m.mem_empty) / m.count
    rows = [
        ("setup (ReminderStore.add, one by one)", f"{m.setup_s:.1f} s "
         f"({m.count / m.setup_s:,.0f}/s)", ""),
        ("first push at LINE", _clock(m.first_s), ""),
        ("half of them by", _clock(m.p50_s), ""),
        ("last push at LINE", f"{_clock(m.last_s)} ({m.last_s:.1f} s after 07:00:00)",
         f"at the limiter's ceiling: {m.count / ceiling:.1f} s"),
        ("pushes/s (first → last)", f"{m.rate_per_s:,.0f}",
         f"{'OK' if ok_rate else 'MISSED'} (≥ 95 % of the limiter's {ceiling:,.0f}/s)"),
        ("429s from LINE", f"{m.status_429}", "OK" if m.status_429 == 0 else "MISSED"),
        ("distinct retry keys / repeats / missing",
         f"{m.distinct_keys:,} / {m.repeats} / {m.missing}", "OK" if ok_once else "MISSED"),
        ("re-armed: rem:due at tomorrow 07:00 / records",
         f"{m.rearmed_due:,} / {m.rearmed_records:,}", "OK" if ok_rearm else "MISSED"),
        ("left leased / dead-lettered", f"{m.leased_left} / {m.dead}",
         "OK" if m.leased_left == m.dead == 0 else "MISSED"),
        ("Redis used_memory: empty / armed / after", f"{m.mem_empty / 1e6:.1f} / "
         f"{m.mem_armed / 1e6:.1f} / {m.mem_after / 1e6:.1f} MB", f"{per:.0f} B per reminder"),
        ("worker stats", m.worker_stats, ""),
        ("limiter margin / used (margin - slack)",
         f"{m.margin_ms} / {m.margin_ms - m.spread.slack_ms:.1f} ms", m.spread.describe()),
    ]  # fmt: skip
    width = max(len(r[0]) for r in rows)
    lines = [f"{name:{width}}  {value}  {verdict}".rstrip() for name, value, verdict in rows]
    return "\n".join(lines)


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
          f"concurrency {args.concurrency}; LINE fake bench.linefake (sliding {RATE:,.0f}/s, "
          f"{LATENCY_MS:.0f} ms); load average {_load()}; logs in {logdir}",
          flush=True)  # fmt: skip
    morning = run(count, args.lead_ms, args.concurrency, args.margin_ms, logdir)
    print(report(morning))
    print(f"goal: {GOAL}")
    print(f"(load average now {_load()}: a busy host delays sends after their grants, which the "
          "limiter's 100 ms margin must absorb)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
