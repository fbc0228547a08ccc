"""The retry policy after a Redis error (bot.adapters.redis.recovery.Backoff), on a fake clock."""

from __future__ import annotations

import itertools

from bot.adapters.redis.recovery import CAP_S, FIRST_S, Backoff


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def failing(backoff: Backoff, clock: FakeClock, times: int) -> list[float]:
    """Fail `times` times, waiting out each delay on the clock; the delays chosen."""
    delays = []
    for _ in range(times):
        retry = backoff.failed()
        delays.append(retry.delay_s)
        clock.now += retry.delay_s
    return delays


def test_delays_double_from_50_ms_to_the_cap_and_stay_there() -> None:
    clock = FakeClock()
    delays = failing(Backoff(clock=clock), clock, 8)
    assert FIRST_S == 0.05
    assert delays == [0.05, 0.1, 0.2, 0.4, CAP_S, CAP_S, CAP_S, CAP_S]


def test_the_cap_bounds_how_long_after_redis_returns_the_next_attempt_comes() -> None:
    # Whenever Redis comes back, the attempt after it is at most one cap away: the resume goal
    # (1 s) holds whatever the outage's length.
    clock = FakeClock()
    backoff = Backoff(clock=clock)
    attempts = [clock.now]
    for _ in range(100):
        clock.now += backoff.failed().delay_s
        attempts.append(clock.now)
    gaps = [b - a for a, b in itertools.pairwise(attempts)]
    assert max(gaps) == CAP_S <= 0.5


def test_a_success_resets_the_delay_and_says_how_long_it_was_down() -> None:
    clock = FakeClock()
    backoff = Backoff(clock=clock)
    assert backoff.succeeded() is None  # nothing had failed
    failing(backoff, clock, 6)
    clock.now += 0.01
    down = backoff.succeeded()
    assert down is not None
    assert abs(down - (0.05 + 0.1 + 0.2 + 0.4 + 0.5 + 0.5 + 0.01)) < 1e-9
    assert backoff.succeeded() is None
    assert backoff.failed().delay_s == FIRST_S


def test_an_outage_is_reported_once_then_every_ten_seconds_not_on_every_try() -> None:
    clock = FakeClock()
    backoff = Backoff(clock=clock, report_every_s=10.0)
    reported_at = []
    for _ in range(50):  # ~24 s of failures at the cap
        retry = backoff.failed()
        if retry.report:
            reported_at.append(round(retry.down_s, 2))
        clock.now += retry.delay_s
    assert reported_at == [0.0, 10.25, 20.25]
    backoff.succeeded()
    assert backoff.failed().report  # a new outage is reported at once


def test_a_custom_cap() -> None:
    clock = FakeClock()
    assert failing(Backoff(first_s=0.5, cap_s=2.0, clock=clock), clock, 4) == [0.5, 1.0, 2.0, 2.0]
