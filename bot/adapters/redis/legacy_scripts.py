"""Lua scripts that settle the previous release's timers (members of `timers:leased` that are
whole records). This release never adds such timers; it drains them (see keys.py)."""

from __future__ import annotations

# KEYS: leased, due   ARGV: member, new_member, at_ms, wake_channel
# Hands a claimed timer back (retry later, or shutdown) if this worker still holds it.
REQUEUE = """
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then
  return 0
end
local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
local score = tonumber(ARGV[3])
redis.call('ZADD', KEYS[2], score, ARGV[2])
if first[2] == nil or score < tonumber(first[2]) then
  redis.call('PUBLISH', ARGV[4], tostring(score))
end
return 1
"""

# KEYS: leased, dead   ARGV: member, record, now_ms, ttl_ms
DEAD_LETTER = """
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then
  return 0
end
local now = tonumber(ARGV[3])
redis.call('ZADD', KEYS[2], now, ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[4]))
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 1
"""

# KEYS: dead, due   ARGV: stored letter, member, now_ms, wake_channel
# Sends one dead letter again, removing exactly the stored letter it came from.
REQUEUE_DEAD = """
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('ZADD', KEYS[2], tonumber(ARGV[3]), ARGV[2])
redis.call('PUBLISH', ARGV[4], ARGV[3])
return 1
"""
