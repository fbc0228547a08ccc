"""In-memory state: delivered messages, request log, reply tokens, retry keys, rate limiters."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# LINE honours a redelivered event's reply token for at most 20 minutes after the first delivery.
REDELIVERY_TOKEN_CAP_S = 20 * 60.0


class RecordLog:
    """Append-only records numbered by a seq that survives resets, with long-poll waiters."""

    def __init__(self, max_records: int) -> None:
        self._records: list[dict[str, Any]] = []
        self._first_seq = 1
        self._next_seq = 1
        self._max = max_records
        self._waiters: list[asyncio.Future[None]] = []

    @property
    def last_seq(self) -> int:
        return self._next_seq - 1

    def append(self, record: dict[str, Any]) -> dict[str, Any]:
        record["seq"] = self._next_seq
        self._next_seq += 1
        self._records.append(record)
        if len(self._records) > 2 * self._max:
            # Trim in one slice so trimming stays amortised O(1) per append.
            drop = len(self._records) - self._max
            del self._records[:drop]
            self._first_seq += drop
        if self._waiters:
            for fut in self._waiters:
                if not fut.done():
                    fut.set_result(None)
            self._waiters.clear()
        return record

    def since(
        self, seq: int, match: Callable[[dict[str, Any]], bool] | None = None
    ) -> list[dict[str, Any]]:
        start = max(0, seq + 1 - self._first_seq)
        tail = self._records[start:]
        return tail if match is None else [r for r in tail if match(r)]

    async def wait(
        self, seq: int, count: int, timeout: float, match: Callable[[dict[str, Any]], bool] | None
    ) -> tuple[list[dict[str, Any]], bool]:
        """Wait until `count` records after `seq` match; returns them and whether it timed out."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = self.since(seq, match)
            remaining = deadline - loop.time()
            if len(found) >= count:
                return found, False
            if remaining <= 0:
                return found, True
            fut: asyncio.Future[None] = loop.create_future()
            self._waiters.append(fut)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(fut, remaining)

    def clear(self) -> None:
        self._records.clear()
        self._first_seq = self._next_seq


class TokenBucket:
    """Smooth rate limit: refills `rate` tokens a second, holds at most 0.1 s worth (the burst)."""

    __slots__ = ("burst", "rate", "stamp", "tokens")

    def __init__(self, rate: float, now: float) -> None:
        self.rate = rate
        self.burst = max(1.0, rate / 10)
        self.tokens = self.burst
        self.stamp = now

    def allow(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


@dataclass
class ReplyToken:
    chat_id: str
    issued_at: float
    valid_from: float
    used: bool = False


class ReplyTokens:
    """Reply tokens the simulator issued with its webhooks."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._tokens: dict[str, ReplyToken] = {}

    def issue(self, token: str, chat_id: str) -> None:
        now = self._clock()
        self._tokens[token] = ReplyToken(chat_id, now, now)

    def redelivered(self, token: str) -> None:
        """A redelivered event's token gets a fresh window unless used or past the 20-minute cap."""
        info = self._tokens.get(token)
        if info is not None and not info.used:
            info.valid_from = self._clock()

    def check(self, token: str, ttl_s: float) -> ReplyToken | None:
        """The token's record if it may be used now, else None."""
        info = self._tokens.get(token)
        if info is None or info.used:
            return None
        now = self._clock()
        if now - info.valid_from > ttl_s or now - info.issued_at > REDELIVERY_TOKEN_CAP_S:
            return None
        return info

    def prune(self, ttl_s: float) -> None:
        now = self._clock()
        keep_after = now - max(ttl_s, 0.0)
        self._tokens = {
            t: i
            for t, i in self._tokens.items()
            if not i.used
            and i.valid_from >= keep_after
            and now - i.issued_at <= REDELIVERY_TOKEN_CAP_S
        }

    def clear(self) -> None:
        self._tokens.clear()


class RetryKeys:
    """Accepted X-Line-Retry-Key values and the request id that was accepted with each."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._keys: dict[str, tuple[str, float]] = {}

    def accepted_request(self, key: str, ttl_s: float) -> str | None:
        entry = self._keys.get(key.lower())
        if entry is None or self._clock() - entry[1] > ttl_s:
            return None
        return entry[0]

    def remember(self, key: str, request_id: str) -> None:
        self._keys[key.lower()] = (request_id, self._clock())

    def prune(self, ttl_s: float) -> None:
        cutoff = self._clock() - ttl_s
        self._keys = {k: v for k, v in self._keys.items() if v[1] >= cutoff}

    def clear(self) -> None:
        self._keys.clear()


class Stats:
    """Counters for GET /_sim/stats."""

    def __init__(self) -> None:
        self.by_endpoint: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.accepted: Counter[str] = Counter()
        self.faults: Counter[str] = Counter()
        self.webhooks: Counter[str] = Counter()
        self.billable = 0

    def to_dict(self) -> dict[str, Any]:
        statuses: Counter[str] = Counter()
        for counts in self.by_endpoint.values():
            statuses.update(counts)
        return {
            "requests": sum(statuses.values()),
            "by_endpoint": {k: dict(v) for k, v in self.by_endpoint.items()},
            "by_status": dict(statuses),
            "accepted": dict(self.accepted),
            "accepted_pushes": self.accepted["push"] + self.accepted["multicast"],
            "billable_messages": self.billable,
            "status_409": statuses["409"],
            "status_429": statuses["429"],
            "faults_injected": dict(self.faults),
            "webhooks": dict(self.webhooks),
        }


@dataclass
class RichMenu:
    """A created rich menu: LINE's object plus its uploaded image, if any."""

    menu: dict[str, Any]
    image: bytes | None = None
    content_type: str = ""


class RichMenus:
    """The channel's rich menus and the default one shown to every user."""

    def __init__(self) -> None:
        self.menus: dict[str, RichMenu] = {}
        self.default_id: str | None = None

    def default(self) -> RichMenu | None:
        return self.menus.get(self.default_id) if self.default_id else None

    def delete(self, menu_id: str) -> bool:
        if self.menus.pop(menu_id, None) is None:
            return False
        if self.default_id == menu_id:
            self.default_id = None
        return True

    def clear(self) -> None:
        self.menus.clear()
        self.default_id = None
