"""When to try a failed notification again. Pure: the caller brings the clock and randomness."""

from __future__ import annotations

# About 45 minutes of LINE outage before a timer is dead-lettered (an operator can requeue it).
MAX_ATTEMPTS = 20
BACKOFF_BASE_MS = 500
BACKOFF_CAP_MS = 300_000
DEFAULT_RETRY_AFTER_MS = 1_000


def backoff_ms(attempt: int, jitter: float) -> int:
    """Exponential backoff with jitter: attempt 1 waits 250–500 ms, doubling up to the cap.

    `jitter` is a number in [0, 1) so that workers retrying together spread out.
    """
    ceiling = min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** max(0, attempt - 1))
    return int(ceiling * (0.5 + jitter / 2))


def gives_up(attempt: int) -> bool:
    return attempt >= MAX_ATTEMPTS
