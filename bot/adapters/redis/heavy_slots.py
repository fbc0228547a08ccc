"""Redis state of heavy replies (analysis, reading, keywords), written by web and RQ worker.

- `jobs:inflight:<chat>`: ZSET, RQ job id → when its slot lapses (ms). The web process claims
  a slot (Lua, at most the chat's hard bound), the job frees it when done; a lost job's slot
  lapses by itself after `HEAVY_INFLIGHT_TTL_S` (5 min), and the key expires that long after
  the last claim.
- `jobs:reply-tried:<job id>`: "tried" once a job used its reply token, "sent" once LINE
  accepted it. Owner: the job;
  expires after `REPLY_ATTEMPT_TTL_S` (10 min, far past the token's minute).

Iterations (long jobs) keep theirs in iterations.py.
"""

from __future__ import annotations

import time

import redis

from bot.adapters.redis import keys

# KEYS[1] the chat's in-flight set; ARGV: now ms, lapse ms, hard limit, job id, key TTL s.
# Returns the job's place among the chat's jobs in flight (1 = alone), 0 past the limit.
_CLAIM = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local count = redis.call('ZCARD', KEYS[1])
if count >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return count + 1
"""


def inflight_key(chat_id: str) -> str:
    return keys.HEAVY_INFLIGHT_FORMAT.format(chat_id=chat_id)


class HeavySlots:
    """At most `limit` heavy jobs of one chat in flight; `claim` says where a new one stands."""

    def __init__(self, client: redis.Redis, *, limit: int) -> None:
        self._redis = client
        self._limit = limit
        self._claim = client.register_script(_CLAIM)

    @property
    def limit(self) -> int:
        return self._limit

    def claim(self, chat_id: str, job_id: str) -> int:
        """The job's place among its chat's jobs in flight (1 = the only one); 0 if the chat
        already has `limit` in flight (nothing claimed)."""
        now = int(time.time() * 1000)
        lapse = now + keys.HEAVY_INFLIGHT_TTL_S * 1000
        args: list[str | int] = [now, lapse, self._limit, job_id, keys.HEAVY_INFLIGHT_TTL_S]
        return int(self._claim(keys=[inflight_key(chat_id)], args=args))

    def release(self, chat_id: str, job_id: str) -> None:
        self._redis.zrem(inflight_key(chat_id), job_id)


class ReplyAttempts:
    """Whether a job has already tried its reply token: then a refusal (400) is its own
    earlier reply (tokens are single use), and pushing would send the answer twice."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    def begin(self, job_id: str) -> str | None:
        """Record an attempt; what an earlier run recorded ("tried", "sent") or None."""
        key = keys.REPLY_ATTEMPT_FORMAT.format(job_id=job_id)
        before = self._redis.set(key, "tried", nx=True, get=True, ex=keys.REPLY_ATTEMPT_TTL_S)
        if isinstance(before, bytes):
            return before.decode()
        return str(before) if before is not None else None

    def previous(self, job_id: str) -> str | None:
        value = self._redis.get(keys.REPLY_ATTEMPT_FORMAT.format(job_id=job_id))
        return value.decode() if isinstance(value, bytes) else value

    def mark_sent(self, job_id: str) -> None:
        key = keys.REPLY_ATTEMPT_FORMAT.format(job_id=job_id)
        self._redis.set(key, "sent", ex=keys.REPLY_ATTEMPT_TTL_S)
