"""bench.morning's figures: what one run measured, and its report beside the goals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bench.endpoints import Push
from bench.grant_spread import Spread
from bench.load import percentile
from bot.domain.reminders import Reminder

RATE = 2000.0  # LINE's push ceiling, per second


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
    worker_cpu: str  # the bench process's CPU while the worker ran
    claims: str  # bench/claim_lag.py: how late claims ran after the limiter's wait


def summarise(
    pushes: list[Push], made: list[Reminder], seven_real_ms: int, *, count: int, setup_s: float,
    status_429: int, rearmed: tuple[int, int], left: tuple[int, int],
    memory: tuple[int, int, int], stats: str, margin_ms: int, spread: Spread, worker_cpu: str,
    claims: str,
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
        worker_cpu=worker_cpu,
        claims=claims,
    )


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
        ("worker process CPU", m.worker_cpu, "the LINE fake and Redis run in others"),
        ("claims; δ: late after the limiter's wait", m.claims, ""),
    ]  # fmt: skip
    width = max(len(r[0]) for r in rows)
    lines = [f"{name:{width}}  {value}  {verdict}".rstrip() for name, value, verdict in rows]
    return "\n".join(lines)
