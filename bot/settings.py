"""Settings read once from the environment and validated. Nothing here runs at import time."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_LINE_API_BASE_URL = "https://api.line.me"


N = TypeVar("N", int, float)


class SettingsError(Exception):
    """A setting is missing or invalid; the message names it, on one line."""


@dataclass(frozen=True, slots=True)
class Settings:
    channel_secret: str
    channel_access_token: str
    redis_url: str
    line_api_base_url: str = DEFAULT_LINE_API_BASE_URL
    port: int = 5000
    timezone: str = "Asia/Tokyo"
    # How far ahead a reminder may be set, and how many one chat may hold pending.
    reminder_max_days: int = 365
    max_reminders_per_chat: int = 50
    # How long a claimed timer stays with its worker unless renewed. The worker renews the
    # leases of its pushes in flight every quarter lease, so this is how fast a SIGKILLed
    # worker's timers come back, not a bound on how long a push may take.
    timer_lease_ms: int = 1_000
    push_timeout_s: float = 5.0
    push_rate_per_s: float = 2000.0
    # Pushes in flight per worker: rate × LINE's latency (2,000/s × 150 ms needs 300).
    push_concurrency: int = 500
    shutdown_grace_s: float = 25.0
    log_level: str = "INFO"
    # LINE user ids allowed to broadcast from a chat (配信 …), comma-separated in the env.
    admin_user_ids: frozenset[str] = frozenset()
    # Heavy jobs (解析, 読み, キーワード) one chat may have in flight: a flood can't starve others.
    heavy_jobs_per_chat: int = 5
    # Worker processes forked by one rq_worker after janome is loaded, and the jobs each runs
    # at once on threads (bench/jobs.py measured the choice).
    rq_workers: int = 2
    rq_threads: int = 16
    # Recipients of one multicast (LINE: at most 500); one step of a broadcast.
    broadcast_batch_size: int = 500
    # The password of /metrics, /rq and /admin (user "admin"); unset: they are not mounted.
    admin_password: str | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read and validate; raise SettingsError naming the first bad variable."""
        env = os.environ if env is None else env
        redis_url = env.get("REDIS_URL") or env.get("REDISTOGO_URL") or ""
        settings = cls(
            channel_secret=_required(env, "LINE_CHANNEL_SECRET"),
            channel_access_token=_required(env, "LINE_CHANNEL_ACCESS_TOKEN"),
            redis_url=redis_url or _required(env, "REDIS_URL"),
            line_api_base_url=(env.get("LINE_API_BASE_URL") or DEFAULT_LINE_API_BASE_URL).rstrip(
                "/"
            ),
            port=_number(env, "PORT", 5000, int, low=1, high=65535),
            timezone=env.get("BOT_TIMEZONE") or "Asia/Tokyo",
            reminder_max_days=_number(env, "REMINDER_MAX_DAYS", 365, int, low=1, high=3650),
            max_reminders_per_chat=_number(
                env, "MAX_REMINDERS_PER_CHAT", 50, int, low=1, high=10_000
            ),
            timer_lease_ms=_number(env, "TIMER_LEASE_MS", 1_000, int, low=200),
            push_timeout_s=_number(env, "PUSH_TIMEOUT_S", 5.0, float, low=0.05),
            push_rate_per_s=_number(env, "PUSH_RATE_PER_S", 2000.0, float, low=0.1),
            push_concurrency=_number(env, "PUSH_CONCURRENCY", 500, int, low=1, high=5000),
            shutdown_grace_s=_number(env, "SHUTDOWN_GRACE_S", 25.0, float, low=0.0),
            log_level=(env.get("LOG_LEVEL") or "INFO").upper(),
            admin_user_ids=frozenset(
                part.strip() for part in env.get("ADMIN_USER_IDS", "").split(",") if part.strip()
            ),
            heavy_jobs_per_chat=_number(env, "HEAVY_JOBS_PER_CHAT", 5, int, low=1, high=1000),
            rq_workers=_number(env, "RQ_WORKERS", 2, int, low=1, high=64),
            rq_threads=_number(env, "RQ_THREADS", 16, int, low=1, high=64),
            broadcast_batch_size=_number(env, "BROADCAST_BATCH_SIZE", 500, int, low=1, high=500),
            admin_password=env.get("ADMIN_PASSWORD", "").strip() or None,
        )
        try:
            settings.tz  # noqa: B018 - validates the zone name
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise SettingsError(f"BOT_TIMEZONE: unknown time zone {settings.timezone!r}") from exc
        if not settings.redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise SettingsError("REDIS_URL: must start with redis://, rediss:// or unix://")
        return settings


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise SettingsError(f"{name} is not set")
    return value


def _number(
    env: Mapping[str, str],
    name: str,
    default: N,
    kind: type[N],
    *,
    low: float | None = None,
    high: float | None = None,
) -> N:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError as exc:
        raise SettingsError(f"{name}: not a number: {raw!r}") from exc
    if (low is not None and value < low) or (high is not None and value > high):
        raise SettingsError(f"{name}: {value} is out of range")
    return value
