"""Building Redis clients from a URL, TLS included (Heroku Key-Value Store is rediss://)."""

from __future__ import annotations

from typing import Any

import redis
import redis.asyncio as aioredis


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
