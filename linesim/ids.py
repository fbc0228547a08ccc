"""Identifiers shaped like LINE's, and the webhook signature."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import os
import re
import secrets
import time
import uuid

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

# LINE message ids are numeric strings of 18 or so digits; a counter keeps them unique and cheap.
_message_ids = itertools.count(600_000_000_000_000_000 + secrets.randbelow(10**15))


def sign(channel_secret: str, body: bytes) -> str:
    """X-Line-Signature: base64(HMAC-SHA256(channel secret, raw body))."""
    digest = hmac.new(channel_secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def ulid(now_ms: int | None = None) -> str:
    """A 26-character ULID: 48-bit millisecond time then 80 random bits, Crockford base32."""
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    value = (ms << 80) | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def reply_token() -> str:
    """32 lowercase hex characters, like LINE's reply tokens."""
    return uuid.uuid4().hex


def message_id() -> str:
    return str(next(_message_ids))


def quote_token() -> str:
    return secrets.token_urlsafe(48)


def request_id() -> str:
    return str(uuid.uuid4())


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def is_uuid(value: str) -> bool:
    """LINE wants the canonical hyphenated form, so braces or bare hex are refused."""
    return _UUID.fullmatch(value) is not None
