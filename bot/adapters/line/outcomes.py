"""What an answer from LINE means for the caller: one classification for every client here.

A reply token is single use, so another try of a reply is always safe (LINE refuses, 400, the
repeat of a reply it did deliver instead of showing it twice); a push carries its retry key, so
a repeat of a delivered push is a 409 that counts as delivered.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from bot.domain.delivery import PushOutcome
from bot.domain.push import PushResult

MONTHLY_LIMIT_MESSAGE = "monthly limit"


class ReplyOutcome(StrEnum):
    SENT = "sent"
    REFUSED = "refused"  # a 4xx: expired, used or dummy token, bad request; trying again won't do
    RETRY = "retry"  # 5xx, 408, 429, timeout, connection error: another try is safe


def reply_outcome(status: int) -> ReplyOutcome:
    if 200 <= status < 300:
        return ReplyOutcome.SENT
    return ReplyOutcome.RETRY if status >= 500 or status in (408, 429) else ReplyOutcome.REFUSED


def push_error(status: int, headers: Any, body: Any) -> PushResult:
    """Map a LINE error answer to a push to what the caller should do about it."""
    request_id = header_value(headers, "x-line-request-id")
    if status == 409:
        accepted = header_value(headers, "x-line-accepted-request-id") or request_id
        return PushResult(PushOutcome.ALREADY_DELIVERED, status, accepted)
    if status == 429:
        text = body.decode(errors="replace") if isinstance(body, bytes) else str(body or "")
        if MONTHLY_LIMIT_MESSAGE in text.lower():
            return PushResult(PushOutcome.MONTHLY_LIMIT, status, request_id)
        return PushResult(PushOutcome.RATE_LIMITED, status, request_id, _retry_after(headers))
    if status >= 500 or status in (0, 408):
        return PushResult(PushOutcome.RETRY, status, request_id)
    return PushResult(PushOutcome.REJECTED, status, request_id)


def header_value(headers: Any, name: str) -> str | None:
    if not headers:
        return None
    for key, value in dict(headers).items():
        if str(key).lower() == name:
            return str(value)
    return None


def _retry_after(headers: Any) -> float | None:
    raw = header_value(headers, "retry-after")
    try:
        return max(0.0, float(raw)) if raw is not None else None
    except ValueError:
        return None
