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
import contextlib
import functools
import gc
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.settings import Settings, SettingsError, read_one

if TYPE_CHECKING:
    import redis
    from flask import Flask

    from bot.adapters.line.quota import Quota
    from bot.adapters.line.rich_menu import RichMenuClient
    from bot.entrypoints.web import WebServices
    from bot.jobs.context import JobContext


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
    from bot.adapters.line.pushes import AsyncLinePusher
    from bot.adapters.line.quota import numbers_fetcher
    from bot.adapters.redis.connection import TIMER_WORKER, async_client
    from bot.adapters.redis.delivery_store import DeliveryStore
    from bot.adapters.redis.worker_registry import default_name
    from bot.entrypoints.notify_loop import NOTIFY_CONCURRENCY, WithNotify, notify_worker
    from bot.entrypoints.timer_worker import TimerWorker

    # One connection is the wake-up subscription of each loop; the rest serve claims,
    # renewals, settles.
    redis_client = async_client(settings.redis_url, max_connections=TIMER_WORKER)
    pusher = AsyncLinePusher(
        settings.line_api_base_url,
        settings.channel_access_token,
        timeout_s=settings.push_timeout_s,
        pool_size=settings.push_concurrency + NOTIFY_CONCURRENCY,
    )
    store = DeliveryStore(
        redis_client,
        lease_ms=settings.timer_lease_ms,
        rate_per_s=settings.push_rate_per_s,
        margin_ms=settings.push_window_margin_ms,
    )
    # The Notify-style API's messages: a second loop on keys of their own (notify_loop.py).
    notify = notify_worker(redis_client, pusher, settings)
    worker = TimerWorker(
        store,
        pusher,
        redis_client,
        concurrency=settings.push_concurrency,
        shutdown_grace_s=settings.shutdown_grace_s,
        default_zone=settings.tz,
        registry=WithNotify(redis_client, notify, name=default_name(process_host())),
        quota_fetch=numbers_fetcher(settings.line_api_base_url, settings.channel_access_token),
        batch_window_ms=settings.push_batch_window_ms,
    )

    # What is loaded by now lives as long as the process (the LINE SDK's models, for the quota
    # fetch, are most of ~160,000 objects): frozen, the GC's full collections no longer walk it.
    # They took ~90 ms, a stall between grants and their pushes that LINE then saw arrive
    # together (bench.sliding_burst: 8-25 × 429 a run against the limiter's 30 ms margin).
    gc.collect()
    gc.freeze()

    def stop() -> None:  # any number of times: the platform may send SIGTERM twice
        worker.request_stop()
        notify.request_stop()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop)
    runs = [asyncio.create_task(w.run(install_signal_handlers=False)) for w in (worker, notify)]
    for run in runs:
        run.add_done_callback(lambda _: stop())  # one loop ending (it never should) ends both
    try:
        await asyncio.gather(*runs)
    finally:
        await pusher.close()
        await redis_client.aclose()


def build_web_services(settings: Settings) -> WebServices:
    """The web process: one Redis pool (its share of the plan's connections), the reply
    sender, and the event handlers' ports."""
    from bot.adapters.job_queue import JobQueue
    from bot.adapters.line.call_window import LOADING_RATE_PER_S
    from bot.adapters.line.member_names import MemberNames
    from bot.adapters.line.replies import REPLY_TIMEOUT_S, ReplySender
    from bot.adapters.redis.calendar_feeds import CalendarFeeds
    from bot.adapters.redis.connection import STORE_ERRORS, WEB_PER_PROCESS, sync_client
    from bot.adapters.redis.followers import Followers
    from bot.adapters.redis.group_members import GroupMembers
    from bot.adapters.redis.held_store import HeldBook
    from bot.adapters.redis.iterations import IterationStore
    from bot.adapters.redis.notify_store import NotifyStore
    from bot.adapters.redis.reminder_store import ReminderStore
    from bot.adapters.reply_handoff import rq_handoff
    from bot.domain import occurrences
    from bot.entrypoints import web
    from bot.service.broadcast import Broadcasts
    from bot.service.heavy_commands import HeavyWork
    from bot.service.missed import MissedReplies
    from bot.service.notify_api import NotifyApi
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
    notify = NotifyStore(client)
    reminders = ReminderStore(client)

    def zone_of(chat_id: str) -> ZoneInfo:
        return occurrences.zone_of(reminders.timezone(chat_id) or "", settings.tz)

    context = EventContext(
        settings,
        reminders,
        sender,
        queue,
        followers=Followers(client),
        heavy=HeavyWork(queue, broadcasts),
        notify=notify,
        calendars=CalendarFeeds(client),
        missed=MissedReplies(HeldBook(client), sender, zone_of, store_errors=STORE_ERRORS),
        names=MemberNames(client, settings.line_api_base_url, settings.channel_access_token),
        members=GroupMembers(client),
    )
    return web.WebServices(client, context, NotifyApi(notify, context.reminders, settings))


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


def operator_client(settings: Settings, *, max_connections: int) -> redis.Redis:
    """Redis for an operator's command that has the whole Settings (jobs, broadcast)."""
    from bot.adapters.redis.connection import sync_client

    return sync_client(settings.redis_url, max_connections=max_connections)


def setting(name: str) -> object:
    """One declared variable, read and checked, for a command that needs only it."""
    return read_one(name)


@dataclass(frozen=True)
class OperatorLine:
    """The LINE clients of the operator commands that call LINE (status's quota, richmenu),
    built here. The token may be absent: a dry run, a status without the quota."""

    base_url: str
    has_token: bool
    quota: Callable[[], Quota] | None  # None without a token
    rich_menu: Callable[[], RichMenuClient]  # a context manager; needs the token


def operator_line() -> OperatorLine:
    from bot.adapters.line.quota import fetch_quota
    from bot.adapters.line.rich_menu import RichMenuClient

    token = os.environ.get("LINE_CHANNEL_ACCESS_TOKEN", "").strip()
    base = str(read_one("LINE_API_BASE_URL"))
    return OperatorLine(
        base_url=base,
        has_token=bool(token),
        quota=functools.partial(fetch_quota, base, token) if token else None,
        rich_menu=functools.partial(RichMenuClient, base, token),
    )


def process_host() -> str:
    """The platform's name for this process's host: Heroku's dyno (timer_worker.1), else the
    machine's name."""
    return os.environ.get("DYNO") or socket.gethostname()


def rich_menu_fonts_hidden() -> bool:
    """RICHMENU_NO_CJK_FONT=1: the rich menu acts as on a machine without a CJK font (tests)."""
    from bot.adapters.menu_image import HIDE_FONTS_ENV

    return os.environ.get(HIDE_FONTS_ENV, "").strip() not in ("", "0")


def run_timer_worker() -> int:
    settings = load_settings_or_exit()
    configure_logging(settings.log_level)
    install_uvloop()
    asyncio.run(_run_timer_worker(settings))
    return 0


def build_job_context(settings: Settings) -> JobContext:
    """The RQ worker's jobs: their LINE clients and, outside RQ, their Redis (built once, at
    the worker's start, before it forks)."""
    from bot.adapters.line.replies import ReplySender
    from bot.adapters.line.sdk_calls import SdkMulticaster, SdkPusher
    from bot.adapters.redis.connection import sync_client
    from bot.jobs.context import JobContext
    from bot.lazy import once

    base, token = settings.line_api_base_url, settings.channel_access_token
    return JobContext(
        settings=settings,
        pusher=SdkPusher(base, token),
        # A call at a time per job thread; its loop thread starts in each forked child.
        replier=ReplySender(base, token, timeout_s=5.0, concurrency=settings.rq_threads),
        multicaster=SdkMulticaster(base, token),
        redis=once(lambda: sync_client(settings.redis_url, max_connections=2)),
    )


def job_context_from_env() -> JobContext:
    return build_job_context(Settings.from_env())


def rq_redis(settings: Settings, *, max_connections: int | None = None) -> redis.Redis:
    """A Redis client for the rq_worker: its parent, each forked worker, or RQ's own models."""
    from bot.adapters.redis.connection import sync_client

    if max_connections is None:
        return sync_client(settings.redis_url)
    return sync_client(settings.redis_url, max_connections=max_connections)


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
