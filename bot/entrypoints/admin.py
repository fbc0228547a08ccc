"""The operator's pages on the web process, behind HTTP basic auth (user `admin`, password
`ADMIN_PASSWORD`); when ADMIN_PASSWORD is unset none of them is mounted (404).

- `/metrics`: Prometheus text format — reminders pending / in flight / dead, RQ queues and
  workers, live timer workers and their heartbeat age, deliveries by outcome and a lateness
  histogram (counters summed by the timer workers' heartbeats, bot/adapters/redis/
  worker_registry.py), Redis's maxmemory-policy.
- `/rq`: rq-dashboard 0.9.0 (its blueprint; it opens its own Redis client per request).
- `/admin`: one page, two charts of the last hour (notifications per minute, lateness p50 /
  p99), drawn as SVG by plain JS from `/admin/data`.

Everything here reads Redis only, a handful of commands a request.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import math
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import redis
from flask import Flask, Response, jsonify, request
from rq import Queue, Worker
from rq.registry import FailedJobRegistry

from bot.adapters.job_queue import ALL_QUEUES
from bot.adapters.redis import worker_registry as wr
from bot.adapters.redis.quota_report import quota_report
from bot.adapters.redis.reminder_store import ReminderStore
from bot.settings import Settings

USER = "admin"
PREFIXES = ("/metrics", "/rq", "/admin")
PAGE = Path(__file__).with_name("admin_page.html")
HOUR_MINUTES = 60


def mount_admin(app: Flask, settings: Settings, client: Callable[[], redis.Redis]) -> bool:
    """Add /metrics, /rq and /admin to `app`; False (nothing added) without a password."""
    password = settings.admin_password
    if not password:
        return False
    expected = f"{USER}:{password}".encode()

    @app.before_request
    def require_password() -> Response | None:
        path = request.path
        if not any(path == p or path.startswith(p + "/") for p in PREFIXES):
            return None
        if _authorized(request.headers.get("Authorization", ""), expected):
            return None
        answer = Response("authentication required\n", 401, mimetype="text/plain")
        answer.headers["WWW-Authenticate"] = 'Basic realm="bot admin", charset="UTF-8"'
        return answer

    @app.get("/metrics")
    def metrics() -> Response:
        body = render_metrics(client(), time.time_ns() // 1_000_000)
        return Response(body, 200, mimetype="text/plain; version=0.0.4; charset=utf-8")

    @app.get("/admin")
    def admin_page() -> Response:
        return Response(PAGE.read_text(encoding="utf-8"), 200, mimetype="text/html")

    @app.get("/admin/data")
    def admin_data() -> tuple[Response, int]:
        return jsonify(hour_data(client(), time.time_ns() // 1_000_000)), 200

    _mount_rq_dashboard(app, settings.redis_url)
    return True


def _authorized(header: str, expected: bytes) -> bool:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        given = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    return hmac.compare_digest(given, expected)


def _mount_rq_dashboard(app: Flask, redis_url: str) -> None:
    import rq_dashboard
    from rq_dashboard.web import setup_rq_connection

    if redis_url.startswith("rediss://"):  # Heroku's self-signed certificate, as connection.py
        redis_url += ("&" if "?" in redis_url else "?") + "ssl_cert_reqs=none"
    app.config["RQ_DASHBOARD_REDIS_URL"] = redis_url
    app.config["RQ_DASHBOARD_POLL_INTERVAL"] = 5000
    setup_rq_connection(app)
    app.register_blueprint(rq_dashboard.blueprint, url_prefix="/rq")


def hour_data(client: redis.Redis, now_ms: int) -> dict[str, object]:
    minutes = wr.recent_minutes(client, now_ms, HOUR_MINUTES)
    rows = []
    for minute in minutes:
        buckets = minute.lateness
        rows.append(
            {
                "t": minute.minute * 60_000,
                **{c: minute.counts.get(c, 0) for c in ("delivered", "retried", "dead")},
                "p50_ms": _finite(wr.percentile(buckets, 0.5)),
                "p99_ms": _finite(wr.percentile(buckets, 0.99)),
            }
        )
    counts = ReminderStore(client).counts()
    return {
        "now": now_ms,
        "minutes": rows,
        "pending": counts["pending"],
        "dead_letters": counts["dead-lettered"],
        "timer_workers": len(wr.live_workers(client)),
        "quota": quota_report(client),
    }


def _finite(value: float | None) -> float | None:
    if value is None:
        return None
    return wr.LATENESS_BOUNDS_MS[-1] if math.isinf(value) else round(value, 2)


class _Text:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def metric(self, name: str, kind: str, text: str, samples: Mapping[str, float]) -> None:
        self.lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
        self.lines += [f"{name}{labels} {_number(v)}" for labels, v in samples.items()]


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf"
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _label(**labels: str) -> str:
    inner = ",".join(
        f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
        for k, v in labels.items()
    )
    return "{" + inner + "}"


def _quota_metrics(out: _Text, quota: dict[str, Any]) -> None:
    out.metric(
        "linebot_pushes_held",
        "gauge",
        "1 while pushes are HELD because this month's LINE message limit is reached.",
        {"": 1 if quota["holding"] else 0},
    )
    out.metric(
        "linebot_held_notifications",
        "gauge",
        "Notifications held for their chat (next reply, or a push once the quota allows).",
        {"": quota["held"]},
    )
    if quota["limit"] is not None and quota["used"] is not None:
        out.metric(
            "linebot_quota_used_ratio",
            "gauge",
            "Share of this month's LINE message quota used (warned at 0.8 and 0.95).",
            {"": quota["used"] / quota["limit"] if quota["limit"] else 1.0},
        )


def render_metrics(client: redis.Redis, now_ms: int) -> str:
    out = _Text()
    counts = ReminderStore(client).counts()
    out.metric(
        "linebot_reminders",
        "gauge",
        "Reminders by state (pending: waiting for their time; leased: being pushed).",
        {
            _label(state="pending"): counts["pending"],
            _label(state="leased"): counts["in flight (leased)"],
            _label(state="dead"): counts["dead-lettered"],
        },
    )
    queued = {_label(queue=q): Queue(q, connection=client).count for q in ALL_QUEUES}
    out.metric("linebot_rq_queued_jobs", "gauge", "Jobs waiting in each RQ queue.", queued)
    failed = {
        _label(queue=q): FailedJobRegistry(q, connection=client).get_job_count(cleanup=False)
        for q in ALL_QUEUES
    }
    out.metric("linebot_rq_failed_jobs", "gauge", "Jobs in each queue's failed registry.", failed)
    rq_workers = Worker.count(connection=client)
    out.metric("linebot_rq_workers", "gauge", "RQ workers registered.", {"": rq_workers})
    workers = wr.live_workers(client)
    out.metric("linebot_timer_workers", "gauge", "Timer workers alive.", {"": len(workers)})
    out.metric(
        "linebot_timer_worker_heartbeat_age_seconds",
        "gauge",
        "Seconds since each live timer worker's last heartbeat.",
        {_label(worker=w.name): max(0, now_ms - w.heartbeat_ms) / 1000 for w in workers},
    )
    totals = wr.totals(client)
    out.metric(
        "linebot_deliveries_total",
        "counter",
        "Claimed occurrences by outcome, summed by the timer workers' heartbeats.",
        {_label(outcome=c): totals.get(c, 0) for c in wr.COUNTERS},
    )
    name = "linebot_delivery_lateness_seconds"
    out.lines += [
        f"# HELP {name} Delivery time minus the occurrence's moment, per delivered occurrence.",
        f"# TYPE {name} histogram",
    ]
    cumulative = 0
    bounds = [*(b / 1000 for b in wr.LATENESS_BOUNDS_MS), math.inf]
    for bound, n in zip(bounds, wr.lateness_counts(totals), strict=True):
        cumulative += n
        out.lines.append(f'{name}_bucket{{le="{_number(bound)}"}} {cumulative}')
    out.lines.append(f"{name}_sum {_number(totals.get('lat_sum_ms', 0) / 1000)}")
    out.lines.append(f"{name}_count {totals.get('lat_count', 0)}")
    _quota_metrics(out, quota_report(client))
    policy = wr.memory_policy(client) or "unknown"
    out.metric(
        "linebot_redis_eviction_unsafe",
        "gauge",
        "1 when Redis's maxmemory-policy may evict the bot's keys (set noeviction).",
        {_label(policy=policy): 1 if wr.policy_warning(policy) else 0},
    )
    return "\n".join(out.lines) + "\n"
