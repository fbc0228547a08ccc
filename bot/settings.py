"""Every setting, declared once: its variable, type, default, bounds and one line of help.

`Settings.from_env` reads and validates them all; `read_one` reads a single one (for the
commands and gunicorn.conf.py, which need only a few and must not require the rest); the
docs/configuration.md's table (`markdown_table`) and localdev's list of variables
(`variable_names`) are made from the same declarations, and a test checks that copy.
Nothing here runs at import time.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.adapters.redis.rate_window import RECOMMENDED_MARGIN_MS

DEFAULT_LINE_API_BASE_URL = "https://api.line.me"
REQUIRED: Any = dataclasses.MISSING


class SettingsError(ValueError):
    """A setting is missing or invalid; the message names it, on one line."""


def setting(
    env: str,
    default: Any,
    help: str,
    *,
    low: float | None = None,
    high: float | None = None,
    aliases: tuple[str, ...] = (),
) -> Any:
    """A Settings field read from `env` (or its `aliases`), with its default and bounds."""
    meta = {"env": env, "help": help, "low": low, "high": high, "aliases": aliases}
    if isinstance(default, frozenset):
        return dataclasses.field(default_factory=lambda: default, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


@dataclass(frozen=True, slots=True)
class Settings:
    channel_secret: str = setting("LINE_CHANNEL_SECRET", REQUIRED, "webhook signature key")
    channel_access_token: str = setting(
        "LINE_CHANNEL_ACCESS_TOKEN", REQUIRED, "Messaging API token"
    )
    redis_url: str = setting(
        "REDIS_URL",
        REQUIRED,
        "`redis://` or `rediss://` (TLS, self-signed accepted)",
        aliases=("REDISTOGO_URL",),
    )
    line_api_base_url: str = setting(
        "LINE_API_BASE_URL",
        DEFAULT_LINE_API_BASE_URL,
        "where every Messaging API call goes (the simulator locally)",
    )
    port: int = setting("PORT", 5000, "web port (set by the platform)", low=1, high=65535)
    timezone: str = setting(
        "BOT_TIMEZONE", "Asia/Tokyo", "the time zone of chats that did not set their own"
    )
    reminder_max_days: int = setting(
        "REMINDER_MAX_DAYS", 365, "how far ahead a timer or reminder may be set", low=1, high=3650
    )
    max_reminders_per_chat: int = setting(
        "MAX_REMINDERS_PER_CHAT", 50, "pending reminders one chat may hold", low=1, high=10_000
    )
    # How long a claimed reminder stays with its worker unless renewed. The worker renews the
    # leases of its pushes in flight every quarter lease, so this is how fast a SIGKILLed
    # worker's reminders come back, not a bound on how long a push may take.
    timer_lease_ms: int = setting(
        "TIMER_LEASE_MS",
        1_000,
        "lease of a claimed reminder (renewed while its push is in flight)",
        low=200,
    )
    push_timeout_s: float = setting("PUSH_TIMEOUT_S", 5.0, "one push attempt", low=0.05)
    push_rate_per_s: float = setting(
        "PUSH_RATE_PER_S", 2000.0, "pushes per second, shared by all timer workers", low=0.1
    )
    # The spread between a grant and its arrival at LINE, measured at 27-30 ms on loopback
    # (bot/adapters/redis/rate_window.py): raise it if a real network to LINE draws 429s.
    push_window_margin_ms: int = setting(
        "PUSH_WINDOW_MARGIN_MS",
        RECOMMENDED_MARGIN_MS,
        "added to the push limiter's 1-s window for the grant-to-arrival spread",
        low=0,
        high=1000,
    )
    # Pushes in flight per worker: rate × LINE's latency (2,000/s × 150 ms needs 300).
    push_concurrency: int = setting(
        "PUSH_CONCURRENCY",
        500,
        "pushes in flight per timer worker (its HTTP connections)",
        low=1,
        high=5000,
    )
    # One chat's notifications due within this window of each other go out as one push (a
    # push costs a message of the quota whatever it carries); 0 sends each on its own.
    push_batch_window_ms: int = setting(
        "PUSH_BATCH_WINDOW_MS",
        1_000,
        "one chat's notifications due this close together go out in one push (0: never)",
        low=0,
        high=60_000,
    )
    shutdown_grace_s: float = setting(
        "SHUTDOWN_GRACE_S", 25.0, "how long SIGTERM waits for pushes in flight", low=0.0
    )
    log_level: str = setting(
        "LOG_LEVEL", "INFO", "logs never carry message text, tokens or secrets at INFO"
    )
    admin_user_ids: frozenset[str] = setting(
        "ADMIN_USER_IDS",
        frozenset(),
        "LINE user ids allowed to broadcast from a chat (comma-separated)",
    )
    heavy_jobs_per_chat: int = setting(
        "HEAVY_JOBS_PER_CHAT",
        5,
        "a chat's heavy jobs (解析, 読み, キーワード) in flight on `high`; more wait on `default`",
        low=1,
        high=1000,
    )
    # Worker processes forked by one rq_worker after janome is loaded, and the jobs each runs
    # at once on threads (bench/jobs.py measured the choice).
    rq_workers: int = setting(
        "RQ_WORKERS",
        2,
        "worker processes one rq_worker forks after janome is loaded",
        low=1,
        high=64,
    )
    rq_threads: int = setting(
        "RQ_THREADS", 16, "jobs each of those processes runs at once, on threads", low=1, high=64
    )
    rq_worker_model: str = setting(
        "RQ_WORKER_MODEL",
        "prefork",
        "`prefork` (processes × threads), or RQ's `fork` / `pool` (for bench/jobs.py)",
    )
    broadcast_batch_size: int = setting(
        "BROADCAST_BATCH_SIZE",
        500,
        "recipients of one multicast (LINE: at most 500)",
        low=1,
        high=500,
    )
    admin_password: str | None = setting(
        "ADMIN_PASSWORD",
        None,
        "password of /metrics, /rq and /admin (user admin); unset: not mounted",
    )
    web_concurrency: int = setting(
        "WEB_CONCURRENCY", 2, "gunicorn processes (the Python buildpack sets it)", low=1, high=64
    )
    gunicorn_threads: int = setting(
        "GUNICORN_THREADS", 4, "threads per gunicorn process", low=1, high=256
    )
    web_redis_connections: int | None = setting(
        "WEB_REDIS_CONNECTIONS",
        None,
        "Redis connections per web process (default: 8 shared by all)",
        low=1,
        high=64,
    )
    public_url: str | None = setting(
        "BOT_PUBLIC_URL",
        None,
        "public base URL of the links the bot hands out (カレンダー); unset: the webhook's own",
    )
    reply_drain_s: float = setting(
        "REPLY_DRAIN_S",
        10.0,
        "how long SIGTERM lets a web process send its queued replies",
        low=0.0,
    )
    # LINE Notify allowed 1,000 calls an hour per token; scripts written for it expect that.
    notify_rate_per_hour: int = setting(
        "NOTIFY_RATE_PER_HOUR",
        1000,
        "calls of /api/notify and /api/reminders per token per hour (as LINE Notify)",
        low=1,
        high=1_000_000,
    )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read and validate; raise SettingsError naming the first bad variable."""
        env = os.environ if env is None else env
        settings = cls(**{f.name: _read(f, env) for f in dataclasses.fields(cls)})
        if not settings.redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise SettingsError("REDIS_URL: must start with redis://, rediss:// or unix://")
        return settings


def declared() -> Iterator[dataclasses.Field[Any]]:
    return iter(dataclasses.fields(Settings))


def read_one(name: str, env: Mapping[str, str] | None = None) -> Any:
    """One declared variable, parsed and validated (SettingsError names it)."""
    for f in declared():
        if f.metadata["env"] == name:
            return _read(f, os.environ if env is None else env)
    raise KeyError(name)


def variable_names() -> tuple[str, ...]:
    """Every variable the bot reads, aliases included."""
    return tuple(n for f in declared() for n in (f.metadata["env"], *f.metadata["aliases"]))


def markdown_table() -> str:
    """The configuration table of docs/configuration.md."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for f in declared():
        names = " (or ".join(f"`{n}`" for n in (f.metadata["env"], *f.metadata["aliases"]))
        names += ")" * len(f.metadata["aliases"])
        rows.append(f"| {names} | {_shown_default(f)} | {f.metadata['help']} |")
    return "\n".join(rows)


def _default_of(f: dataclasses.Field[Any]) -> Any:
    """The field's default, or REQUIRED."""
    if f.default is not dataclasses.MISSING:
        return f.default
    factory = f.default_factory
    return REQUIRED if factory is dataclasses.MISSING else factory()


def _shown_default(f: dataclasses.Field[Any]) -> str:
    value = _default_of(f)
    if value is REQUIRED:
        return "required"
    if value is None or value == frozenset():
        return "unset"
    return f"`{value}`" if isinstance(value, str) else f"{value}"


_PARSERS: dict[str, Callable[[str], Any]] = {
    "str": str,
    "str | None": str,
    "int": int,
    "int | None": int,
    "float": float,
    "frozenset[str]": lambda raw: frozenset(p.strip() for p in raw.split(",") if p.strip()),
}
_TIDY: dict[str, Callable[[Any], Any]] = {
    "LINE_API_BASE_URL": lambda url: url.rstrip("/"),
    "LOG_LEVEL": str.upper,
    "BOT_PUBLIC_URL": lambda url: url.rstrip("/"),
}


def _read(f: dataclasses.Field[Any], env: Mapping[str, str]) -> Any:
    name: str = f.metadata["env"]
    raw = next(
        (env[n].strip() for n in (name, *f.metadata["aliases"]) if env.get(n, "").strip()), ""
    )
    if not raw:
        default = _default_of(f)
        if default is REQUIRED:
            raise SettingsError(f"{name} is not set")
        return default
    try:
        value = _PARSERS[str(f.type)](raw)
    except ValueError as exc:
        raise SettingsError(f"{name}: not a number: {raw!r}") from exc
    low, high = f.metadata["low"], f.metadata["high"]
    if (low is not None and value < low) or (high is not None and value > high):
        raise SettingsError(f"{name}: {value} is out of range")
    value = _TIDY.get(name, lambda v: v)(value)
    if name == "BOT_PUBLIC_URL" and not value.startswith(("https://", "http://")):
        raise SettingsError("BOT_PUBLIC_URL: must start with https:// or http://")
    if name == "BOT_TIMEZONE":
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise SettingsError(f"BOT_TIMEZONE: unknown time zone {value!r}") from exc
    return value
