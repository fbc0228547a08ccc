"""This month's message quota and what the channel has spent of it, from LINE.

`GET /v2/bot/message/quota` → `{"type": "limited", "value": N}` or `{"type": "none"}`;
`GET /v2/bot/message/quota/consumption` → `{"totalUsage": N}` (pushes and multicasts, counted
once per recipient; replies never count). Through the SDK, each call bounded by `timeout`.
Never raises: an operator command shows "quota: unavailable" and goes on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from linebot.v3.messaging import ApiClient, Configuration, MessagingApi

from bot.domain.quota import Numbers

CONNECT_TIMEOUT_S = 3.0
READ_TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class Quota:
    limit: int | None  # None: no monthly limit (type "none") or unknown
    limited: bool
    used: int | None
    error: str | None = None  # why it could not be read

    @property
    def available(self) -> bool:
        return self.error is None

    @property
    def remaining(self) -> int | None:
        if not self.limited or self.limit is None or self.used is None:
            return None
        return max(0, self.limit - self.used)

    def to_dict(self) -> dict[str, object]:
        return {
            "available": self.available,
            "limited": self.limited,
            "limit": self.limit,
            "used": self.used,
            "remaining": self.remaining,
            "error": self.error,
        }


def fetch_quota(
    base_url: str,
    access_token: str,
    *,
    timeout: tuple[float, float] = (CONNECT_TIMEOUT_S, READ_TIMEOUT_S),
) -> Quota:
    config = Configuration(host=base_url.rstrip("/"), access_token=access_token)
    config.retries = 0  # bounded: an operator waits for this, a retry loop would not be
    try:
        with ApiClient(config) as client:
            api = MessagingApi(client)
            quota = api.get_message_quota(_request_timeout=timeout)
            used = api.get_message_quota_consumption(_request_timeout=timeout)
    except Exception as exc:  # ApiException, urllib3's timeouts and connection errors
        status = getattr(exc, "status", None)
        reason = f"HTTP {status}" if status else type(exc).__name__
        return Quota(None, False, None, error=reason)
    limited = str(getattr(quota.type, "value", quota.type)) == "limited"
    return Quota(quota.value if limited else None, limited, used.total_usage)


def numbers_fetcher(base_url: str, access_token: str) -> Callable[[], Awaitable[Numbers | None]]:
    """For the timer worker: LINE's numbers off the event loop (the SDK call blocks), or None
    when LINE did not answer."""

    async def fetch() -> Numbers | None:
        quota = await asyncio.to_thread(fetch_quota, base_url, access_token)
        if not quota.available or quota.used is None:
            return None
        return Numbers(quota.limit if quota.limited else None, quota.used)

    return fetch
