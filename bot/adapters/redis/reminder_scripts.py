"""Lua scripts on the reminder keys (keys.py). Each runs atomically, so no two workers hold one
occurrence, and a re-arm cannot be separated from the acknowledgement it belongs to.

Every settling script (ack, requeue, dead letter) first checks that the stored record is still
armed for the occurrence the caller claimed: a worker whose lease ran out while another worker
already settled that occurrence changes nothing.
"""

from __future__ import annotations

from bot.adapters.redis import rate_window

# Shared helpers. A member is "<chat>:<id>"; a record starts with "<occurrence ms>|".
_COMMON = """
local function split_member(member)
  return string.match(member, '^(.*):([^:]+)$')
end
local function occurrence_of(record)
  return string.match(record or '', '^(%d+)|')
end
local function add_and_wake(key, score, member, channel)
  local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  redis.call('ZADD', key, score, member)
  if first[2] == nil or score < tonumber(first[2]) then
    redis.call('PUBLISH', channel, tostring(score))
  end
end
local function pending_in(chat_key, tz_field)
  return redis.call('HLEN', chat_key) - redis.call('HEXISTS', chat_key, tz_field)
end
-- After an occurrence is settled: forget a reminder with no next one, else re-arm it.
local function forget_or_rearm(chat_key, id, next_due, next_record, due, member, channel)
  if next_due == '' then
    redis.call('HDEL', chat_key, id)
  else
    redis.call('HSET', chat_key, id, next_record)
    add_and_wake(due, tonumber(next_due), member, channel)
  end
end
"""

# KEYS: due, chat, seen ('' = no event), setters
# ARGV: member, id, record, due_ms, seen_ttl_s, wake_channel, max_pending, tz_field,
#       setter ('' = not recorded), setters_ttl_ms
# Returns 1 added, 0 this event was already acted on, -1 the chat holds max_pending already.
# A group's setter is kept for the notification's mention; fields of reminders gone are
# dropped then (bounded by the chat's pending reminders).
ADD = (
    _COMMON
    + """
if KEYS[3] ~= '' and not redis.call('SET', KEYS[3], '1', 'NX', 'EX', ARGV[5]) then
  return 0
end
if pending_in(KEYS[2], ARGV[8]) >= tonumber(ARGV[7]) then
  return -1
end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
add_and_wake(KEYS[1], tonumber(ARGV[4]), ARGV[1], ARGV[6])
if ARGV[9] and ARGV[9] ~= '' then
  for _, id in ipairs(redis.call('HKEYS', KEYS[4])) do
    if redis.call('HEXISTS', KEYS[2], id) == 0 then redis.call('HDEL', KEYS[4], id) end
  end
  redis.call('HSET', KEYS[4], ARGV[2], ARGV[9])
  redis.call('PEXPIRE', KEYS[4], ARGV[10])
end
return 1
"""
)

# KEYS: due, chat, seen ('' = no event), setters, links
# ARGV: wake_channel, max_pending, tz_field, seen_ttl_s, setter, setters_ttl_ms, parent id,
#       links (JSON), links_ttl_ms, then per reminder 4 values: member, id, record, due_ms
# A reminder and its follow-ups (alerts before, repeats until done) armed as one: all of them
# or none (the chat's limit counts them all), once per event. Returns 1 / 0 / -1 as ADD.
ADD_GROUP = (
    _COMMON
    + """
if KEYS[3] ~= '' and not redis.call('SET', KEYS[3], '1', 'NX', 'EX', ARGV[4]) then
  return 0
end
local count = (#ARGV - 9) / 4
if pending_in(KEYS[2], ARGV[3]) + count > tonumber(ARGV[2]) then
  return -1
end
for i = 10, #ARGV, 4 do
  redis.call('HSET', KEYS[2], ARGV[i + 1], ARGV[i + 2])
  add_and_wake(KEYS[1], tonumber(ARGV[i + 3]), ARGV[i], ARGV[1])
  if ARGV[5] ~= '' then
    redis.call('HSET', KEYS[4], ARGV[i + 1], ARGV[5])
  end
end
if ARGV[5] ~= '' then redis.call('PEXPIRE', KEYS[4], ARGV[6]) end
redis.call('HSET', KEYS[5], ARGV[7], ARGV[8])
redis.call('PEXPIRE', KEYS[5], ARGV[9])
return 1
"""
)

# KEYS: due, leased, legacy_due, legacy_leased, window, legacy_rate, short_window
# ARGV: now_ms, lease_ms, want, limit, window_ms, margin_ms, chat_prefix, tz_field,
#       short_limit, short_window_ms, batch_of_prefix
# Takes back expired leases first, then due reminders (this release's and the previous one's),
# no more than the shared sliding windows allow: `limit` per window (+ margin), and, so that a
# second's sends are spread over it rather than granted in one burst, `short_limit` per short
# window. Returns, per claimed entry, five values
# {source ('r' this release, 'l' legacy), member, record, chat time zone, batch}, then
# {next_due_ms, next_lease_ms, rate_wait_ms} (-1: nothing scheduled; rate_wait_ms: when the
# windows can grant a useful batch again, after a claim they cut short or one that took all it
# asked for, 0 if at once). `batch` is the retry key of the batch this occurrence was saved in
# (batch_store.py; '' none): read here, not by a second round trip between the grant and the
# push (one a claim, every time, to find nothing but after a crash or a retry).
CLAIM = (
    _COMMON
    + rate_window.SLIDING_WINDOW
    + """
local now = tonumber(ARGV[1])
local lease_until = now + tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local out = {}
local rate_wait = 0
local legacy_pause = tonumber(redis.call('HGET', KEYS[6], 'paused_until') or '0') or 0
if now < legacy_pause then
  rate_wait = legacy_pause - now  -- a 429 seen by a worker of the previous release
  want = 0
end
-- Candidates, oldest obligations first: expired leases, then due entries.
local candidates = {}
local sources = {
  {KEYS[2], 'r', true}, {KEYS[4], 'l', true}, {KEYS[1], 'r', false}, {KEYS[3], 'l', false}
}
for _, s in ipairs(sources) do
  local room = want - #candidates
  if room <= 0 then break end
  local rows = redis.call('ZRANGEBYSCORE', s[1], '-inf', now, 'LIMIT', 0, room)
  for _, member in ipairs(rows) do
    candidates[#candidates + 1] = {member, s[2], s[3]}
  end
end
local granted = 0
if #candidates > 0 then
  local short_granted, short_wait = take(KEYS[7], now, #candidates, tonumber(ARGV[9]),
    tonumber(ARGV[10]), 0)
  local wait
  granted, wait = take(KEYS[5], now, short_granted, tonumber(ARGV[4]), tonumber(ARGV[5]),
    tonumber(ARGV[6]))
  if granted < #candidates then
    rate_wait = math.max(granted < short_granted and wait or 0, short_wait)
  elseif granted == want then  -- all it asked for: ask again at once only if a batch fits
    rate_wait = math.max(room_wait(KEYS[7], now, want, tonumber(ARGV[9]), tonumber(ARGV[10]), 0),
      room_wait(KEYS[5], now, want, tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])))
  end
elseif want > 0 and paused_until(KEYS[5]) > now then
  rate_wait = paused_until(KEYS[5]) - now
end
for i = 1, granted do
  local member, source, was_leased = candidates[i][1], candidates[i][2], candidates[i][3]
  local due_key = source == 'r' and KEYS[1] or KEYS[3]
  local leased_key = source == 'r' and KEYS[2] or KEYS[4]
  if not was_leased then redis.call('ZREM', due_key, member) end
  if source == 'l' then
    redis.call('ZADD', leased_key, lease_until, member)
    out[#out + 1] = 'l'; out[#out + 1] = member; out[#out + 1] = ''; out[#out + 1] = ''
    out[#out + 1] = ''
  else
    local chat, id = split_member(member)
    local chat_key = ARGV[7] .. (chat or '')
    local record = chat and redis.call('HGET', chat_key, id)
    if record then
      redis.call('ZADD', leased_key, lease_until, member)
      out[#out + 1] = 'r'; out[#out + 1] = member; out[#out + 1] = record
      out[#out + 1] = redis.call('HGET', chat_key, ARGV[8]) or ''
      local occurrence = occurrence_of(record)
      out[#out + 1] = occurrence and redis.call('GET', ARGV[11] .. member .. ':' .. occurrence)
        or ''
    else
      redis.call('ZREM', leased_key, member)  -- cancelled meanwhile: an orphan entry
    end
  end
end
local function first_score(a, b)
  local x = tonumber(redis.call('ZRANGE', a, 0, 0, 'WITHSCORES')[2] or '-1')
  local y = tonumber(redis.call('ZRANGE', b, 0, 0, 'WITHSCORES')[2] or '-1')
  if x < 0 then return y end
  if y < 0 then return x end
  return math.min(x, y)
end
out[#out + 1] = tostring(first_score(KEYS[1], KEYS[3]))
out[#out + 1] = tostring(first_score(KEYS[2], KEYS[4]))
out[#out + 1] = tostring(rate_wait)
return out
"""
)

# KEYS: leased, due   ARGV: chat_prefix, wake_channel, then per entry 4 values:
#   member, claimed occurrence ms, next due ms ('' = done for good), next record
# Acknowledges delivered occurrences in one call; a recurring one is re-armed in the same step.
ACK = (
    _COMMON
    + """
local settled = 0
for i = 3, #ARGV, 4 do
  local member, claimed, next_due, next_record = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local chat, id = split_member(member)
  local chat_key = ARGV[1] .. (chat or '')
  local record = chat and redis.call('HGET', chat_key, id)
  if record and occurrence_of(record) == claimed then
    redis.call('ZREM', KEYS[1], member)
    forget_or_rearm(chat_key, id, next_due, next_record, KEYS[2], member, ARGV[2])
    settled = settled + 1
  elseif not record then
    redis.call('ZREM', KEYS[1], member)  -- cancelled while in flight
  end
end
return settled
"""
)

# KEYS: leased, due, chat   ARGV: member, id, claimed occurrence ms, new record, at_ms, wake
# Hands a claimed occurrence back (retry later, or shutdown) if this worker still holds it.
REQUEUE = (
    _COMMON
    + """
local record = redis.call('HGET', KEYS[3], ARGV[2])
if not record then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 0
end
if occurrence_of(record) ~= ARGV[3] or redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[3], ARGV[2], ARGV[4])
add_and_wake(KEYS[2], tonumber(ARGV[5]), ARGV[1], ARGV[6])
return 1
"""
)

# KEYS: leased, dead, chat, due
# ARGV: member, id, claimed occurrence ms, letter, now_ms, ttl_ms, next due ('' = none),
#       next record, wake
# Records an undeliverable occurrence; a recurring reminder is re-armed for its next one.
DEAD_LETTER = (
    _COMMON
    + """
local record = redis.call('HGET', KEYS[3], ARGV[2])
if not record or occurrence_of(record) ~= ARGV[3] then
  return 0
end
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then
  return 0
end
local now = tonumber(ARGV[5])
redis.call('ZADD', KEYS[2], now, ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[6]))
redis.call('PEXPIRE', KEYS[2], ARGV[6])
forget_or_rearm(KEYS[3], ARGV[2], ARGV[7], ARGV[8], KEYS[4], ARGV[1], ARGV[9])
return 1
"""
)

# KEYS: due, leased, chat   ARGV: chat_id, then reminder ids
# Cancels the given reminders of one chat; returns how many existed.
CANCEL = """
local removed = 0
for i = 2, #ARGV do
  if redis.call('HDEL', KEYS[3], ARGV[i]) == 1 then
    local member = ARGV[1] .. ':' .. ARGV[i]
    redis.call('ZREM', KEYS[1], member)
    redis.call('ZREM', KEYS[2], member)
    removed = removed + 1
  end
end
return removed
"""

# KEYS: due, leased, chat, listed, setters   ARGV: chat_id, tz_field
# Forgets a chat (unfollow, leave): its reminders, queue entries, settings and who set them.
DELETE_CHAT = """
local removed = 0
for _, id in ipairs(redis.call('HKEYS', KEYS[3])) do
  if id ~= ARGV[2] then
    local member = ARGV[1] .. ':' .. id
    redis.call('ZREM', KEYS[1], member)
    redis.call('ZREM', KEYS[2], member)
    removed = removed + 1
  end
end
redis.call('DEL', KEYS[3], KEYS[4], KEYS[5])
if KEYS[6] then redis.call('DEL', KEYS[6]) end  -- the follow-ups' links (this release)
return removed
"""

# KEYS: dead, due, chat   ARGV: stored letter, member, id, record, now_ms, wake
# Sends one dead letter again: removes exactly that stored letter and re-arms its record.
REQUEUE_DEAD = (
    _COMMON
    + """
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[3], ARGV[3], ARGV[4])
add_and_wake(KEYS[2], tonumber(ARGV[5]), ARGV[2], ARGV[6])
return 1
"""
)

# KEYS: window   ARGV: until_ms, now_ms
# Pauses every worker's pushes (LINE answered 429 with Retry-After).
PAUSE = (
    rate_window.SLIDING_WINDOW
    + """
pause(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))
return 1
"""
)

# KEYS: due, leased, chat   ARGV: member, id, expected occurrence ms, new record, new due, wake
# Moves a pending reminder to another occurrence (skip the next one, change its time), unless
# a worker holds it right now or it is no longer armed for the occurrence the user saw.
REARM = (
    _COMMON
    + """
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  return 0
end
local record = redis.call('HGET', KEYS[3], ARGV[2])
if not record or occurrence_of(record) ~= ARGV[3] then
  return 0
end
redis.call('HSET', KEYS[3], ARGV[2], ARGV[4])
add_and_wake(KEYS[1], tonumber(ARGV[5]), ARGV[1], ARGV[6])
return 1
"""
)
