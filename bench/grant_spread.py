"""The limiter's margin, measured: how much later than its grant each push reaches LINE.

The shared limiter (bot/adapters/redis/rate_window.py) counts a send when it grants it; LINE
counts it when it arrives. With d = arrival - grant ranging over [d_lo, d_hi], the arrivals in
any 1-s window at LINE come from grants in a window of 1 s + (d_hi - d_lo): that spread is what
the margin must cover, and any more is throughput given away (2,000 per 1.1 s is 1,818/s).

That global spread overstates the need when the sender falls behind (d grows, but arrivals
thin out). What counts is how close a sliding second at LINE came to the limit: `slack`, the
least over i of arrival[i + limit] − arrival[i] − 1 s (as bench.sliding_burst). The limiter
keeps grant[i + limit] − grant[i] ≥ 1 s + margin, so margin − slack is the part of the margin
the run used up; a negative slack is a second that held more than the limit.

`RecordingStore` is the worker's DeliveryStore noting, per retry key, the `now` its claim
passed (the time the limiter counted, on the real clock); `measure` pairs those with the LINE
fake's arrival stamps.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from bench.endpoints import Push
from bench.load import percentile
from bot.adapters.redis.delivery_store import Claim, ClaimedReminder, DeliveryStore


class RecordingStore(DeliveryStore):
    def __init__(self, *args: Any, clock_offset_ms: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._offset_ms = clock_offset_ms
        self.granted_ms: dict[str, int] = {}  # retry key → real epoch ms of its grant

    async def claim(self, now_ms: int, max_claims: int) -> Claim:
        claim = await super().claim(now_ms, max_claims)
        real = now_ms - self._offset_ms
        for entry in claim.entries:  # a dict insert each: nothing between grant and send
            if isinstance(entry, ClaimedReminder) and entry.reminder is not None:
                self.granted_ms[entry.reminder.retry_key] = real
        return claim


@dataclass(frozen=True, slots=True)
class Spread:
    paired: int
    d_min: float  # arrival - grant, ms
    d_p50: float
    d_p99: float
    d_p999: float
    d_max: float
    busiest_second: int  # most arrivals in any sliding 1-s window (half-open, as the fake)
    slack_ms: float  # see the module's doc; NaN with fewer than limit + 1 arrivals

    @property
    def spread_p999(self) -> float:
        """The margin that would have covered 999 in 1,000 sends: p99.9(d) - min(d)."""
        return self.d_p999 - self.d_min

    def describe(self) -> str:
        return (
            f"grant → arrival at LINE (ms, {self.paired:,} sends): min {self.d_min:.1f}, "
            f"p50 {self.d_p50:.1f}, p99 {self.d_p99:.1f}, p99.9 {self.d_p999:.1f}, "
            f"max {self.d_max:.1f}; spread p99.9 − min {self.spread_p999:.1f}, "
            f"max − min {self.d_max - self.d_min:.1f}; busiest sliding second "
            f"{self.busiest_second:,} arrivals, slack {self.slack_ms:.1f}"
        )


def measure(granted_ms: dict[str, int], pushes: list[Push], limit: int) -> Spread:
    delays = sorted(
        p.received_at_ms - granted_ms[key]
        for p in pushes
        if (key := p.retry_key.lower()) in granted_ms
    )
    arrivals = sorted(p.received_at_ms for p in pushes)
    nan = float("nan")
    return Spread(
        paired=len(delays),
        d_min=delays[0] if delays else nan,
        d_p50=percentile(delays, 50),
        d_p99=percentile(delays, 99),
        d_p999=percentile(delays, 99.9),
        d_max=delays[-1] if delays else nan,
        busiest_second=busiest(arrivals),
        slack_ms=slack(arrivals, limit),
    )


def slack(arrivals: list[float], limit: int, window_ms: float = 1000.0) -> float:
    gaps = [arrivals[i + limit] - arrivals[i] - window_ms for i in range(len(arrivals) - limit)]
    return min(gaps, default=float("nan"))


def busiest(arrivals: list[float], window_ms: float = 1000.0) -> int:
    """Most arrivals (sorted) in any window (t - window, t], as the fake's SlidingWindow."""
    live: deque[float] = deque()
    most = 0
    for t in arrivals:
        live.append(t)
        while live[0] <= t - window_ms:
            live.popleft()
        most = max(most, len(live))
    return most
