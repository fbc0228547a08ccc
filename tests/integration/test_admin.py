"""/metrics, /rq (rq-dashboard 0.9.0 on rq 3.0) and /admin: 401 without the password, 200
with it, not mounted at all without ADMIN_PASSWORD. Flask's test client, a real redis-server."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
from collections.abc import Iterator

import pytest
import redis
import redis.asyncio as aioredis
from flask import Flask
from flask.testing import FlaskClient
from rq import Queue

from bot.adapters.redis.reminder_store import ReminderStore
from bot.adapters.redis.worker_registry import Lateness, WorkerRegistry
from bot.bootstrap import build_web_app
from bot.domain.reminders import Kind, Reminder, new_reminder_id
from bot.service.delivering import DeliveryStats
from bot.settings import Settings

PASSWORD = "s3cret-pass"
PROTECTED = ("/metrics", "/rq/", "/rq/0/data/queues.json", "/admin", "/admin/data")


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


OK = basic("admin", PASSWORD)


def settings(redis_url: str, password: str | None) -> Settings:
    return Settings(
        channel_secret="secret",
        channel_access_token="token",
        redis_url=redis_url,
        admin_password=password,
    )


@pytest.fixture
def app(redis_url: str) -> Flask:
    return build_web_app(settings(redis_url, PASSWORD))


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as test_client:
        yield test_client


def beat(url: str, delivered: int, lateness_ms: list[int]) -> None:
    async def run() -> None:
        conn = aioredis.Redis.from_url(url)
        late = Lateness()
        for ms in lateness_ms:
            late.record(ms)
        stats = DeliveryStats(delivered=delivered, retried=1)
        await WorkerRegistry(conn, name="timer_worker.1").beat(stats, late)
        await conn.aclose()

    asyncio.run(run())


def say_hello(name: str) -> str:  # an RQ job (never run here: only listed)
    return f"hello {name}"


@pytest.mark.parametrize("path", PROTECTED)
def test_401_without_the_password_and_with_a_wrong_one(client: FlaskClient, path: str) -> None:
    for headers in ({}, basic("admin", "wrong"), basic("root", PASSWORD), {"Authorization": "x"}):
        answer = client.get(path, headers=headers)
        assert answer.status_code == 401, (path, headers)
        assert answer.headers["WWW-Authenticate"].startswith("Basic ")


@pytest.mark.parametrize("path", PROTECTED)
def test_200_with_the_password(client: FlaskClient, path: str) -> None:
    assert client.get(path, headers=OK).status_code == 200


def test_not_mounted_without_admin_password(redis_url: str) -> None:
    with build_web_app(settings(redis_url, None)).test_client() as plain:
        for path in PROTECTED:
            assert plain.get(path).status_code == 404, path
            assert plain.get(path, headers=OK).status_code == 404, path
        assert plain.post("/callback").status_code == 400  # the webhook is untouched


def test_the_webhook_and_healthz_need_no_password(client: FlaskClient) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.post("/callback").status_code == 400  # no signature


def test_metrics_in_prometheus_text_format(
    client: FlaskClient, redis_client: redis.Redis, redis_url: str
) -> None:
    store = ReminderStore(redis_client)
    now = time.time_ns() // 1_000_000
    for due in (now + 60_000, now + 120_000):
        store.add(Reminder("U1", new_reminder_id(), Kind.ONCE, due), event_id=None, max_pending=9)
    beat(redis_url, 3, [2, 4, 40])
    Queue("low", connection=redis_client).enqueue(say_hello, "x")
    text = client.get("/metrics", headers=OK).get_data(as_text=True)
    samples = dict(
        line.rsplit(" ", 1) for line in text.splitlines() if line and not line.startswith("#")
    )
    assert samples['linebot_reminders{state="pending"}'] == "2"
    assert samples['linebot_rq_queued_jobs{queue="low"}'] == "1"
    assert samples["linebot_timer_workers"] == "1"
    assert samples['linebot_deliveries_total{outcome="delivered"}'] == "3"
    assert samples['linebot_delivery_lateness_seconds_bucket{le="0.002"}'] == "1"
    assert samples['linebot_delivery_lateness_seconds_bucket{le="0.005"}'] == "2"
    assert samples['linebot_delivery_lateness_seconds_bucket{le="+Inf"}'] == "3"
    assert samples["linebot_delivery_lateness_seconds_count"] == "3"
    assert float(samples["linebot_delivery_lateness_seconds_sum"]) == pytest.approx(0.046)
    assert samples['linebot_redis_eviction_unsafe{policy="noeviction"}'] == "0"
    for line in text.splitlines():  # every sample line is `name{labels} number`
        assert line.startswith("#") or re.fullmatch(r"[a-z_]+(\{[^}]*\})? [-+0-9.eInf]+", line)


def test_rq_dashboard_lists_queues_jobs_and_workers_on_rq_3(
    client: FlaskClient, redis_client: redis.Redis
) -> None:
    job = Queue("high", connection=redis_client).enqueue(say_hello, "y")
    page = client.get("/rq/", headers=OK)
    assert b"RQ" in page.data
    queues = json.loads(client.get("/rq/0/data/queues.json", headers=OK).data)
    assert {q["name"]: q["count"] for q in queues["queues"]}["high"] == 1
    jobs = client.get("/rq/0/data/jobs/high/queued/8/asc/1.json", headers=OK)
    assert jobs.status_code == 200
    assert job.id in jobs.get_data(as_text=True)
    assert client.get(f"/rq/0/data/job/{job.id}.json", headers=OK).status_code == 200
    assert client.get("/rq/0/data/workers.json", headers=OK).status_code == 200
    assert client.get("/rq/0/view/workers", headers=OK).status_code == 200


def test_admin_data_has_the_hour_by_minute(client: FlaskClient, redis_url: str) -> None:
    beat(redis_url, 4, [3, 3, 3, 30])
    data = json.loads(client.get("/admin/data", headers=OK).data)
    assert len(data["minutes"]) == 60
    last = data["minutes"][-1]
    assert (last["delivered"], last["retried"], last["dead"]) == (4, 1, 0)
    assert 2 <= last["p50_ms"] <= 3
    assert 20 <= last["p99_ms"] <= 30
    assert data["timer_workers"] == 1
    page = client.get("/admin", headers=OK).get_data(as_text=True)
    assert "/admin/data" in page
    assert 'id="notifications"' in page
