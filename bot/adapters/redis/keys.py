"""Every Redis key and channel the bot owns, in one place, with who deletes it."""

from __future__ import annotations

# Pending timers: member = Timer.encode(), score = due (or next retry) time in epoch ms.
# Owner: the timer workers remove each member when it is claimed.
TIMERS_DUE = "timers:due"
# Claimed timers: score = lease expiry in epoch ms. Owner: ack/retry/release/dead-letter remove
# them; an expired lease is claimed again, so a killed worker's timers come back by themselves.
TIMERS_LEASED = "timers:leased"
# Permanently undeliverable timers: member = JSON record, score = when it died. Trimmed to
# DEAD_LETTER_TTL_MS on every write and the key expires that long after the last one.
TIMERS_DEAD = "timers:dead"
# The shared push-rate bucket (tokens, refill time, pause): expires PUSH_RATE_TTL_MS after use.
PUSH_RATE = "timers:push-rate"
# Pub/sub channel: a message means "a timer sooner than you knew of was added; look again".
TIMERS_WAKE_CHANNEL = "timers:wake"
# One key per webhook event acted on, to act on each event once. Expires after EVENT_SEEN_TTL_S.
EVENT_SEEN_FORMAT = "events:seen:{event_id}"

EVENT_SEEN_TTL_S = 6 * 3600
DEAD_LETTER_TTL_MS = 7 * 24 * 3600 * 1000
PUSH_RATE_TTL_MS = 60_000


def event_seen_key(event_id: str) -> str:
    return EVENT_SEEN_FORMAT.format(event_id=event_id)
