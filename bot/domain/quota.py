"""The channel's monthly message quota: when pushes are held, when they resume, when the
operator is warned. Pure: the caller brings the clock and LINE's numbers.

Why hold instead of dead-lettering: LINE answers every push with the monthly-limit 429 until
the month changes or the plan is raised, so a notification due meanwhile is not undeliverable,
only unaffordable. It is kept (per chat) and handed over for free in the chat's next reply, or
pushed once the quota allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

# LINE's plans in Japan are counted per calendar month; the month turns in Japan's time.
QUOTA_ZONE = ZoneInfo("Asia/Tokyo")
# The operator hears of it at these shares of the quota, once per threshold and month.
WARN_PERCENTS = (80, 95)
# While held, LINE's quota is asked again at least this often (the plan may be raised).
RECHECK_HOLDING_MS = 10 * 60_000
# While pushing, the numbers are refreshed this often (our own pushes are counted meanwhile).
REFRESH_PUSHING_MS = 60_000

HOLD_MONTHLY_LIMIT = "monthly_limit"  # LINE answered the monthly-limit 429
HOLD_CONSUMPTION = "consumption"  # LINE's own numbers say the quota is spent


def month_of(now_ms: int) -> str:
    """`2026-12`: the quota month `now_ms` falls in."""
    return datetime.fromtimestamp(now_ms / 1000, UTC).astimezone(QUOTA_ZONE).strftime("%Y-%m")


@dataclass(frozen=True, slots=True)
class Numbers:
    """What LINE said: `limit` None means no monthly limit."""

    limit: int | None
    used: int

    @property
    def spent(self) -> bool:
        return self.limit is not None and self.used >= self.limit

    def percent(self) -> float | None:
        if self.limit is None:
            return None
        if self.limit <= 0:
            return 100.0
        return 100.0 * self.used / self.limit


@dataclass(frozen=True, slots=True)
class Hold:
    """Pushes are held: since when, in which quota month, and the limit that was reached."""

    month: str
    since_ms: int
    reason: str
    limit: int | None  # None: the quota could not be read when the hold began


def start_hold(now_ms: int, reason: str, numbers: Numbers | None) -> Hold:
    return Hold(month_of(now_ms), now_ms, reason, None if numbers is None else numbers.limit)


def should_hold(numbers: Numbers) -> bool:
    """Consumption at the quota: hold before spending a push on a sure 429."""
    return numbers.spent


def should_resume(hold: Hold, now_ms: int, numbers: Numbers | None, *, forced: bool) -> bool:
    """Resume when the month has changed, or LINE shows room that was not there when the hold
    began: the plan was raised (a higher limit, or none). `forced` (`quota --resume`) trusts
    any room LINE shows. Unreadable numbers keep the hold, except across a month change.

    Why room alone is not enough: LINE may answer the monthly-limit 429 with some quota left
    (a group push costs one message per member), and resuming on that room would meet the 429
    again at once, every re-check, all month."""
    if month_of(now_ms) != hold.month:
        return True
    if numbers is None:
        return False
    if numbers.limit is None:
        return True
    if numbers.spent:
        return False
    return forced or (hold.limit is not None and numbers.limit > hold.limit)


def thresholds_reached(numbers: Numbers) -> list[int]:
    """The warning thresholds (percent) that consumption has reached."""
    share = numbers.percent()
    if share is None:
        return []
    return [p for p in WARN_PERCENTS if share >= p]


def recheck_after_ms(holding: bool, numbers: Numbers | None) -> int:
    """While holding, or with no monthly limit to watch, every 10 minutes is enough."""
    if holding or (numbers is not None and numbers.limit is None):
        return RECHECK_HOLDING_MS
    return REFRESH_PUSHING_MS


def operator_notice(holding: bool, held: int, numbers: Numbers | None) -> str | None:
    """What status, /admin and /metrics' readers must not miss; None when all is well."""
    if holding:
        return (
            f"PUSHES HELD: this month's LINE message limit is reached; {held} notification(s)"
            " held. Each goes out in its chat's next reply (free), or by push once the quota"
            " allows. Raise the plan, then run `python -m bot quota --resume`."
        )
    if numbers is not None and thresholds_reached(numbers):
        return (
            f"WARNING: {numbers.percent() or 0:.0f}% of this month's LINE messages used"
            f" ({numbers.used} of {numbers.limit})"
        )
    if held:
        return f"{held} held notification(s) waiting to be pushed"
    return None


@dataclass(frozen=True, slots=True)
class QuotaSnapshot:
    numbers: Numbers | None  # None: never read, or LINE did not answer
    checked_ms: int | None
    error: str | None
    hold: Hold | None

    def to_dict(self, held: int) -> dict[str, Any]:
        n = self.numbers
        return {
            "limit": None if n is None else n.limit,
            "used": None if n is None else n.used,
            "percent": None if n is None or n.percent() is None else round(n.percent() or 0, 1),
            "checked_ms": self.checked_ms,
            "error": self.error,
            "holding": self.hold is not None,
            "hold_since_ms": None if self.hold is None else self.hold.since_ms,
            "hold_reason": None if self.hold is None else self.hold.reason,
            "held": held,
        }
