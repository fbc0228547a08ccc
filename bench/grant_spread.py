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
passed (the time the limiter counted, on the real clock); `RecordingPusher` notes when the
worker handed each push to its HTTP pool; `measure` pairs those with the LINE fake's arrival
stamps, splitting d into the worker's part (grant → send: its event loop, a stalled process)
and the rest (send → arrival: sockets, the fake's own event loop, a stalled fake).
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from bench.claim_lag import ClaimLog
from bench.endpoints import Push
from bench.load import percentile
from bot.adapters.line.pushes import AsyncLinePusher
from bot.adapters.redis.delivery_store import Claim, ClaimedReminder, DeliveryStore
from bot.domain.push import Message, PushResult
from bot.domain.reminders import Kind, Reminder, split_member

nan = float("nan")


class RecordingStore(DeliveryStore):
    def __init__(self, *args: Any, clock_offset_ms: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._offset_ms = clock_offset_ms
        # (member, occurrence, real epoch ms of the grant): atomic values only, which the cyclic
        # GC stops tracking; kept Reminders made its full collections walk 30,000 more objects
        # mid-drain (30-50 ms pauses between a grant and its sends, once a second).
        self._granted: list[tuple[str, int, int]] = []
        self.claims = ClaimLog()

    async def claim(self, now_ms: int, max_claims: int) -> Claim:
        sent = time.time_ns() / 1e6
        claim = await super().claim(now_ms, max_claims)
        real = now_ms - self._offset_ms
        more = claim.next_due_ms is not None and claim.next_due_ms <= now_ms
        self.claims.note(real, sent, len(claim.entries), claim.rate_wait_ms, more)
        for entry in claim.entries:  # a list append each: nothing between grant and send
            if isinstance(entry, ClaimedReminder) and entry.reminder is not None:
                self._granted.append((entry.member, entry.reminder.occurrence_ms, real))
        return claim

    def granted_ms(self) -> dict[str, int]:
        """Retry key → real epoch ms of its grant; keyed after the run (a retry key is a uuid5,
        ~4 µs: 25 of them per claim sat between the grant and its sends)."""
        return {
            Reminder(*split_member(member), Kind.ONCE, occurrence).retry_key: at
            for member, occurrence, at in self._granted
        }


class RecordingPusher(AsyncLinePusher):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sent_ms: dict[str, float] = {}  # retry key → real epoch ms the push was started

    async def push(self, to: str, messages: list[Message], retry_key: str) -> PushResult:
        self.sent_ms[retry_key] = time.time_ns() / 1e6
        return await super().push(to, messages, retry_key)


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
    send_p999: float  # grant → send (the worker's part of d), ms
    send_max: float
    net_p999: float  # send → arrival (sockets and the fake), ms
    net_max: float

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
            f"{self.busiest_second:,} arrivals, slack {self.slack_ms:.1f}; of d, grant → send "
            f"p99.9 {self.send_p999:.1f} max {self.send_max:.1f}, send → arrival p99.9 "
            f"{self.net_p999:.1f} max {self.net_max:.1f}"
        )


def measure(
    granted_ms: dict[str, int], sent_ms: dict[str, float], pushes: list[Push], limit: int
) -> Spread:
    paired = [
        (p.received_at_ms, float(granted_ms[key]), sent_ms.get(key, nan))
        for p in pushes
        if (key := p.retry_key.lower()) in granted_ms
    ]
    delays = sorted(a - g for a, g, _ in paired)
    sends = sorted(x - g for _, g, x in paired if x == x)  # noqa: PLR0124 - NaN: not sent
    nets = sorted(a - x for a, _, x in paired if x == x)  # noqa: PLR0124
    arrivals = sorted(p.received_at_ms for p in pushes)
    return Spread(
        paired=len(delays),
        d_min=delays[0] if delays else nan,
        d_p50=percentile(delays, 50),
        d_p99=percentile(delays, 99),
        d_p999=percentile(delays, 99.9),
        d_max=delays[-1] if delays else nan,
        busiest_second=busiest(arrivals),
        slack_ms=slack(arrivals, limit),
        send_p999=percentile(sends, 99.9),
        send_max=sends[-1] if sends else nan,
        net_p999=percentile(nets, 99.9),
        net_max=nets[-1] if nets else nan,
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
