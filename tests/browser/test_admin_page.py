"""/admin in chromium: the last hour's notifications and lateness drawn as charts from
/admin/data, behind basic auth. The web app runs in-process on a loopback port against the
suite's redis-server, its per-minute counters written as a timer worker's heartbeat does."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from werkzeug.serving import BaseWSGIServer, make_server

from bot.adapters.redis import keys
from bot.adapters.redis.worker_registry import Lateness, WorkerRegistry
from bot.bootstrap import build_web_app
from bot.service.delivering import DeliveryStats
from bot.settings import Settings

PASSWORD = "browser-admin-pass"


@pytest.fixture
def server(redis_url: str) -> Iterator[str]:
    app = build_web_app(
        Settings(
            channel_secret="secret",
            channel_access_token="token",
            redis_url=redis_url,
            admin_password=PASSWORD,
        )
    )
    httpd: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(5)


def seed_hour(redis_url: str) -> None:
    """This minute through the registry; ten earlier minutes as their own hashes."""

    async def run() -> None:
        conn = aioredis.Redis.from_url(redis_url)
        late = Lateness()
        for ms in (2, 3, 3, 4, 25):
            late.record(ms)
        await WorkerRegistry(conn, name="timer_worker.1").beat(
            DeliveryStats(delivered=5, retried=2, dead=1), late
        )
        this_minute = time.time_ns() // 60_000_000_000
        for back in range(1, 11):
            key = keys.metrics_minute_key(this_minute - back)
            await conn.hset(key, mapping={"delivered": back, "lat:5": back, "lat:50": 1})
            await conn.expire(key, 600)
        await conn.aclose()

    # Playwright's sync API holds this thread's event loop: the registry's loop runs beside it.
    seeding = threading.Thread(target=asyncio.run, args=(run(),))
    seeding.start()
    seeding.join(10)


def test_without_the_password_the_browser_gets_401(browser: Any, server: str) -> None:
    context = browser.new_context()
    try:
        for path in ("/admin", "/admin/data", "/metrics", "/rq/"):
            answer = context.request.get(f"{server}{path}")
            assert answer.status == 401, path
            assert answer.headers["www-authenticate"].startswith("Basic ")
        # Headless chromium has no prompt to show: it gives up on the challenge.
        with pytest.raises(Exception, match="ERR_INVALID_AUTH_CREDENTIALS"):
            context.new_page().goto(f"{server}/admin")
    finally:
        context.close()


def test_the_admin_page_charts_the_last_hour(
    browser: Any, server: str, redis_url: str, shots: Path
) -> None:
    seed_hour(redis_url)
    context = browser.new_context(
        viewport={"width": 900, "height": 800},
        http_credentials={"username": "admin", "password": PASSWORD},
    )
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        answer = page.goto(f"{server}/admin")
        assert answer is not None
        assert answer.status == 200
        page.wait_for_selector("body[data-loaded]")
        summary = page.locator("#summary").inner_text()
        assert "delivered this hour 60" in " ".join(summary.split())  # 5 + (1 + … + 10)
        assert "timer workers 1" in " ".join(summary.split())
        # One delivered bar for each of the 11 minutes; this minute also retried and dead.
        assert page.locator("#notifications rect.bar.delivered").count() == 11
        assert page.locator("#notifications rect.bar.retried").count() == 1
        assert page.locator("#notifications rect.bar.dead").count() == 1
        # Taller bars for busier minutes: the 10-a-minute one towers over the 1-a-minute one.
        heights = page.eval_on_selector_all(
            "#notifications rect.bar.delivered", "els => els.map(e => +e.getAttribute('height'))"
        )
        assert max(heights) == pytest.approx(10 * min(heights))
        assert page.locator("#lateness path.p50").count() == 1
        assert page.locator("#lateness path.p99").count() == 1
        assert page.locator("#error").inner_text() == ""
        page.screenshot(path=str(shots / "admin.png"), full_page=True)
    finally:
        context.close()
