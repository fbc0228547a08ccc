"""Building Redis clients from a URL, TLS included (Heroku Key-Value Store is rediss://)."""

from __future__ import annotations

from typing import Any

import redis
import redis.asyncio as aioredis

# Every process's share of Redis connections, in one place: the smallest plan allows 20. With
# the defaults (2 web processes, RQ_WORKERS 2) the standard formation holds at most
# 4 + (2 × 4 + 1) + 5 = 18, leaving room for an operator's command.
# The web processes together hold WEB_TOTAL: gunicorn.conf.py divides it among its workers
# (WEB_REDIS_CONNECTIONS; a request makes one or two ~0.2 ms round trips, so 2 a process serve
# thousands of requests a second); WEB_PER_PROCESS when that is not set.
WEB_TOTAL = 4  # shared by all gunicorn processes of a web dyno (gunicorn.conf.py divides it)
WEB_PER_PROCESS = WEB_TOTAL // 2
TIMER_WORKER = 5  # one of them the wake-up subscription
RQ_JOB_THREADS = 3  # per rq_worker process, shared by its job threads (+1 for its dequeue)
RQ_PARENT = 1
OPERATOR = 2  # python -m bot status, export, broadcast, …


def _options(url: str) -> dict[str, Any]:
    # Heroku's Key-Value Store presents a self-signed certificate.
    options: dict[str, Any] = {"health_check_interval": 30, "socket_connect_timeout": 5}
    if url.startswith("rediss://"):
        options["ssl_cert_reqs"] = None
    return options


def sync_client(url: str, *, max_connections: int = 4) -> redis.Redis:
    """A bounded pool (plans cap connections: 20 on the smallest); callers wait for a slot."""
    pool = redis.BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=10, **_options(url)
    )
    return redis.Redis(connection_pool=pool)


def async_client(url: str, *, max_connections: int = 5) -> aioredis.Redis:
    """A client whose pool makes callers wait for a free connection instead of failing."""
    pool = aioredis.BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=10, **_options(url)
    )
    return aioredis.Redis(connection_pool=pool)


# What the service layer treats as "the store is unreachable for a moment" (given to it by the
# composition root: it imports no redis).
STORE_ERRORS: tuple[type[BaseException], ...] = (redis.exceptions.RedisError, OSError)
