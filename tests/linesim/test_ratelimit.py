"""The simulator's sliding-window rate limit, in process with an injected clock."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from linesim.config import FaultConfig, SimConfig
from linesim.core import Simulator
from linesim.ratelimit import SlidingWindow


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _sim(clock: Clock, **limits: float | None) -> Simulator:
    return Simulator(SimConfig(clock=clock, faults=FaultConfig(rate_limits=dict(limits))))


def _accepted(sim: Simulator, endpoint: str, count: int) -> int:
    return sum(not sim.rate_limited(endpoint) for _ in range(count))


def test_a_burst_gets_exactly_the_limit_per_window() -> None:
    clock = Clock()
    sim = _sim(clock, push=2000.0)
    assert _accepted(sim, "push", 5000) == 2000
    clock.now += 0.999_999
    assert _accepted(sim, "push", 10) == 0
    clock.now += 0.000_001  # exactly 1 s after the burst: it has left the window, not the 10
    assert _accepted(sim, "push", 5000) == 2000 - 10


def test_refused_requests_count_too() -> None:
    """Hammering above the limit keeps the window full: stricter than counting accepted only."""
    clock = Clock()
    sim = _sim(clock, push=10.0)
    assert _accepted(sim, "push", 10) == 10
    clock.now += 0.5
    assert _accepted(sim, "push", 5) == 0
    clock.now += 0.5  # the first 10 left the window, the 5 refused at +0.5 s have not
    assert _accepted(sim, "push", 10) == 5


def test_exactly_the_rate_for_two_seconds_is_accepted() -> None:
    clock = Clock()
    sim = _sim(clock, push=2000.0)
    start = clock.now
    accepted = 0
    for i in range(4000):
        clock.now = start + i / 2000
        accepted += not sim.rate_limited("push")
    assert accepted == 4000
    assert _accepted(sim, "push", 1) == 0  # one more at the last instant is over the rate


def test_the_boundary_request_exactly_a_window_later_is_accepted() -> None:
    clock = Clock(0.1)
    sim = _sim(clock, push=1.0)
    assert _accepted(sim, "push", 1) == 1
    clock.now = 1.1
    assert _accepted(sim, "push", 1) == 1
    clock.now = 2.099_999
    assert _accepted(sim, "push", 1) == 0


def test_endpoints_are_limited_apart_and_null_disables() -> None:
    clock = Clock()
    sim = _sim(clock, push=3.0, reply=None, loading=1.0)
    assert _accepted(sim, "push", 5) == 3
    assert _accepted(sim, "loading", 5) == 1
    assert _accepted(sim, "reply", 5000) == 5000


def test_changing_the_limits_starts_fresh_windows() -> None:
    clock = Clock()
    sim = _sim(clock, push=3.0)
    assert _accepted(sim, "push", 5) == 3
    sim.set_faults(sim.faults.config.updated({"rate_limits": {"push": 4}}), reseed=False)
    assert _accepted(sim, "push", 5) == 4


def test_a_rate_below_one_a_second_spaces_single_requests() -> None:
    window = SlidingWindow(0.5)
    assert (window.limit, window.window_s) == (1, 2.0)
    assert [window.allow(t) for t in (0.0, 1.0, 3.0, 5.0)] == [True, False, True, True]


@settings(max_examples=200, deadline=None)
@given(
    rate=st.integers(1, 50),
    gaps_us=st.lists(st.integers(0, 200_000), min_size=1, max_size=400),
)
def test_no_sliding_second_accepts_more_than_the_rate(rate: int, gaps_us: list[int]) -> None:
    window = SlidingWindow(float(rate))
    now_us, accepted = 0, []
    for gap in gaps_us:
        now_us += gap
        if window.allow(now_us / 1_000_000):
            accepted.append(now_us)
    lo = 0
    for hi, at in enumerate(accepted):
        while accepted[lo] <= at - 1_000_000:
            lo += 1
        assert hi - lo + 1 <= rate
    assert window.counted(now_us / 1_000_000) <= len(gaps_us)
