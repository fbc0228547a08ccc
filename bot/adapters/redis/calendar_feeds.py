"""Calendar feed tokens (keys.CAL_*) and the one-call read a feed request makes.

A token is stored only as its SHA-256, mapped to its chat; the chat's pointer to its current
digest lets asking again replace it and revoking (or forgetting the chat) delete it. Each of
the three operations is one Lua script, so a feed request is one Redis call (EVALSHA): the
token's chat, the renewal of both keys' TTL and the chat's whole hash, read atomically — a
feed can never show a chat's reminders after its token was replaced or revoked.
"""

from __future__ import annotations

import hashlib
from typing import cast

import redis

from bot.adapters.redis import keys
from bot.domain.calendar_feed import ChatSnapshot
from bot.domain.reminders import MalformedReminderError, Reminder

# KEYS: the chat's pointer, the new feed key. ARGV: chat id, new digest, ttl_s, feed prefix.
# Returns 1 if an older token was replaced.
ISSUE = """
local old = redis.call('GET', KEYS[1])
if old then redis.call('DEL', ARGV[4] .. old) end
redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[3])
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return old and 1 or 0
"""

# KEYS: the chat's pointer. ARGV: feed prefix. Returns 1 if there was a token.
REVOKE = """
local old = redis.call('GET', KEYS[1])
if not old then return 0 end
redis.call('DEL', ARGV[1] .. old, KEYS[1])
return 1
"""

# KEYS: the feed key. ARGV: chat hash prefix, pointer prefix, ttl_s.
# Returns false (no such token) or {chat id, HGETALL of the chat's hash}: three commands in
# one call, GETEX (the token's chat, renewing its TTL as it reads), EXPIRE (the chat's
# pointer, so the two keep the same life) and HGETALL. The chat's keys are built here from
# the value read (as the claim script does): they cannot be known before.
READ = """
local chat = redis.call('GETEX', KEYS[1], 'EX', ARGV[3])
if not chat then return false end
redis.call('EXPIRE', ARGV[2] .. chat, ARGV[3])
return {chat, redis.call('HGETALL', ARGV[1] .. chat)}
"""


def digest_of(token: str) -> str:
    """What is stored of a token: a random 256-bit token needs no salt or slow hash."""
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarFeeds:
    def __init__(self, client: redis.Redis, *, ttl_s: int = keys.CAL_FEED_TTL_S) -> None:
        self._ttl_s = ttl_s
        self._issue = client.register_script(ISSUE)
        self._revoke = client.register_script(REVOKE)
        self._read = client.register_script(READ)

    def issue(self, chat_id: str, token: str) -> bool:
        """Make `token` the chat's feed token; True if it replaced an older one."""
        digest = digest_of(token)
        replaced = self._issue(
            keys=[keys.cal_chat_key(chat_id), keys.cal_feed_key(digest)],
            args=[chat_id, digest, self._ttl_s, keys.cal_feed_key("")],
        )
        return bool(replaced)

    def revoke(self, chat_id: str) -> bool:
        """Delete the chat's feed token (also on unfollow / leave); True if it had one."""
        revoked = self._revoke(keys=[keys.cal_chat_key(chat_id)], args=[keys.cal_feed_key("")])
        return bool(revoked)

    def read(self, token: str) -> ChatSnapshot | None:
        """The chat a token opens and what it holds, in one call; None for an unknown token."""
        found = self._read(
            keys=[keys.cal_feed_key(digest_of(token))],
            args=[keys.chat_key(""), keys.cal_chat_key(""), self._ttl_s],
        )
        if not found:
            return None
        chat_raw, flat = cast(list[bytes | list[bytes]], found)
        assert isinstance(chat_raw, bytes)
        assert isinstance(flat, list)
        return snapshot(chat_raw.decode(), flat)


def snapshot(chat_id: str, flat: list[bytes]) -> ChatSnapshot:
    """Decode a chat's HGETALL (field, value, field, value, ...) as ReminderStore.pending
    does: settings by their exact field name, unreadable records skipped."""
    version = hashlib.sha256()
    timezone: str | None = None
    reminders = []
    pairs = sorted(zip(flat[::2], flat[1::2], strict=True))
    for field, value in pairs:
        version.update(len(field).to_bytes(4, "big") + field)
        version.update(len(value).to_bytes(4, "big") + value)
        name = field.decode()
        if name == keys.SETTING_TIMEZONE:
            timezone = value.decode()
        if name in keys.SETTING_FIELDS:
            continue
        try:
            reminders.append(Reminder.decode(chat_id, name, value))
        except MalformedReminderError:
            continue
    reminders.sort(key=lambda r: (r.occurrence_ms, r.id))
    return ChatSnapshot(chat_id, timezone, reminders, version.hexdigest())
