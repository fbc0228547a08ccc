"""The limiter's margin, measured: how much later than its grant each push reaches LINE.

The shared limiter (bot/adapters/redis/rate_window.py) counts a send when it grants it; LINE
counts it when it arrives. With d = arrival - grant ranging over [d_lo, d_hi], the arrivals in
any 1-s window at LINE come from grants in a window of 1 s + (d_hi - d_lo): that spread is what
the margin must cover, and any more is throughput given away (2,000 per 1.1 s is 1,818/s).

That global spread overstates the need when the sender falls behind (d grows, but arrivals
thin out). What a window at LINE needs is local: for each arrival, the pushes that arrived in
the second before it were granted over some span; span − 1 s is the margin that window needed.
Only a full window can turn a short margin into a 429, so `need` is taken over the windows
holding at least FULL of the limit (p50 / p99.9 / max; NaN when the sender never filled one).

`RecordingStore` is the worker's DeliveryStore noting, per retry key, the `now` its claim
passed (the time the limiter counted, on the real clock); `measure` pairs those with the LINE
fake's arrival stamps.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Any

from bench.endpoints import Push
from bench.load import percentile
from bot.adapters.redis.delivery_store import Claim, ClaimedReminder, DeliveryStore

FULL = 0.95


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
    need_p50: float  # margin each arrival's 1-s window needed, ms (see the module's doc)
    need_p999: float
    need_max: float

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
            f"{self.busiest_second:,} arrivals; margin its window needed: p50 "
            f"{self.need_p50:.1f}, p99.9 {self.need_p999:.1f}, max {self.need_max:.1f}"
        )


def measure(granted_ms: dict[str, int], pushes: list[Push], limit: int) -> Spread:
    pairs = sorted(
        (p.received_at_ms, float(granted_ms[key]))
        for p in pushes
        if (key := p.retry_key.lower()) in granted_ms
    )
    delays = sorted(a - g for a, g in pairs)
    needs = window_needs(pairs, full=math.ceil(FULL * limit))
    nan = float("nan")
    return Spread(
        paired=len(delays),
        d_min=delays[0] if delays else nan,
        d_p50=percentile(delays, 50),
        d_p99=percentile(delays, 99),
        d_p999=percentile(delays, 99.9),
        d_max=delays[-1] if delays else nan,
        busiest_second=busiest(pushes),
        need_p50=percentile(needs, 50),
        need_p999=percentile(needs, 99.9),
        need_max=max(needs, default=nan),
    )


def window_needs(
    pairs: list[tuple[float, float]], full: int, window_ms: float = 1000.0
) -> list[float]:
    """Per arrival (pairs of (arrival, grant) ms, by arrival) whose window (arrival - window,
    arrival] holds at least `full`: the span of those arrivals' grants minus the window.
    Monotonic deques: O(n)."""
    lows: deque[tuple[float, float]] = deque()  # (arrival, grant), grants increasing
    highs: deque[tuple[float, float]] = deque()  # grants decreasing
    live: deque[float] = deque()  # arrivals in the window
    needs = []
    for arrival, grant in pairs:
        live.append(arrival)
        while live[0] <= arrival - window_ms:
            live.popleft()
        while lows and lows[-1][1] >= grant:
            lows.pop()
        lows.append((arrival, grant))
        while highs and highs[-1][1] <= grant:
            highs.pop()
        highs.append((arrival, grant))
        for q in (lows, highs):
            while q[0][0] <= arrival - window_ms:
                q.popleft()
        if len(live) >= full:
            needs.append(highs[0][1] - lows[0][1] - window_ms)
    return needs


def busiest(pushes: list[Push], window_ms: float = 1000.0) -> int:
    """Most arrivals in any window (t - window, t], as the fake's SlidingWindow counts."""
    times = sorted(p.received_at_ms for p in pushes)
    live: deque[float] = deque()
    most = 0
    for t in times:
        live.append(t)
        while live[0] <= t - window_ms:
            live.popleft()
        most = max(most, len(live))
    return most
