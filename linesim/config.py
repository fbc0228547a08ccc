"""Simulator configuration: the fixed channel settings and the run-time fault config."""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

DEMO_USER_ID = "U" + "0123456789abcdef" * 2
DEFAULT_BOT_USER_ID = "U" + "b07" * 10 + "b0"
DEFAULT_CHANNEL_SECRET = "linesim-channel-secret"
DEFAULT_ACCESS_TOKEN = "linesim-access-token"

# LINE's published per-channel limits (requests per second).
DEFAULT_RATE_LIMITS: dict[str, float | None] = {
    "push": 2000.0,
    "reply": 2000.0,
    "multicast": 200.0,
    "profile": 2000.0,
    "loading": 100.0,
}

# Outcomes a scripted fault entry may name; the next push/multicast requests take them in order.
SCRIPT_OUTCOMES = frozenset(
    {"ok", "error_before", "error_after", "timeout_before", "timeout_after", "429", "monthly"}
)


class ConfigError(ValueError):
    """A fault config body that cannot be applied."""


@dataclass
class Window429:
    """A period during which every push/multicast answers 429 with Retry-After."""

    start_ms: float
    duration_ms: float
    retry_after_s: int | None = None

    def active(self, now_ms: float) -> bool:
        return self.start_ms <= now_ms < self.start_ms + self.duration_ms

    def retry_after(self, now_ms: float) -> int:
        if self.retry_after_s is not None:
            return self.retry_after_s
        return max(1, math.ceil((self.start_ms + self.duration_ms - now_ms) / 1000))

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start_ms,
            "duration_ms": self.duration_ms,
            "retry_after_s": self.retry_after_s,
        }


@dataclass
class FaultConfig:
    """Everything tests may change while the simulator runs."""

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    push_error_before_rate: float = 0.0
    push_error_after_rate: float = 0.0
    push_error_status: int = 500
    timeout_rate: float = 0.0
    timeout_after_rate: float = 0.0
    timeout_hold_s: float = 30.0
    window_429: Window429 | None = None
    monthly_limit: bool = False
    # The month's quota (null: no limit), in force only with `quota_enforced`: then GET
    # /v2/bot/message/quota reports it and a push or multicast the rest cannot pay for (billed
    # per recipient) answers the monthly-limit 429. Off by default, so long benches are never
    # cut off at 200; and then LINE's endpoint reports no limit, as a LINE that refuses nothing
    # would (a bot holding pushes at a reported limit would otherwise stop them for nothing).
    # `monthly_limit` refuses every push regardless.
    quota_limit: int | None = 200
    quota_enforced: bool = False
    rate_limits: dict[str, float | None] = field(default_factory=lambda: dict(DEFAULT_RATE_LIMITS))
    reply_token_ttl_s: float = 60.0
    retry_key_ttl_s: float = 24 * 3600.0
    seed: int | None = None
    script: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["window_429"] = self.window_429.to_dict() if self.window_429 else None
        return out

    def updated(self, body: Mapping[str, Any]) -> FaultConfig:
        """Return a copy with the keys of `body` applied (a partial update)."""
        new = dataclasses.replace(
            self, rate_limits=dict(self.rate_limits), script=list(self.script)
        )
        known = {f.name for f in dataclasses.fields(self)}
        for key, value in body.items():
            if key not in known:
                raise ConfigError(f"unknown fault option: {key}")
            try:
                _apply(new, key, value)
            except (TypeError, ValueError) as exc:
                raise ConfigError(f"bad value for {key}: {exc}") from exc
        return new


def _apply(cfg: FaultConfig, key: str, value: Any) -> None:
    if key == "window_429":
        cfg.window_429 = _window(value)
    elif key == "rate_limits":
        if not isinstance(value, Mapping):
            raise TypeError("expected an object")
        for name, rate in value.items():
            if name not in DEFAULT_RATE_LIMITS:
                raise ValueError(f"unknown endpoint {name!r}")
            cfg.rate_limits[name] = None if rate is None else _positive(rate)
    elif key == "script":
        items = [str(x) for x in value]
        bad = [x for x in items if x not in SCRIPT_OUTCOMES]
        if bad:
            raise ValueError(f"unknown outcomes {bad}; use {sorted(SCRIPT_OUTCOMES)}")
        cfg.script = items
    elif key in ("monthly_limit", "quota_enforced"):
        setattr(cfg, key, bool(value))
    elif key == "quota_limit":
        cfg.quota_limit = None if value is None else _count(value)
    elif key == "seed":
        cfg.seed = None if value is None else int(value)
    elif key == "push_error_status":
        cfg.push_error_status = int(value)
    elif key.endswith("_rate"):
        rate = float(value)
        if not 0.0 <= rate <= 1.0:
            raise ValueError("a probability must be within 0..1")
        setattr(cfg, key, rate)
    else:
        number = float(value)
        if number < 0:
            raise ValueError("must not be negative")
        setattr(cfg, key, number)


def _count(value: Any) -> int:
    if isinstance(value, bool) or int(value) != value or value < 0:
        raise ValueError("must be a whole number >= 0 (null: no limit)")
    return int(value)


def _positive(value: Any) -> float:
    number = float(value)
    if number <= 0:
        raise ValueError("a rate limit must be > 0 (null disables it)")
    return number


def _window(value: Any) -> Window429 | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise TypeError("expected an object or null")
    if "start" in value:
        start = float(value["start"])
    else:
        start = time.time() * 1000 + float(value.get("in_ms", 0))
    retry = value.get("retry_after_s")
    return Window429(
        start_ms=start,
        duration_ms=float(value.get("duration_ms", 1000)),
        retry_after_s=None if retry is None else int(retry),
    )


@dataclass
class SimConfig:
    """Channel settings fixed for the simulator's lifetime, plus the initial faults."""

    webhook_url: str = "http://127.0.0.1:5000/callback"
    channel_secret: str = DEFAULT_CHANNEL_SECRET
    access_token: str = DEFAULT_ACCESS_TOKEN
    bot_user_id: str = DEFAULT_BOT_USER_ID
    demo_user_id: str = DEMO_USER_ID
    faults: FaultConfig = field(default_factory=FaultConfig)
    webhook_timeout_s: float = 30.0
    # Oldest records are dropped past this, so long benches do not grow memory without bound.
    max_records: int = 200_000
    # Monotonic clock used for token and retry-key expiry; tests may inject their own.
    clock: Callable[[], float] = time.monotonic
