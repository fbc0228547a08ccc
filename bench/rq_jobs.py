"""The job RQ's scheduler runs in the comparison bench: it notes when it started."""

from __future__ import annotations

import time

import redis


def record_start(redis_url: str, key: str, due_ms: int) -> None:
    """RPUSH "due_ms start_ms" (start read first, before any I/O)."""
    started_ms = time.time_ns() / 1e6
    client = redis.Redis.from_url(redis_url)
    try:
        client.rpush(key, f"{due_ms} {started_ms:.3f}")
    finally:
        client.close()
