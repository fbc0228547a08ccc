"""Lua scripts on the held notifications (keys.HELD, keys.HELD_CHAT_FORMAT). Atomic, so a held
notification is carried by one reply or one push, never both.

A held member is "<chat>:<reminder id>:<occurrence ms>" (LINE ids hold no ':'); its field in the
chat's hash is "<reminder id>:<occurrence ms>". Its score in HELD is when it may next be taken:
taking it (for a reply or a push) moves the score to the end of that lease, so nobody else
takes it meanwhile, and a carrier that died lets it come back by itself.
"""

from __future__ import annotations

from bot.adapters.redis import rate_window
from bot.adapters.redis.reminder_scripts import _COMMON

_SPLIT_HELD = """
local function split_held(member)
  return string.match(member, '^([^:]*):(.*)$')
end
"""

# KEYS: leased, chat, due, held, held_chat
# ARGV: member, id, claimed occurrence ms, held field, held member, held record, held score,
#       next due ('' = none), next record, wake
# A claimed occurrence met the monthly limit: keep it for its chat and, like an ack, forget it
# (one-shot) or re-arm the next occurrence at once (recurring: the re-arm never waits).
HOLD = (
    _COMMON
    + """
local record = redis.call('HGET', KEYS[2], ARGV[2])
if not record or occurrence_of(record) ~= ARGV[3] then
  return 0
end
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[5], ARGV[4], ARGV[6])
redis.call('ZADD', KEYS[4], 'NX', tonumber(ARGV[7]), ARGV[5])
forget_or_rearm(KEYS[2], ARGV[2], ARGV[8], ARGV[9], KEYS[3], ARGV[1], ARGV[10])
return 1
"""
)

# KEYS: held, held_chat   ARGV: chat id, now ms, lease until ms, at most
# Takes a chat's held notifications for one reply: {field, record, ...}. Ones being pushed
# right now (score in the future) are left to their push.
TAKE = """
local out = {}
local taken = 0
for _, field in ipairs(redis.call('HKEYS', KEYS[2])) do
  if taken >= tonumber(ARGV[4]) then break end
  local member = ARGV[1] .. ':' .. field
  local score = redis.call('ZSCORE', KEYS[1], member)
  if not score then
    redis.call('HDEL', KEYS[2], field)  -- its member was delivered: a leftover field
  elseif tonumber(score) <= tonumber(ARGV[2]) then
    redis.call('ZADD', KEYS[1], 'XX', tonumber(ARGV[3]), member)
    out[#out + 1] = field
    out[#out + 1] = redis.call('HGET', KEYS[2], field)
    taken = taken + 1
  end
end
return out
"""

# KEYS: held, held_chat   ARGV: chat id, fields...
# Delivered (by reply or push): forget them.
DONE = """
local n = 0
for i = 2, #ARGV do
  n = n + redis.call('ZREM', KEYS[1], ARGV[1] .. ':' .. ARGV[i])
  redis.call('HDEL', KEYS[2], ARGV[i])
end
return n
"""

# KEYS: held, held_chat   ARGV: chat id
# The chat unfollowed (blocked) or the bot left it: what it held goes with its reminders.
FORGET = """
local n = 0
for _, field in ipairs(redis.call('HKEYS', KEYS[2])) do
  n = n + redis.call('ZREM', KEYS[1], ARGV[1] .. ':' .. field)
end
redis.call('DEL', KEYS[2])
return n
"""

# KEYS: held   ARGV: at ms, members...
# Not delivered after all: may be taken again from `at` (XX: never revives a delivered one).
RELEASE = """
local n = 0
for i = 2, #ARGV do
  n = n + redis.call('ZADD', KEYS[1], 'XX', 'CH', tonumber(ARGV[1]), ARGV[i])
end
return n
"""

# KEYS: held, window, short_window
# ARGV: now, lease_ms, want, limit, window_ms, margin_ms, short_limit, short_window_ms,
#       held_chat_prefix, chat_prefix, tz_field
# Takes held notifications to push (the quota allows again), under the same shared sliding
# windows as CLAIM. Returns {member, record, zone} per entry, then {next score, rate wait}.
CLAIM = (
    rate_window.SLIDING_WINDOW
    + _SPLIT_HELD
    + """
local now = tonumber(ARGV[1])
local out = {}
local rate_wait = 0
local rows = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
if #rows > 0 then
  local short_granted, short_wait = take(KEYS[3], now, #rows, tonumber(ARGV[7]),
    tonumber(ARGV[8]), 0)
  local granted, wait = take(KEYS[2], now, short_granted, tonumber(ARGV[4]),
    tonumber(ARGV[5]), tonumber(ARGV[6]))
  if granted < #rows then
    rate_wait = math.max(granted < short_granted and wait or 0, short_wait)
  end
  for i = 1, granted do
    local member = rows[i]
    local chat, field = split_held(member)
    local record = chat and redis.call('HGET', ARGV[9] .. chat, field)
    if record then
      redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), member)
      out[#out + 1] = member
      out[#out + 1] = record
      out[#out + 1] = redis.call('HGET', ARGV[10] .. chat, ARGV[11]) or ''
    else
      redis.call('ZREM', KEYS[1], member)  -- no record: nothing to deliver
    end
  end
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]
out[#out + 1] = first or '-1'
out[#out + 1] = tostring(rate_wait)
return out
"""
)

# KEYS: dead, held   ARGV: since ms, held_chat_prefix, reason
# Takes back into the hold what a worker of the previous release dead-lettered for the
# monthly limit during a deploy overlap (its letters carry the member and the record).
RESCUE = (
    _COMMON
    + """
local moved = 0
for _, raw in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], tonumber(ARGV[1]), '+inf')) do
  local ok, letter = pcall(cjson.decode, raw)
  if ok and type(letter) == 'table' and letter.reason == ARGV[3]
      and type(letter.member) == 'string' and type(letter.record) == 'string' then
    local chat, id = split_member(letter.member)
    local occurrence = occurrence_of(letter.record)
    if chat and occurrence then
      local field = id .. ':' .. occurrence
      redis.call('HSET', ARGV[2] .. chat, field, letter.record)
      redis.call('ZADD', KEYS[2], 'NX', tonumber(occurrence), chat .. ':' .. field)
      redis.call('ZREM', KEYS[1], raw)
      moved = moved + 1
    end
  end
end
return moved
"""
)
