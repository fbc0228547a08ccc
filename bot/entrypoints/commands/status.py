"""`python -m bot status [--json] [--minutes N]`: the running bot at a glance.

Queues (RQ) and workers with their heartbeats (RQ's and the timer workers'), pending reminders
and the next due, dead letters by reason, lateness of the last minutes, pushes spent, this
month's LINE message quota and consumption, and Redis's `maxmemory-policy` (warned about
loudly when it may evict). Reads only Redis and LINE's two quota endpoints; needs REDIS_URL
and, for the quota, LINE_CHANNEL_ACCESS_TOKEN (+ LINE_API_BASE_URL).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import redis
from redis.exceptions import RedisError
from rq import Queue, Worker
from rq.registry import FailedJobRegistry, StartedJobRegistry

from bot.adapters.job_queue import ALL_QUEUES
from bot.adapters.line.quota import Quota
from bot.adapters.redis import worker_registry as wr
from bot.adapters.redis.quota_report import quota_report
from bot.adapters.redis.reminder_store import ReminderStore
from bot.bootstrap import operator_line
from bot.entrypoints.commands.ops import redis_or_exit

HELP = "queues, workers, pending reminders, dead letters, lateness, pushes and LINE's quota"
QUANTILES = (("p50", 0.5), ("p90", 0.9), ("p99", 0.99))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON object, for scripts")
    parser.add_argument(
        "--minutes", type=int, default=10, help="how far back lateness is summed (10)"
    )


def _iso(ms: int | None) -> str | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC).isoformat("T", "seconds")


def _ms(value: float | None) -> float | str | None:
    if value is None:
        return None
    return "inf" if math.isinf(value) else round(value, 1)


def lateness(counts: dict[str, int]) -> dict[str, Any]:
    buckets = wr.lateness_counts(counts)
    out: dict[str, Any] = {"count": counts.get("lat_count", 0)}
    for name, q in QUANTILES:
        out[f"{name}_ms"] = _ms(wr.percentile(buckets, q))
    total = counts.get("lat_count", 0)
    out["mean_ms"] = round(counts.get("lat_sum_ms", 0) / total, 1) if total else None
    return out


def collect(
    client: redis.Redis, *, quota_of: Callable[[], Quota] | None, now_ms: int, minutes: int
) -> dict[str, Any]:
    policy = wr.memory_policy(client)
    store = ReminderStore(client)
    reasons = Counter(s.letter.reason for s in store.dead_letters(limit=100_000))
    queues = [
        {
            "name": name,
            "queued": Queue(name, connection=client).count,
            "started": StartedJobRegistry(name, connection=client).get_job_count(cleanup=False),
            "failed": FailedJobRegistry(name, connection=client).get_job_count(cleanup=False),
        }
        for name in ALL_QUEUES
    ]
    rq_workers = [
        {
            "name": w.name,
            "state": str(w.get_state()),
            "queues": [q.name for q in w.queues],
            "last_heartbeat": w.last_heartbeat.isoformat("T", "seconds")
            if w.last_heartbeat
            else None,
        }
        for w in Worker.all(connection=client)
    ]
    timer_workers = [
        {
            "name": w.name,
            "host": w.host,
            "pid": w.pid,
            "started": _iso(w.started_ms),
            "heartbeat_age_s": round(max(0, now_ms - w.heartbeat_ms) / 1000, 1),
            **w.counters,
        }
        for w in wr.live_workers(client)
    ]
    recent = wr.summed(wr.recent_minutes(client, now_ms, minutes))
    since = wr.totals(client)
    quota = quota_of() if quota_of is not None else None
    return {
        "at": _iso(now_ms),
        "redis": {"maxmemory_policy": policy, "warning": wr.policy_warning(policy)},
        "reminders": {**store.counts(), "next_due": _iso(store.next_due_ms())},
        "dead_letters": dict(reasons.most_common()),
        "queues": queues,
        "rq_workers": rq_workers,
        "timer_workers": timer_workers,
        "recent": {
            "minutes": minutes,
            "lateness": lateness(recent),
            **{c: recent.get(c, 0) for c in wr.COUNTERS},
        },
        "spent": {
            # A delivered push (2xx) spends quota; a 409 (already accepted) does not.
            "pushes_last_minutes": recent.get("delivered", 0),
            "pushes_since_counting": since.get("delivered", 0),
            "replies": "not counted: replies are free (LINE's quota counts pushes only)",
        },
        # The hold and the warnings, as the timer workers last wrote them (quota_report).
        "hold": quota_report(client),
        "quota": (
            quota.to_dict()
            if quota is not None
            else {"available": False, "error": "LINE_CHANNEL_ACCESS_TOKEN is not set"}
        ),
    }


def render(status: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.panel import Panel
    from rich.table import Table

    console = Console(width=max(100, Console().width))
    warning = status["redis"]["warning"]
    if warning:
        console.print(Panel(f"WARNING: {warning}", style="bold red"))
    notice = status["hold"]["notice"]
    if notice:
        style = "bold red" if status["hold"]["holding"] else "bold yellow"
        console.print(Panel(notice, style=style))

    overview = Table(title=f"bot status at {status['at']}", show_header=False)
    overview.add_column("what", style="bold")
    overview.add_column("value")
    policy = status["redis"]["maxmemory_policy"] or "unknown (CONFIG and INFO refused)"
    overview.add_row("redis maxmemory-policy", policy)
    for name, value in status["reminders"].items():
        overview.add_row(f"reminders {name}", str(value if value is not None else "-"))
    dead = status["dead_letters"]
    overview.add_row(
        "dead letters by reason", ", ".join(f"{k}={v}" for k, v in dead.items()) or "none"
    )
    recent = status["recent"]
    late = recent["lateness"]
    overview.add_row(
        f"lateness, last {recent['minutes']} min",
        f"n={late['count']} "
        + " ".join(
            f"{q}={late[f'{q}_ms']} ms" for q, _ in QUANTILES if late[f"{q}_ms"] is not None
        ),
    )
    overview.add_row(
        f"delivery, last {recent['minutes']} min",
        " ".join(f"{c}={recent[c]}" for c in wr.COUNTERS),
    )
    spent = status["spent"]
    overview.add_row(
        "pushes spent",
        f"{spent['pushes_last_minutes']} last {recent['minutes']} min, "
        f"{spent['pushes_since_counting']} since counting began",
    )
    overview.add_row("replies", spent["replies"])
    overview.add_row("LINE quota this month", _quota_text(status["quota"]))
    hold = status["hold"]
    overview.add_row(
        "pushes", f"HELD since {_iso(hold['hold_since_ms'])}" if hold["holding"] else "flowing"
    )
    overview.add_row("held notifications", str(hold["held"]))
    console.print(overview)

    queues = Table(title="RQ queues")
    for column in ("queue", "queued", "started", "failed"):
        queues.add_column(column)
    for q in status["queues"]:
        queues.add_row(q["name"], str(q["queued"]), str(q["started"]), str(q["failed"]))
    console.print(queues)

    workers = Table(title="workers and heartbeats")
    for column in ("kind", "name", "state / pid", "heartbeat", "counters"):
        workers.add_column(column)
    for w in status["timer_workers"]:
        counters = " ".join(f"{c}={w[c]}" for c in wr.COUNTERS if w[c])
        age = f"{w['heartbeat_age_s']} s ago"
        workers.add_row("timer", w["name"], f"pid {w['pid']}", age, counters or "-")
    for w in status["rq_workers"]:
        queues_text = ",".join(w["queues"])
        workers.add_row("rq", w["name"], w["state"], w["last_heartbeat"] or "-", queues_text)
    if not status["timer_workers"] and not status["rq_workers"]:
        workers.add_row("-", "no worker is running", "", "", "")
    console.print(workers)


def _quota_text(quota: dict[str, Any]) -> str:
    if not quota.get("available"):
        return f"quota: unavailable ({quota.get('error')})"
    if not quota["limited"]:
        return f"no monthly limit; used {quota['used']}"
    return f"used {quota['used']} of {quota['limit']} ({quota['remaining']} left)"


def run(args: argparse.Namespace) -> int:
    client = redis_or_exit()
    line = operator_line()  # the token is optional here: no quota then
    try:
        status = collect(
            client,
            quota_of=line.quota,
            now_ms=time.time_ns() // 1_000_000,
            minutes=max(1, args.minutes),
        )
    except (RedisError, OSError) as exc:
        print(f"status: Redis unavailable ({type(exc).__name__})", file=sys.stderr)
        return 1
    try:
        if not args.json:
            render(status)
    except ImportError:  # rich is in requirements.txt; a stripped install still answers
        args.json = True
    if args.json:
        print(json.dumps(status, ensure_ascii=False, indent=2))
    if status["redis"]["warning"]:
        print(f"WARNING: {status['redis']['warning']}", file=sys.stderr)
    if status["hold"]["notice"]:
        print(status["hold"]["notice"], file=sys.stderr)
    return 0
