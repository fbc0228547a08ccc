"""`once`: build something on first use, once per process (after gunicorn or RQ has forked).

A leaf: it imports nothing of the bot, so the entrypoints, the adapters and the composition
root (bot/bootstrap.py) can all use it without importing each other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def once(factory: Callable[[], T]) -> Callable[[], T]:
    """Build lazily, once per process (after gunicorn or RQ has forked)."""
    made: list[T] = []
    lock = threading.Lock()  # gunicorn's gthread workers serve requests on several threads

    def get() -> T:
        if not made:
            with lock:
                if not made:
                    made.append(factory())
        return made[0]

    return get
