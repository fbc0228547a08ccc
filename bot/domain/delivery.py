"""What to do after a push attempt, and when to try again. Pure: the caller brings the clock
and randomness, and does the I/O the decision names."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# About 45 minutes of LINE outage before a notification is dead-lettered (an operator can
# requeue it).
MAX_ATTEMPTS = 20
BACKOFF_BASE_MS = 500
BACKOFF_CAP_MS = 300_000
DEFAULT_RETRY_AFTER_MS = 1_000


class PushOutcome(StrEnum):
    DELIVERED = "delivered"
    ALREADY_DELIVERED = "already_delivered"  # 409: the retry key was accepted before
    RETRY = "retry"  # 5xx, timeout, connection error: same retry key, later
    RATE_LIMITED = "rate_limited"  # 429 with Retry-After: everyone slows down
    MONTHLY_LIMIT = "monthly_limit"  # 429 that retrying cannot fix until the quota allows
    REJECTED = "rejected"  # any other 4xx: permanent (blocked bot, bad request)
    FAILED = "failed"  # our own code raised: counted as a failed attempt, like a 5xx


@dataclass(frozen=True, slots=True)
class Acknowledge:
    """Delivered (or LINE already had it): forget this occurrence."""


@dataclass(frozen=True, slots=True)
class RetryAt:
    """Try the same occurrence again, with the same retry key, after `delay_ms`."""

    delay_ms: int
    count_attempt: bool  # a 429 pause is not the notification's fault


@dataclass(frozen=True, slots=True)
class PauseAll:
    """LINE answered 429 with Retry-After: every worker waits, then this one is retried."""

    wait_ms: int


@dataclass(frozen=True, slots=True)
class GiveUp:
    """Permanent, or too many attempts: record it in the dead letters."""

    reason: str


@dataclass(frozen=True, slots=True)
class HoldForChat:
    """The month's quota is spent: keep the notification for its chat (the next free reply
    carries it, or a push once the quota allows) and hold every push (bot.domain.quota)."""


Decision = Acknowledge | RetryAt | PauseAll | GiveUp | HoldForChat


def decide(
    outcome: PushOutcome, failed_attempts: int, retry_after_s: float | None, jitter: float
) -> Decision:
    """The policy for one push result. `failed_attempts` counts the earlier failures."""
    if outcome in (PushOutcome.DELIVERED, PushOutcome.ALREADY_DELIVERED):
        return Acknowledge()
    if outcome is PushOutcome.RATE_LIMITED:
        wait_ms = int((retry_after_s or 0) * 1000) or DEFAULT_RETRY_AFTER_MS
        return PauseAll(wait_ms)
    if outcome in (PushOutcome.RETRY, PushOutcome.FAILED):
        attempt = failed_attempts + 1
        if gives_up(attempt):
            return GiveUp("gave_up")
        return RetryAt(backoff_ms(attempt, jitter), count_attempt=True)
    if outcome is PushOutcome.MONTHLY_LIMIT:
        return HoldForChat()
    return GiveUp(outcome.value)


def backoff_ms(attempt: int, jitter: float) -> int:
    """Exponential backoff with jitter: attempt 1 waits 250–500 ms, doubling up to the cap.

    `jitter` is a number in [0, 1) so that workers retrying together spread out.
    """
    ceiling = min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** max(0, attempt - 1))
    return int(ceiling * (0.5 + jitter / 2))


def gives_up(attempt: int) -> bool:
    return attempt >= MAX_ATTEMPTS
