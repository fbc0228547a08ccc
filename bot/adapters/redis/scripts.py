"""Lua scripts on the timer keys. Each runs atomically, so no two workers hold one timer."""

from __future__ import annotations

# Adds a member to a timer set; wakes the workers when it is the new earliest.
_ADD_AND_WAKE = """
local function add_and_wake(key, score, member, channel)
  local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  redis.call('ZADD', key, score, member)
  if first[2] == nil or score < tonumber(first[2]) then
    redis.call('PUBLISH', channel, tostring(score))
  end
end
"""

# KEYS: due, seen   ARGV: member, due_ms, seen_ttl_s, wake_channel
# Adds a timer once per webhook event.
ADD_TIMER = (
    _ADD_AND_WAKE
    + """
if KEYS[2] ~= '' and not redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[3]) then
  return 0
end
add_and_wake(KEYS[1], tonumber(ARGV[2]), ARGV[1], ARGV[4])
return 1
"""
)

# KEYS: due, leased, rate
# ARGV: now_ms, lease_ms, max_claims, tokens_per_ms, burst, rate_ttl_ms
# Takes back expired leases first, then due timers, no more than the shared rate bucket allows.
# Returns {claimed members..., next_due_ms, next_lease_ms, rate_wait_ms} (-1: nothing scheduled).
CLAIM = """
local now = tonumber(ARGV[1])
local lease_until = now + tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local per_ms = tonumber(ARGV[4])
local burst = tonumber(ARGV[5])
local state = redis.call('HMGET', KEYS[3], 'tokens', 'ts', 'paused_until')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now
local paused_until = tonumber(state[3]) or 0
if now > ts then
  tokens = math.min(burst, tokens + (now - ts) * per_ms)
  ts = now
end
local claimed = {}
local rate_wait = 0
if now < paused_until then
  rate_wait = paused_until - now
else
  local room = math.min(want, math.floor(tokens))
  if room > 0 then
    local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, room)
    for _, member in ipairs(expired) do
      redis.call('ZADD', KEYS[2], lease_until, member)
      claimed[#claimed + 1] = member
    end
    room = room - #expired
  end
  if room > 0 then
    local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, room)
    for _, member in ipairs(due) do
      redis.call('ZREM', KEYS[1], member)
      redis.call('ZADD', KEYS[2], lease_until, member)
      claimed[#claimed + 1] = member
    end
  end
  tokens = tokens - #claimed
  if tokens < 1 then
    -- Come back for a quarter of a burst, not for each single token: fewer, fuller claims.
    rate_wait = math.ceil((math.max(1, burst / 4) - tokens) / per_ms)
  end
end
redis.call('HSET', KEYS[3], 'tokens', tostring(tokens), 'ts', ts, 'paused_until', paused_until)
redis.call('PEXPIRE', KEYS[3], ARGV[6])
local next_due = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2] or -1
local next_lease = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')[2] or -1
claimed[#claimed + 1] = tostring(next_due)
claimed[#claimed + 1] = tostring(next_lease)
claimed[#claimed + 1] = tostring(rate_wait)
return claimed
"""

# KEYS: leased, due   ARGV: member, new_member, at_ms, wake_channel
# Hands a claimed timer back (retry later, or shutdown) if this worker still holds it.
REQUEUE = (
    _ADD_AND_WAKE
    + """
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then
  return 0
end
add_and_wake(KEYS[2], tonumber(ARGV[3]), ARGV[2], ARGV[4])
return 1
"""
)

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

# KEYS: rate   ARGV: until_ms, ttl_ms, now_ms
# Pauses every worker's pushes (LINE answered 429 with Retry-After).
PAUSE = """
local current = tonumber(redis.call('HGET', KEYS[1], 'paused_until')) or 0
local until_ms = tonumber(ARGV[1])
if until_ms > current then
  redis.call('HSET', KEYS[1], 'paused_until', until_ms)
end
redis.call('PEXPIRE', KEYS[1], math.floor(until_ms - tonumber(ARGV[3]) + tonumber(ARGV[2])))
return 1
"""
