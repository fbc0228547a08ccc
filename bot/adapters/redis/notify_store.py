"""The Notify-style API's state in Redis (synchronous redis-py, for the web process).

Tokens are stored only as their SHA-256 (keys.NOTIFY_TOKEN_FORMAT), each listed in its
chat's set, so revoking and forgetting a chat cost what the chat holds. Messages wait on the
notify:* delivery keys (keys.NOTIFY_QUEUE) in the reminder record format, written by the
same ADD script as reminders and claimed by the timer worker's notify loop. Every key's TTL
or owner is documented in keys.py.
"""

from __future__ import annotations

from typing import Any, cast

import redis

from bot.adapters.redis import keys, reminder_scripts
from bot.domain.notify import TokenUse
from bot.domain.ports import Added
from bot.domain.reminders import Reminder

# KEYS: token, tokens_of   ARGV: chat, now_ms, cap, token digest
# Returns the chat's token count after adding this one, or -1 when it holds `cap` already.
_ISSUE = """
if redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[3]) then
  return -1
end
redis.call('HSET', KEYS[1], 'chat', ARGV[1], 'created_ms', ARGV[2], 'last_used_ms', 0)
redis.call('SADD', KEYS[2], ARGV[4])
return redis.call('SCARD', KEYS[2])
"""

# KEYS: tokens_of   ARGV: token key prefix
# Deletes every token of a chat; returns how many there were.
_REVOKE_ALL = """
local digests = redis.call('SMEMBERS', KEYS[1])
for _, d in ipairs(digests) do
  redis.call('DEL', ARGV[1] .. d)
end
redis.call('DEL', KEYS[1])
return #digests
"""

# KEYS: token, rate   ARGV: now_ms, window_s, limit
# One authenticated call: {chat, calls this window, ms until the window resets}, or {} for an
# unknown token. A call within the limit is the token's last use.
_USE = """
local chat = redis.call('HGET', KEYS[1], 'chat')
if not chat then
  return {}
end
local calls = redis.call('INCR', KEYS[2])
if calls == 1 then
  redis.call('EXPIRE', KEYS[2], ARGV[2])
end
local left = redis.call('PTTL', KEYS[2])
if left < 0 then  -- a key left without its expiry can never lock a token out for good
  redis.call('EXPIRE', KEYS[2], ARGV[2])
  left = tonumber(ARGV[2]) * 1000
end
if calls <= tonumber(ARGV[3]) then
  redis.call('HSET', KEYS[1], 'last_used_ms', ARGV[1])
end
return {chat, calls, left}
"""

# KEYS: failed   ARGV: window_s, add (0: only read)
# {failures this window, ms until it resets}.
_FAILED = """
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if ARGV[2] == '1' then
  n = redis.call('INCR', KEYS[1])
  if n == 1 then
    redis.call('EXPIRE', KEYS[1], ARGV[1])
  end
end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  left = tonumber(ARGV[1]) * 1000
end
return {n, left}
"""


class NotifyStore:
    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._issue = client.register_script(_ISSUE)
        self._revoke_all = client.register_script(_REVOKE_ALL)
        self._use = client.register_script(_USE)
        self._failed = client.register_script(_FAILED)
        self._add = client.register_script(reminder_scripts.ADD)
        self._delete_chat = client.register_script(reminder_scripts.DELETE_CHAT)

    # --- tokens (the chat commands) ---

    def issue(self, chat_id: str, token_digest: str, now_ms: int, *, cap: int) -> int | None:
        """Store a new token of the chat; its token count, or None at `cap`."""
        held = int(
            cast(
                int,
                self._issue(
                    keys=[_token_key(token_digest), _tokens_of(chat_id)],
                    args=[chat_id, now_ms, cap, token_digest],
                ),
            )
        )
        return None if held < 0 else held

    def revoke_all(self, chat_id: str) -> int:
        prefix = keys.NOTIFY_TOKEN_FORMAT.format(digest="")
        return int(cast(int, self._revoke_all(keys=[_tokens_of(chat_id)], args=[prefix])))

    def last_uses(self, chat_id: str) -> list[int]:
        """When each of the chat's tokens was last used (0: never), in no particular order."""
        digests = [d.decode() for d in cast(set[bytes], self._redis.smembers(_tokens_of(chat_id)))]
        pipe = self._redis.pipeline(transaction=False)
        for d in digests:
            pipe.hget(_token_key(d), "last_used_ms")
        return [int(raw) for raw in pipe.execute() if raw is not None]

    def forget_chat(self, chat_id: str) -> int:
        """Unfollow / leave: the chat's tokens and its messages still waiting go. Returns how
        many tokens went."""
        revoked = self.revoke_all(chat_id)
        q = keys.NOTIFY_QUEUE
        chat_key = q.chat_key(chat_id)
        self._delete_chat(keys=[q.due, q.leased, chat_key, chat_key, chat_key], args=[chat_id, ""])
        return revoked

    # --- the API ---

    def use(self, token_digest: str, now_ms: int, *, limit: int) -> TokenUse | None:
        """Count one call of a token in its hour; None for a token that is not (or no longer)
        valid."""
        raw = cast(
            list[Any],
            self._use(
                keys=[
                    _token_key(token_digest),
                    keys.NOTIFY_RATE_FORMAT.format(digest=token_digest),
                ],
                args=[now_ms, keys.NOTIFY_RATE_WINDOW_S, limit],
            ),
        )
        if not raw:
            return None
        chat, calls, left = raw
        return TokenUse(
            chat.decode() if isinstance(chat, bytes) else str(chat), int(calls), int(left)
        )

    def failures(self, address: str, *, add: bool) -> tuple[int, int]:
        """The address's failed tokens this minute (after adding one when `add`), and the ms
        until that minute's count resets."""
        n, left = cast(
            list[int],
            self._failed(
                keys=[keys.NOTIFY_FAILED_FORMAT.format(address=address)],
                args=[keys.NOTIFY_FAILED_WINDOW_S, "1" if add else "0"],
            ),
        )
        return int(n), int(left)

    def enqueue(self, message: Reminder, *, request: str, max_waiting: int) -> Added:
        """Queue a message for the notify loop, once per request (`request`: "" = no id)."""
        q = keys.NOTIFY_QUEUE
        seen = keys.NOTIFY_SEEN_FORMAT.format(request=request) if request else ""
        result = int(
            cast(
                int,
                self._add(
                    keys=[q.due, q.chat_key(message.chat_id), seen],
                    args=[
                        message.member,
                        message.id,
                        message.encode(),
                        message.occurrence_ms,
                        keys.NOTIFY_SEEN_TTL_S,
                        q.wake_channel,
                        max_waiting,
                        keys.SETTING_TIMEZONE,
                    ],
                ),
            )
        )
        return {1: Added.ADDED, 0: Added.DUPLICATE}.get(result, Added.FULL)


def _token_key(token_digest: str) -> str:
    return keys.NOTIFY_TOKEN_FORMAT.format(digest=token_digest)


def _tokens_of(chat_id: str) -> str:
    return keys.NOTIFY_TOKENS_OF_FORMAT.format(chat_id=chat_id)
