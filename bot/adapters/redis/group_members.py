"""A group's (or room's) members as the web process keeps them: who spoke lately (the
audience of a reminder set for みんな) and who confirmed an occurrence (keys.SPEAKERS_FORMAT,
keys.CONFIRMED_FORMAT)."""

from __future__ import annotations

import redis

from bot.adapters.redis import keys


class GroupMembers:
    """bot.service.context.GroupMembers on Redis."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    def heard(self, chat_id: str, user_id: str, at_ms: int) -> None:
        """One message from `user_id`: one round trip, trimmed and expiring as it goes."""
        key = keys.speakers_key(chat_id)
        pipe = self._redis.pipeline(transaction=False)
        pipe.zadd(key, {user_id: at_ms})
        pipe.zremrangebyscore(key, "-inf", f"({at_ms - keys.SPEAKERS_TTL_MS}")
        pipe.zremrangebyrank(key, 0, -keys.SPEAKERS_MAX - 1)
        pipe.pexpire(key, keys.SPEAKERS_TTL_MS)
        pipe.execute()

    def confirm(self, chat_id: str, token: str, name: str) -> list[str]:
        """Add `name` to who confirmed this occurrence (once); all of them so far, in order."""
        key = keys.confirmed_key(chat_id, token)
        pipe = self._redis.pipeline(transaction=True)
        pipe.lrem(key, 0, name)
        pipe.rpush(key, name)
        pipe.expire(key, keys.ACTED_TTL_S)
        pipe.lrange(key, 0, -1)
        names = pipe.execute()[-1]
        return [n.decode() if isinstance(n, bytes) else str(n) for n in names]

    def forget_chat(self, chat_id: str) -> None:
        self._redis.delete(keys.speakers_key(chat_id))
