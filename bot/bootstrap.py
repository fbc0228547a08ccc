"""Builds the real clients from Settings. Called by the entrypoints, never at import time."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

from bot.settings import Settings, SettingsError

T = TypeVar("T")


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stdout,
        force=True,
    )
    # Third-party debug logs can carry message bodies and tokens.
    for noisy in ("urllib3", "linebot", "aiohttp", "rq.worker"):
        logging.getLogger(noisy).setLevel(max(logging.INFO, logging.getLevelName(level)))


def load_settings_or_exit() -> Settings:
    """Settings, or a one-line error naming the bad variable and exit status 2."""
    try:
        return Settings.from_env()
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def install_uvloop() -> None:
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


async def _run_timer_worker(settings: Settings) -> None:
    from bot.adapters.line_push import AsyncLinePusher
    from bot.adapters.redis.connection import TIMER_WORKER, async_client
    from bot.adapters.redis.delivery_store import DeliveryStore
    from bot.entrypoints.timer_worker import TimerWorker

    # One connection is the wake-up subscription; the rest serve claims, renewals, settles.
    redis_client = async_client(settings.redis_url, max_connections=TIMER_WORKER)
    pusher = AsyncLinePusher(
        settings.line_api_base_url,
        settings.channel_access_token,
        timeout_s=settings.push_timeout_s,
        pool_size=settings.push_concurrency,
    )
    store = DeliveryStore(
        redis_client, lease_ms=settings.timer_lease_ms, rate_per_s=settings.push_rate_per_s
    )
    worker = TimerWorker(
        store,
        pusher,
        redis_client,
        concurrency=settings.push_concurrency,
        shutdown_grace_s=settings.shutdown_grace_s,
        default_zone=settings.tz,
    )
    try:
        await worker.run()
    finally:
        await pusher.close()
        await redis_client.aclose()


def run_timer_worker() -> int:
    settings = load_settings_or_exit()
    configure_logging(settings.log_level)
    install_uvloop()
    asyncio.run(_run_timer_worker(settings))
    return 0


def build_web_app_from_env() -> object:
    settings = load_settings_or_exit()
    configure_logging(settings.log_level)
    from bot.entrypoints.web import create_app

    return create_app(settings)


def once(factory: Callable[[], T]) -> Callable[[], T]:
    """Build lazily, once per process (after gunicorn or RQ has forked)."""
    made: list[T] = []
    lock = threading.Lock()  # gunicorn's gthread workers serve requests on several threads

    def get() -> T:
        if not made:
            with lock:
                if not made:
                    made.append(factory())
        return made[0]

    return get
