"""The month's quota as the timer workers last read it, and the hold (keys.QUOTA_STATE).

Shared by every timer worker (one holds, all hold) and read by `python -m bot status`,
/admin and /metrics. One HASH:
    limit ('none': no monthly limit), used, checked_ms, error   what LINE said, and when
    hold_month, hold_since_ms, hold_reason, hold_limit          present while pushes are held
    warned_<percent>                                            the month that warning was given
"""

from __future__ import annotations

from typing import Any, cast

import redis
import redis.asyncio as aioredis

from bot.adapters.redis import keys
from bot.domain.quota import Hold, Numbers, QuotaSnapshot

_HOLD_FIELDS = ("hold_month", "hold_since_ms", "hold_reason", "hold_limit")

# KEYS: state  ARGV: ttl_ms, month, since_ms, reason, limit ('' unknown)
# Begins a hold unless one is on for this month already; 1 when this call began it.
_BEGIN_HOLD = """
if redis.call('HGET', KEYS[1], 'hold_month') == ARGV[2] then
  return 0
end
redis.call('HSET', KEYS[1], 'hold_month', ARGV[2], 'hold_since_ms', ARGV[3],
  'hold_reason', ARGV[4], 'hold_limit', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
"""

# KEYS: state  ARGV: ttl_ms, field, month — 1 when this call is the first for the month.
_ONCE = """
if redis.call('HGET', KEYS[1], ARGV[2]) == ARGV[3] then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
"""


def _int(value: str | None) -> int | None:
    try:
        return None if value in (None, "") else int(str(value))
    except ValueError:
        return None


def parse(raw: dict[Any, Any]) -> QuotaSnapshot:
    fields = {
        (k.decode() if isinstance(k, bytes) else str(k)): (
            v.decode() if isinstance(v, bytes) else str(v)
        )
        for k, v in raw.items()
    }
    used = _int(fields.get("used"))
    limit_raw = fields.get("limit")
    numbers = None
    if used is not None and limit_raw is not None:
        numbers = Numbers(None if limit_raw == "none" else _int(limit_raw), used)
    hold = None
    if fields.get("hold_month"):
        hold = Hold(
            fields["hold_month"],
            _int(fields.get("hold_since_ms")) or 0,
            fields.get("hold_reason", ""),
            _int(fields.get("hold_limit")),
        )
    return QuotaSnapshot(numbers, _int(fields.get("checked_ms")), fields.get("error") or None, hold)


class QuotaState:
    """The timer worker's side (redis.asyncio)."""

    def __init__(self, client: aioredis.Redis) -> None:
        self._redis = client
        self._begin = client.register_script(_BEGIN_HOLD)
        self._once = client.register_script(_ONCE)

    async def read(self) -> QuotaSnapshot:
        return parse(await self._redis.hgetall(keys.QUOTA_STATE))

    async def write_numbers(self, numbers: Numbers | None, error: str | None, now_ms: int) -> None:
        mapping: dict[str, str | int] = {"checked_ms": now_ms, "error": error or ""}
        if numbers is not None:
            mapping["limit"] = "none" if numbers.limit is None else numbers.limit
            mapping["used"] = numbers.used
        pipe = self._redis.pipeline(transaction=True)
        pipe.hset(keys.QUOTA_STATE, mapping=mapping)  # type: ignore[arg-type]
        pipe.pexpire(keys.QUOTA_STATE, keys.QUOTA_STATE_TTL_MS)
        await pipe.execute()

    async def begin_hold(self, hold: Hold) -> bool:
        limit = "" if hold.limit is None else str(hold.limit)
        args: list[str | int] = [
            keys.QUOTA_STATE_TTL_MS,
            hold.month,
            hold.since_ms,
            hold.reason,
            limit,
        ]
        return bool(await self._begin(keys=[keys.QUOTA_STATE], args=args))

    async def end_hold(self) -> bool:
        return bool(await self._redis.hdel(keys.QUOTA_STATE, *_HOLD_FIELDS))

    async def first_warning(self, percent: int, month: str) -> bool:
        """True once per threshold and month, whichever worker asks first."""
        args: list[str | int] = [keys.QUOTA_STATE_TTL_MS, f"warned_{percent}", month]
        return bool(await self._once(keys=[keys.QUOTA_STATE], args=args))


def read_snapshot(client: redis.Redis) -> QuotaSnapshot:
    return parse(cast(dict[Any, Any], client.hgetall(keys.QUOTA_STATE)))


def request_recheck(client: redis.Redis) -> int:
    """`quota --resume`: every timer worker reads the quota again now; returns how many heard."""
    return int(client.publish(keys.QUOTA_RECHECK_CHANNEL, "resume"))
