"""The LINE Notify-style API: its tokens, its limits, its answers and what the chat is told.
Pure: no I/O (the token's randomness comes from `secrets`, like a uuid4).

LINE Notify (shut down 2025-03-31) gave each user a personal token for
`POST /api/notify` (`Authorization: Bearer <token>`, form field `message`, ≤ 1,000
characters). Scripts written for it keep working against this bot after changing the host:
same header, same field, same JSON answers and rate-limit headers.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.domain.texts import Reply

MAX_MESSAGE_CHARS = 1000  # as LINE Notify had
TOKENS_PER_CHAT = 10
# A token is shown once and stored only as its SHA-256: 32 random bytes (256 bits, the same
# length as LINE Notify's tokens) need no slow hash, nobody can guess or brute-force them.
TOKEN_BYTES = 32
# The client address's failed tokens (missing, unknown or revoked) allowed in one minute.
FAILED_TOKENS_PER_MINUTE = 10
# Messages of one chat waiting to be pushed at once: the hourly limit bounds a token, this
# bounds a chat with many tokens while LINE or the workers are down.
MAX_WAITING_PER_CHAT = 1000


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def digest(token: str) -> str:
    """What is stored instead of the token (hex SHA-256)."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def bearer_token(authorization: str) -> str:
    """The token of an `Authorization: Bearer <token>` header, "" when there is none."""
    scheme, _, token = authorization.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def request_key(token_digest: str, request_id: str) -> str:
    """The identity of one API request of one token (a client's retry names the same one);
    hashed, so a long or odd id makes a short key."""
    return hashlib.sha256(f"{token_digest}\n{request_id}".encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP answer, in LINE Notify's shape: `{"status": N, "message": "..."}`."""

    status: int
    body: dict[str, object]
    headers: dict[str, str] = field(default_factory=dict)


def answer(status: int, message: str, headers: dict[str, str] | None = None) -> Answer:
    return Answer(status, {"status": status, "message": message}, dict(headers or {}))


def rate_headers(limit: int, used: int, reset_epoch_s: int) -> dict[str, str]:
    """LINE Notify's headers: the limit, what is left of it and when it resets (epoch s)."""
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(max(0, limit - used)),
        "X-RateLimit-Reset": str(reset_epoch_s),
    }


OK = "ok"
INVALID_TOKEN = "Invalid access token"
MISSING_MESSAGE = "message: must not be empty"
TOO_LONG = f"message: at most {MAX_MESSAGE_CHARS} characters"
MISSING_TEXT = "text: must not be empty"
RATE_LIMITED = "Rate limit exceeded"
TOO_MANY_FAILURES = "Too many invalid access tokens from this address; try again later"
QUOTA_HELD = "This month's message quota is spent; sending resumes next month"
QUEUE_FULL = "Too many messages waiting for this chat; try again later"
CHAT_FULL = "This chat holds the maximum of pending reminders"


# --- what the chat is told (通知トークン, 通知トークン 削除, 通知トークン 一覧) ---


def issued(token: str, held: int) -> Reply:
    return Reply(
        "通知トークンを発行しました。この一度しか表示しません。\n"
        f"{token}\n\n"
        "このトークンで、スクリプトからこのトークへ送れます（LINE Notify と同じ使い方）:\n"
        "POST /api/notify\n"
        "Authorization: Bearer <トークン>\n"
        "message=本文（1,000文字まで）\n\n"
        f"このトークの通知トークンは {held} 個です。"
        "「通知トークン 削除」ですべて無効にできます。"
    )


def too_many(cap: int) -> Reply:
    return Reply(
        f"通知トークンはひとつのトークに {cap} 個までです。"
        "「通知トークン 削除」で無効にしてから発行してください。"
    )


def revoked(count: int) -> Reply:
    if count == 0:
        return Reply("このトークに通知トークンはありません。")
    return Reply(f"通知トークンを {count} 個、無効にしました。もう使えません。")


def listing(used_ms: list[int], zone: ZoneInfo) -> Reply:
    """How many tokens the chat holds and when each was last used (never the tokens)."""
    if not used_ms:
        return Reply("このトークに通知トークンはありません。「通知トークン」で発行できます。")
    lines = [f"通知トークン: {len(used_ms)} 個"]
    for n, at in enumerate(sorted(used_ms, reverse=True), start=1):
        when = _local(at, zone) if at else "未使用"
        lines.append(f"{n}. 最後に使われた日時: {when}")
    return Reply("\n".join(lines))


def _local(at_ms: int, zone: ZoneInfo) -> str:
    moment = datetime.fromtimestamp(at_ms / 1000, UTC).astimezone(zone)
    return moment.strftime("%Y年%m月%d日 %H:%M")


@dataclass(frozen=True, slots=True)
class TokenUse:
    chat_id: str
    calls: int  # this window's calls, this one included
    resets_in_ms: int
