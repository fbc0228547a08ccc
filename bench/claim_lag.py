"""How late the worker claims after the limiter said slots would be free: δ, per claim.

When a claim is cut short by the shared limiter it returns `rate_wait_ms`, the time until the
next useful batch of slots frees (rate_window.py). The worker sleeps that long and claims
again; any delay δ between the promised moment and the next claim's `now` (the grant time the
limiter counts) is lost for good: the freed slots are re-granted at g + span + δ instead of
g + span, and the window's ceiling drifts by δ every span. `ClaimLog` notes, per claim, the
worker's `now`, when the script was sent and answered (real epoch ms), what it granted and the
wait it returned; `summary` pairs each cut-short claim with the one after it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from itertools import pairwise
from typing import NamedTuple

from bench.load import percentile


class ClaimRecord(NamedTuple):  # a tuple of numbers, which the cyclic GC stops tracking
    now_ms: int  # the worker's `now` for this claim, on the real clock
    sent_ms: float  # the claim script sent (after the loop's other awaits)
    answered_ms: float
    granted: int
    rate_wait_ms: int  # 0 unless the limiter cut the claim short
    more_due: bool  # entries were due beyond what it granted


@dataclass
class ClaimLog:
    records: list[ClaimRecord] = field(default_factory=list)

    def note(self, now_ms: int, sent_ms: float, granted: int, wait_ms: int, more: bool) -> None:
        self.records.append(
            ClaimRecord(now_ms, sent_ms, time.time_ns() / 1e6, granted, wait_ms, more)
        )

    def summary(self, limit: int, span_ms: int) -> str:
        rs = self.records
        if len(rs) < 2:
            return "too few claims"
        # δ: the next claim's `now` after the moment the limiter promised slots.
        deltas = [
            b.now_ms - (a.now_ms + a.rate_wait_ms)
            for a, b in pairwise(rs)
            if a.more_due and a.rate_wait_ms > 0
        ]
        # Early (< 0): woken by a finished push while the worker was full, or by a timer that
        # fired a little early; the claim finds no room and says when again: a round trip, no
        # loss. Late (≥ 0) is the loss.
        late = [d for d in deltas if d >= 0]
        empty = sum(1 for r in rs if r.granted == 0 and r.more_due)
        to_script = [r.sent_ms - r.now_ms for r in rs]
        round_trip = [r.answered_ms - r.sent_ms for r in rs]
        granting = [r for r in rs if r.granted > 0]
        per_claim = sum(r.granted for r in granting) / max(1, len(granting))
        return (
            f"{len(rs):,} claims, {per_claim:.1f} granted per granting claim, {empty:,} granted "
            f"nothing while more was due; δ (next claim's now − promised, ms, {len(late):,} "
            f"claims after a wait, {len(deltas) - len(late):,} more came early): mean "
            f"{_mean(late):.2f}, p50 {percentile(late, 50):.0f}, p90 {percentile(late, 90):.0f}, "
            f"p99 {percentile(late, 99):.0f}, max {max(late, default=float('nan')):.0f}, "
            f"sum {sum(late) / 1000:.1f} s; {regrants(rs, limit, span_ms)}; now → script sent p50 "
            f"{percentile(to_script, 50):.1f} p99 {percentile(to_script, 99):.1f}; script round "
            f"trip p50 {percentile(round_trip, 50):.1f} p99 {percentile(round_trip, 99):.1f}"
        )


def regrants(records: list[ClaimRecord], limit: int, span_ms: int) -> str:
    """How long after a slot of the long window freed it was granted again: grant k takes the
    slot grant k - limit held, free from that grant + span. What the rate lost, whatever the
    cause (δ, or the windows making the claim wait): the mean over the span is the share."""
    grants = [r.now_ms for r in records for _ in range(r.granted)]
    late = [grants[k] - grants[k - limit] - span_ms for k in range(limit, len(grants))]
    if not late:
        return "no slot granted twice"
    return (
        f"slots granted again after they freed (ms): mean {_mean(late):.1f}, "
        f"p99 {percentile(late, 99):.0f}, max {max(late)}"
    )


def _mean(values: list[int]) -> float:
    return sum(values) / len(values) if values else float("nan")
