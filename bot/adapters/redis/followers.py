"""Who follows the bot 1:1: the audience of an operator's broadcast.

Key (bot.adapters.redis.keys): `FOLLOWERS` = "bot:followers", a ZSET of user id → the time
it followed (ms). Owner: the web process — a follow event adds the user (NX: a repeated follow
keeps its first time), an unfollow (LINE sends it when the user blocks the bot too) removes
it. No TTL: it lives as long as the audience. Groups and rooms are not followers (LINE's
multicast takes user ids only). Memory: ~70 bytes a follower (3,000 ≈ 200 kB).
"""

from __future__ import annotations

import redis

from bot.adapters.redis import keys


class Followers:
    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    def add(self, user_id: str, at_ms: int) -> bool:
        """Record a follower; True if they were not one already."""
        return bool(self._redis.zadd(keys.FOLLOWERS, {user_id: at_ms}, nx=True))

    def remove(self, user_id: str) -> bool:
        return bool(self._redis.zrem(keys.FOLLOWERS, user_id))

    def count(self) -> int:
        return int(self._redis.zcard(keys.FOLLOWERS))

    def is_follower(self, user_id: str) -> bool:
        return self._redis.zscore(keys.FOLLOWERS, user_id) is not None
