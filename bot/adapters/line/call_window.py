"""A sliding window for best-effort LINE calls: LINE's loading animation.

LINE allows 100 loading-animation calls a second per channel and answers the rest 429
(FACTS.md). A burst of heavy commands from many chats comes faster than that: bench/formation.py
drew 101 × 429 of 201 calls in a burst of 201 analyses, each a wasted round trip through the
web's reply sender and LINE. An animation refused now is useless later (the answer normally
arrives within a second), so a call past the window is skipped, not queued. Each web process
holds its share of the channel's rate (bot/bootstrap.py), with the grant-to-arrival margin the
push limiter also keeps (adapters/redis/rate_window.py).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

LOADING_RATE_PER_S = 100.0  # LINE's limit for POST /v2/bot/chat/loading/start, per channel
MARGIN_S = 0.1  # calls granted within a second may reach LINE up to this much further apart


class CallWindow:
    """At most `per_s` grants in any `1 + MARGIN_S` seconds; `take()` from any thread."""

    def __init__(self, per_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = max(1, math.floor(per_s))
        self._window_s = 1.0 + MARGIN_S
        self._clock = clock
        self._granted: deque[float] = deque()
        self._lock = threading.Lock()

    def take(self) -> bool:
        """A grant for one call now, or False (then skip the call)."""
        now = self._clock()
        with self._lock:
            while self._granted and self._granted[0] <= now - self._window_s:
                self._granted.popleft()
            if len(self._granted) >= self.limit:
                return False
            self._granted.append(now)
            return True
