"""A sliding-window rate limiter in Redis Lua, shared by every worker on every machine.

Why not a token bucket: a bucket (rate + burst) lets `burst + rate × 1 s` into some 1-s windows.
Against a LINE fake that counts every request in a *sliding* 1-s window (refused ones too),
4,000 timers due at one instant under the token-bucket CLAIM (2,000/s, burst 25 ms worth) drew
43-110 × 429 and took 3.0-3.1 s to deliver (`python -m bench.sliding_burst`, 4 runs); this
limiter, at the recommended margin, drew 0 × 429 and delivered all in 1.66-1.69 s. LINE does not
document its algorithm, so we hold the ceiling in every sliding window: a grant made at g counts
until g + span, and nothing is granted while the grants still counting reach `limit`.

`SLIDING_WINDOW` is a Lua snippet of local functions, to prepend to another script (as
`_ADD_AND_WAKE` is in scripts.py)::

    take(key, now_ms, want, limit, window_ms[, margin_ms]) -> granted, wait_ms
    room_wait(key, now_ms, want, limit, window_ms[, margin_ms]) -> wait_ms
    pause(key, until_ms, now_ms)      -- LINE's 429 Retry-After, honoured by every worker
    paused_until(key) -> ms (0: not paused)

take() grants at most `want`, so that counting every grant at its grant time no half-open
window [t - window_ms, t) ever holds more than `limit`; it holds `limit` per
`span = window_ms + margin_ms` (margin: see below). wait_ms is 0 when everything asked for was
granted, else how long until at least max(1, floor(limit / 40)) more could be (a useful batch,
not one send at a time); while paused it grants 0 and wait_ms = until - now. room_wait() grants
nothing: called after a take() that got all it asked for, it says when to ask again for `want`:
0 if min(want, that batch) could be granted now, else when it could (half of the timer
worker's claims found the window full before it: 1,200 of 2,400 in bench.morning's 30,000).

Key layout: one HASH per limiter (`key`):
    n     grants still counting (the running total)     p     paused until, epoch ms
    h, t  index of the oldest live batch / of the next  last  grant time of the newest batch
    b<i>  batch i: "<grant ms> <count>" (grants in one call, or merged with the same ms)
Each call trims the batches that stopped counting (amortised O(1)) and a wait looks at no more
batches than it needs to free limit/40; grants in one ms merge, so the hash holds at most one
batch per ms of span (≤ 1,030 at 1 s + 30 ms; tens when claims come in batches). PEXPIRE
max(span, pause left) + 1 s on every call: nothing lingers once the senders stop, and a key that
expired held nothing that counted.

Time comes only from `now_ms` (the caller's clock; no TIME, for injected clocks in tests). A
caller whose clock lags the newest batch records its grant at that batch's time (later, never
earlier: safe), and trims with its own clock (less, never more: safe).

Margin: a grant at g reaches LINE at g + d, d varying (asyncio queueing of a claimed batch,
the HTTP pool, the network), so LINE's windows see grants shifted by up to d_max - d_min, and
`margin_ms` must cover that spread; whatever it holds beyond is throughput given away
(2,000 per 1.1 s is 1,818/s: 100,000 morning pushes took 55.7 s instead of 50). Measured with
the grants' own timestamps (`python -m bench.morning --margin-ms M`, bench/grant_spread.py:
d = arrival at the LINE fake − the `now` the claim was counted at; 1 worker × concurrency 500,
LINE fake on loopback at 50 ms, 2 CPUs shared with other sessions at load average 4-5, 20,000
pushes): whenever the worker kept up with the limiter, p99.9(d) − min(d) was 26.7 / 29.7 / 30.0
ms (margin 30 / 40 / 100) and the part of the margin a run used (margin − the least gap between
pushes i and i + 2,000, minus 1 s) 13.7 / 16.3 ms; `bench.sliding_burst` (4,000 at one instant)
used 10-23 ms in 6 runs at margins 25 and 40. Margin 0: 70 × 429. RECOMMENDED_MARGIN_MS = 30,
the measured spread p99.9: 2,000 per 1.03 s, 1,942/s. It is the loopback figure: the network to
LINE adds its own jitter, which `PUSH_WINDOW_MARGIN_MS` (bot/settings.py) can cover. Since the
claim's short window is this window at a tenth of its scale (delivery_store.py), the long window
binds in every span and the margin is all the slack there is: 100,000 morning pushes at
concurrency 200 (six runs, load average 0.1-1.4) used 10-24 ms of it, p99.9(d) − min(d) 15-30
ms; two runs while another session's tests took the host (load 1.0 → 2.7) drew 29 and 17 × 429.
No margin covers a starved host: with a process stalled for 0.3-1 s (load average 3-9 on 2
CPUs), what queued meanwhile arrives together and 429s follow at 30, 45 and, before, at 100 ms
as well; fewer pushes in flight bound that queue (docs/performance.md, "The push ceiling").
"""

from __future__ import annotations

RECOMMENDED_MARGIN_MS = 30

SLIDING_WINDOW = """
local RW_SLACK_MS = 1000

local function rw_batch(key, i)
  local raw = redis.call('HGET', key, 'b' .. i)
  if not raw then return nil, 0 end
  local sp = string.find(raw, ' ', 1, true)
  return tonumber(string.sub(raw, 1, sp - 1)), tonumber(string.sub(raw, sp + 1))
end

local function rw_need(limit)
  return math.max(1, math.floor(limit / 40))
end

-- How long until `need` more could be granted, `total` counting now.
local function rw_wait(key, now_ms, limit, span, total, head, tail, need)
  local room = limit - total
  local wait = span
  for i = head, tail - 1 do
    local g, c = rw_batch(key, i)
    room = room + c
    if g ~= nil and room >= need then
      wait = g + span - now_ms
      break
    end
  end
  return math.max(1, math.ceil(wait))
end

local function paused_until(key)
  return tonumber(redis.call('HGET', key, 'p')) or 0
end

local function pause(key, until_ms, now_ms)
  local current = paused_until(key)
  if until_ms > current then
    redis.call('HSET', key, 'p', string.format('%.0f', until_ms))
    current = until_ms
  end
  local need = math.ceil(current - now_ms) + RW_SLACK_MS
  if redis.call('PTTL', key) < need then
    redis.call('PEXPIRE', key, need)
  end
end

local function take(key, now_ms, want, limit, window_ms, margin_ms)
  local span = window_ms + (margin_ms or 0)
  local s = redis.call('HMGET', key, 'n', 'h', 't', 'p', 'last')
  local total = tonumber(s[1]) or 0
  local head = tonumber(s[2]) or 0
  local tail = tonumber(s[3]) or 0
  local paused = tonumber(s[4]) or 0
  local last = tonumber(s[5]) or 0
  local granted, wait = 0, 0
  if now_ms < paused then
    wait = math.ceil(paused - now_ms)
  else
    while head < tail do
      local g, c = rw_batch(key, head)
      if g ~= nil and g + span > now_ms then break end
      total = total - c
      redis.call('HDEL', key, 'b' .. head)
      head = head + 1
    end
    if head == tail then total = 0 end
    granted = math.max(0, math.min(want, limit - total))
    if granted > 0 then
      local at = math.max(math.ceil(now_ms), last)
      local merged = false
      if tail > head and at == last then
        local g, c = rw_batch(key, tail - 1)
        if g == at then
          redis.call('HSET', key, 'b' .. (tail - 1), string.format('%.0f %d', at, c + granted))
          merged = true
        end
      end
      if not merged then
        redis.call('HSET', key, 'b' .. tail, string.format('%.0f %d', at, granted))
        tail = tail + 1
      end
      last = at
      total = total + granted
    end
    if granted < want then
      wait = rw_wait(key, now_ms, limit, span, total, head, tail, rw_need(limit))
    end
  end
  redis.call('HSET', key, 'n', total, 'h', head, 't', tail, 'last', string.format('%.0f', last))
  redis.call('PEXPIRE', key, math.ceil(math.max(span, paused - now_ms)) + RW_SLACK_MS)
  return granted, wait
end

local function room_wait(key, now_ms, want, limit, window_ms, margin_ms)
  local s = redis.call('HMGET', key, 'n', 'h', 't', 'p')
  local paused = tonumber(s[4]) or 0
  if now_ms < paused then return math.ceil(paused - now_ms) end
  local total = tonumber(s[1]) or 0
  local need = math.max(1, math.min(want, rw_need(limit)))
  if limit - total >= need then return 0 end
  local span = window_ms + (margin_ms or 0)
  return rw_wait(key, now_ms, limit, span, total, tonumber(s[2]) or 0, tonumber(s[3]) or 0, need)
end
"""

# KEYS: limiter
# ARGV: 'take', now_ms, want, limit, window_ms, margin_ms  -> {granted, wait_ms}
#       'room', now_ms, want, limit, window_ms, margin_ms  -> {wait_ms}
#       'pause', until_ms, now_ms                          -> {paused_until}
#       'status'                                           -> {counting, batches, paused, pttl}
# The snippet on its own, for tests and for operators (`redis-cli EVAL ... status`).
RATE_WINDOW = (
    SLIDING_WINDOW
    + """
local op = ARGV[1]
if op == 'take' then
  local granted, wait = take(KEYS[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]),
    tonumber(ARGV[5]), tonumber(ARGV[6]) or 0)
  return {granted, wait}
elseif op == 'room' then
  return {room_wait(KEYS[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]),
    tonumber(ARGV[5]), tonumber(ARGV[6]) or 0)}
elseif op == 'pause' then
  pause(KEYS[1], tonumber(ARGV[2]), tonumber(ARGV[3]))
  return {string.format('%.0f', paused_until(KEYS[1]))}
elseif op == 'status' then
  local s = redis.call('HMGET', KEYS[1], 'n', 'h', 't', 'p')
  local batches = (tonumber(s[3]) or 0) - (tonumber(s[2]) or 0)
  return {tonumber(s[1]) or 0, batches, s[4] or '0', redis.call('PTTL', KEYS[1])}
end
return redis.error_reply('unknown op: ' .. tostring(op))
"""
)
