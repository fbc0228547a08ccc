"""The loading animation's window: LINE's 100 a second per channel, never more in 1.1 s."""

from __future__ import annotations

from bot.adapters.line.call_window import CallWindow


def test_grants_up_to_the_limit_then_skips_until_the_window_slides() -> None:
    now = [0.0]
    window = CallWindow(50, clock=lambda: now[0])
    assert sum(window.take() for _ in range(80)) == 50
    now[0] = 1.09  # still inside the 1.1 s window of the first grants
    assert not window.take()
    now[0] = 1.11
    assert sum(window.take() for _ in range(80)) == 50


def test_a_rate_below_one_still_grants_one() -> None:
    window = CallWindow(0.5, clock=lambda: 0.0)
    assert window.take()
    assert not window.take()
