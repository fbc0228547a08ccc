"""The composition root: builds what each process needs from the one Settings object.

web (`build_web_services`), timer_worker (`run_timer_worker`), the rq_worker
(bot/entrypoints/rq_worker.py builds its forked workers from the same Settings and the
connection shares in bot/adapters/redis/connection.py), the one-dyno supervisor (which runs
those two), and the operator commands (`operator_redis_or_exit`, `load_settings_or_exit`).
Called by the entrypoints, never at import time: every import of an adapter is inside the
function that needs it, so a command loads only what it uses.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import TYPE_CHECKING

from bot.settings import Settings, SettingsError, read_one

if TYPE_CHECKING:
    import redis
    from flask import Flask

    from bot.entrypoints.web import WebServices


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


def build_web_services(settings: Settings) -> WebServices:
    """The web process: one Redis pool (its share of the plan's connections), the reply
    sender, and the event handlers' ports."""
    from bot.adapters.call_window import LOADING_RATE_PER_S
    from bot.adapters.job_queue import JobQueue
    from bot.adapters.redis.connection import WEB_PER_PROCESS, sync_client
    from bot.adapters.redis.followers import Followers
    from bot.adapters.redis.iteration_jobs import IterationStore
    from bot.adapters.redis.reminder_store import ReminderStore
    from bot.adapters.reply_handoff import rq_handoff
    from bot.adapters.reply_sender import REPLY_TIMEOUT_S, ReplySender
    from bot.entrypoints import web
    from bot.service.broadcast import Broadcasts
    from bot.service.heavy_commands import HeavyWork
    from bot.service.webhook_events import EventContext

    per_process = settings.web_redis_connections or WEB_PER_PROCESS
    client = sync_client(settings.redis_url, max_connections=per_process)
    sender = ReplySender(
        settings.line_api_base_url,
        settings.channel_access_token,
        timeout_s=REPLY_TIMEOUT_S,
        handoff=rq_handoff(client),
        # LINE's loading-animation rate is the channel's: each gunicorn process takes its share.
        loading_per_s=LOADING_RATE_PER_S / settings.web_concurrency,
    )
    web.register_sender(sender)
    queue = JobQueue(client, heavy_per_chat=settings.heavy_jobs_per_chat)
    broadcasts = Broadcasts(IterationStore(client), queue, batch_size=settings.broadcast_batch_size)
    context = EventContext(
        settings,
        ReminderStore(client),
        sender,
        queue,
        followers=Followers(client),
        heavy=HeavyWork(queue, broadcasts),
    )
    return web.WebServices(client, context)


def operator_redis_or_exit() -> redis.Redis:
    """For the operator commands that need only Redis: REDIS_URL (or REDISTOGO_URL), its
    share of connections, or a one-line error and exit status 2."""
    from bot.adapters.redis.connection import OPERATOR, sync_client

    try:
        url = str(read_one("REDIS_URL"))
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    if not url.startswith(("redis://", "rediss://", "unix://")):
        print("configuration error: REDIS_URL: not a redis:// or rediss:// URL", file=sys.stderr)
        raise SystemExit(2)
    return sync_client(url, max_connections=OPERATOR)


def run_timer_worker() -> int:
    settings = load_settings_or_exit()
    configure_logging(settings.log_level)
    install_uvloop()
    asyncio.run(_run_timer_worker(settings))
    return 0


def build_web_app(settings: Settings) -> Flask:
    """The Flask app, its services built on first use in each process (after the fork)."""
    from bot.entrypoints.web import create_app
    from bot.lazy import once

    services = once(lambda: build_web_services(settings))
    app = create_app(settings, services)
    # gunicorn.conf.py's post_worker_init builds them as each worker boots, so the first
    # webhooks a new process takes do not also pay for the handlers' imports and clients.
    app.extensions["bot.services"] = services
    return app


def build_web_app_from_env() -> object:
    settings = load_settings_or_exit()
    configure_logging(settings.log_level)
    return build_web_app(settings)
