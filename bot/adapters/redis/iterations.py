"""Redis state of resumable long jobs ("iterations") and of the broadcasts built on them.

- `iter:<id>`: HASH of kind, status, cursor (the next step), total (steps), done (items
  sent), args (JSON), runs, error, created/updated ms. Owner: the job running it — the cursor
  moves only by a compare-and-set after each step. Expires `ITERATION_TTL_S` (7 days) after
  its last change.
- `iter:index`: ZSET, iteration id → last update (ms). Same writers; members whose hash has
  expired are dropped when listed.
- `iter:progress:<id>`: pub/sub channel, JSON progress after every step (nothing stored).
- `iter:<id>:to`: ZSET, a broadcast's recipients, copied from `bot:followers` when it is
  described. Deleted when the broadcast is done, else the iteration's TTL.
- `bcast:draft:<code>`: the iteration id of a broadcast described from LINE, waiting for its
  go-ahead. Taken (GETDEL) on confirmation; `BROADCAST_DRAFT_TTL_S` (10 min).

Statuses: draft → queued → running ⇄ interrupted (handed back on shutdown, queued again) →
done | failed.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import redis

from bot.adapters.redis import keys
from bot.domain.iterations import Iteration

ACTIVE = ("queued", "running", "interrupted")

# KEYS[1] the hash, KEYS[2] the index; ARGV: expected cursor, items done in the step, now ms,
# TTL s, channel. Moves the cursor one step only if nobody else did (a second runner of the
# same iteration loses the race and re-reads), publishes the progress.
_ADVANCE = """
local cursor = tonumber(redis.call('HGET', KEYS[1], 'cursor') or '-1')
if cursor ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'cursor', cursor + 1, 'updated_ms', ARGV[3])
local done = redis.call('HINCRBY', KEYS[1], 'done', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], string.sub(KEYS[1], 6))
local total = redis.call('HGET', KEYS[1], 'total')
redis.call('PUBLISH', ARGV[5], cjson.encode({cursor = cursor + 1, total = tonumber(total),
  done = done}))
return 1
"""


def iteration_key(iteration_id: str) -> str:
    return keys.ITERATION_FORMAT.format(iteration_id=iteration_id)


def progress_channel(iteration_id: str) -> str:
    return keys.ITERATION_PROGRESS_FORMAT.format(iteration_id=iteration_id)


def recipients_key(iteration_id: str) -> str:
    return keys.BROADCAST_TO_FORMAT.format(iteration_id=iteration_id)


def _now_ms() -> int:
    return int(time.time() * 1000)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


__all__ = ["Iteration", "IterationStore"]


class IterationStore:
    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._advance = client.register_script(_ADVANCE)

    # -- one iteration --------------------------------------------------------------------

    def create(self, kind: str, total: int, args: dict[str, Any], *, status: str) -> str:
        iteration_id = uuid.uuid4().hex
        self.save_new(iteration_id, kind, total, args, status=status)
        return iteration_id

    def save_new(
        self, iteration_id: str, kind: str, total: int, args: dict[str, Any], *, status: str
    ) -> None:
        now = _now_ms()
        fields: dict[Any, Any] = {
            "kind": kind, "status": status, "cursor": 0, "total": total, "done": 0,
            "args": json.dumps(args, ensure_ascii=False), "runs": 0, "error": "",
            "created_ms": now, "updated_ms": now,
        }  # fmt: skip
        with self._redis.pipeline() as pipe:
            pipe.hset(iteration_key(iteration_id), mapping=fields)
            pipe.expire(iteration_key(iteration_id), keys.ITERATION_TTL_S)
            pipe.zadd(keys.ITERATIONS, {iteration_id: now})
            pipe.execute()

    def get(self, iteration_id: str) -> Iteration | None:
        raw = self._redis.hgetall(iteration_key(iteration_id))
        if not raw:
            return None
        data = {_text(k): _text(v) for k, v in raw.items()}
        return Iteration(
            id=iteration_id,
            kind=data.get("kind", ""),
            status=data.get("status", ""),
            cursor=int(data.get("cursor", 0)),
            total=int(data.get("total", 0)),
            done=int(data.get("done", 0)),
            args=json.loads(data.get("args") or "{}"),
            runs=int(data.get("runs", 0)),
            error=data.get("error", ""),
            created_ms=int(data.get("created_ms", 0)),
            updated_ms=int(data.get("updated_ms", 0)),
        )

    def set_status(
        self, iteration_id: str, status: str, *, error: str = "", run: bool = False
    ) -> None:
        key, now = iteration_key(iteration_id), _now_ms()
        with self._redis.pipeline() as pipe:
            pipe.hset(key, mapping={"status": status, "error": error, "updated_ms": now})
            if run:
                pipe.hincrby(key, "runs", 1)
            pipe.expire(key, keys.ITERATION_TTL_S)
            pipe.zadd(keys.ITERATIONS, {iteration_id: now})
            pipe.publish(progress_channel(iteration_id), json.dumps({"status": status}))
            pipe.execute()

    def advance(self, iteration_id: str, cursor: int, items: int) -> bool:
        """Move the cursor from `cursor` to the next step; False if it was not there."""
        args: list[str | int] = [
            cursor,
            items,
            _now_ms(),
            keys.ITERATION_TTL_S,
            progress_channel(iteration_id),
        ]
        return bool(self._advance(keys=[iteration_key(iteration_id), keys.ITERATIONS], args=args))

    # -- all of them ----------------------------------------------------------------------

    def recent(self, limit: int = 50) -> list[Iteration]:
        """The most recently updated iterations (the expired ones forgotten on the way)."""
        found = []
        for member in self._redis.zrevrange(keys.ITERATIONS, 0, limit - 1):
            iteration_id = _text(member)
            state = self.get(iteration_id)
            if state is None:
                self._redis.zrem(keys.ITERATIONS, iteration_id)
            else:
                found.append(state)
        return found

    # -- broadcasts -----------------------------------------------------------------------

    def freeze_followers(self, iteration_id: str) -> int:
        """Copy today's followers as this broadcast's recipients; how many."""
        to = recipients_key(iteration_id)
        with self._redis.pipeline() as pipe:
            pipe.copy(keys.FOLLOWERS, to, replace=True)
            pipe.expire(to, keys.ITERATION_TTL_S)
            pipe.zcard(to)
            count = pipe.execute()[-1]
        return int(count)

    def recipients(self, iteration_id: str, start: int, count: int) -> list[str]:
        members = self._redis.zrange(recipients_key(iteration_id), start, start + count - 1)
        return [_text(m) for m in members]

    def drop_recipients(self, iteration_id: str) -> None:
        self._redis.delete(recipients_key(iteration_id))

    def save_draft(self, code: str, iteration_id: str) -> None:
        draft = keys.BROADCAST_DRAFT_FORMAT.format(code=code)
        self._redis.set(draft, iteration_id, ex=keys.BROADCAST_DRAFT_TTL_S)

    def take_draft(self, code: str) -> str | None:
        value = self._redis.getdel(keys.BROADCAST_DRAFT_FORMAT.format(code=code))
        return _text(value) if value is not None else None
