"""Every Redis key and channel the bot owns, in one place, with who deletes it.

Two generations live side by side during a deploy (old and new processes overlap for up to
30 s). Today's processes write only the `rem:*` keys, which a process of the previous release
never reads; they also drain the previous release's `timers:*` keys (its members are whole
records, delivered with the retry key they already carry) until those are empty.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- reminders (this release) ---
# Pending reminders: member = "<chat id>:<reminder id>" (an identity that never changes),
# score = when its current occurrence (or its next retry) is due, epoch ms.
# Owner: the timer workers move each member to REMINDERS_LEASED when they claim it.
REMINDERS_DUE = "rem:due"
# Claimed reminders: same members, score = lease expiry. Owner: ack/retry/dead-letter remove
# them; an expired lease is claimed again, so a killed worker's reminders come back by themselves.
REMINDERS_LEASED = "rem:leased"
# One hash per chat: field = reminder id, value = Reminder.encode(); the fields named in
# SETTING_FIELDS are the chat's settings. Owner: the chat — a one-shot's field goes when it
# is delivered or cancelled, the whole key on unfollow / leave; an empty hash vanishes.
CHAT_FORMAT = "rem:chat:{chat_id}"
SETTING_TIMEZONE = "_tz"
# Every settings field of a chat's hash. Reminder ids are 8 characters of URL-safe base64 and
# may themselves start with "_", so a field is a setting by its exact name, never by a prefix.
SETTING_FIELDS = frozenset({SETTING_TIMEZONE})
# What `一覧` showed last, so `取消 N` cancels the N the user saw. Expires after LISTED_TTL_S.
LISTED_FORMAT = "rem:listed:{chat_id}"
LISTED_TTL_S = 15 * 60
# A notification card's buttons act once per delivered occurrence (two taps are two events
# with the same data). Expires after ACTED_TTL_S (a card older than that is answered as stale).
ACTED_FORMAT = "rem:acted:{chat_id}:{token}"
ACTED_TTL_S = 3 * 24 * 3600
# The open 「いつ?」 question of one member of a chat (JSON). Expires after QUESTION_TTL_S.
QUESTION_FORMAT = "rem:ask:{chat_id}:{user_id}"
QUESTION_TTL_S = 30 * 60
# Undeliverable reminders: member = JSON record, score = when it died. Trimmed to
# DEAD_LETTER_TTL_MS on every write and the key expires that long after the last one.
REMINDERS_DEAD = "rem:dead"
# The shared sliding-window push limiter (see rate_window.py): expires shortly after use.
PUSH_WINDOW = "rem:push-window"
# Its short window (spreads a second's grants over the second): expires shortly after use.
PUSH_WINDOW_SHORT = "rem:push-window:short"

# --- the previous release's timers (read and drained, never newly written by this release) ---
# member = Timer.encode() (bot.domain.timers), score = due ms / lease expiry.
LEGACY_TIMERS_DUE = "timers:due"
LEGACY_TIMERS_LEASED = "timers:leased"
LEGACY_TIMERS_DEAD = "timers:dead"
# The previous release's token bucket: read for its 429 pause only.
LEGACY_PUSH_RATE = "timers:push-rate"

# Pub/sub channel: a message means "a reminder sooner than you knew of was added; look again".
# Shared by both releases (the message carries no data either reads).
TIMERS_WAKE_CHANNEL = "timers:wake"
# One key per webhook event acted on, to act on each event once. Expires after EVENT_SEEN_TTL_S.
EVENT_SEEN_FORMAT = "events:seen:{event_id}"

EVENT_SEEN_TTL_S = 6 * 3600
DEAD_LETTER_TTL_MS = 7 * 24 * 3600 * 1000
PUSH_RATE_TTL_MS = 60_000


# --- the Notify-style API (bot/adapters/redis/notify_store.py) ---
# Its messages wait on keys of their own, never on rem:*: the previous release reads every
# record it finds there and would dead-letter a kind it does not know (a lost message), so a
# deploy overlap must not let one of its workers see them. Same shapes as the reminder keys,
# claimed by a second loop of this release's timer worker. Owner of NOTIFY_CHAT_FORMAT: the
# message's ack removes its field (an empty hash vanishes); unfollow / leave deletes the key.
NOTIFY_DUE = "notify:due"
NOTIFY_LEASED = "notify:leased"
NOTIFY_CHAT_FORMAT = "notify:chat:{chat_id}"
NOTIFY_DEAD = "notify:dead"
NOTIFY_WAKE_CHANNEL = "notify:wake"
# Never written by anyone: the notify loop has no previous release to drain.
NOTIFY_NO_LEGACY = "notify:no-legacy"
# One token: HASH chat, created_ms, last_used_ms; the key is the SHA-256 of the token (hex),
# never the token. Owner: the chat — 通知トークン 削除 and unfollow / leave delete it.
NOTIFY_TOKEN_FORMAT = "notify:token:{digest}"
# A chat's tokens (SET of digests), so revoking and forgetting a chat cost what it holds.
# Owner: the chat, as above.
NOTIFY_TOKENS_OF_FORMAT = "notify:tokens:{chat_id}"
# Calls of one token in its current hour (INCR); expires with the hour it counts.
NOTIFY_RATE_FORMAT = "notify:rate:{digest}"
NOTIFY_RATE_WINDOW_S = 3600
# Failed tokens from one client address in its current minute (INCR); expires with it.
NOTIFY_FAILED_FORMAT = "notify:failed:{address}"
NOTIFY_FAILED_WINDOW_S = 60
# A request id (X-Request-Id / Idempotency-Key) already acted on, hashed with its token
# (bot.domain.notify.request_key): a retried request changes nothing. Expires after
# NOTIFY_SEEN_TTL_S (LINE keeps a retry key 24 h).
NOTIFY_SEEN_FORMAT = "notify:seen:{request}"
NOTIFY_SEEN_TTL_S = 24 * 3600


@dataclass(frozen=True, slots=True)
class DeliveryKeys:
    """The keys one claim loop of the timer worker works on (see DeliveryStore)."""

    due: str
    leased: str
    chat_prefix: str
    dead: str
    wake_channel: str
    legacy_due: str
    legacy_leased: str
    legacy_dead: str

    def chat_key(self, chat_id: str) -> str:
        return self.chat_prefix + chat_id


REMINDER_QUEUE = DeliveryKeys(
    REMINDERS_DUE,
    REMINDERS_LEASED,
    CHAT_FORMAT.format(chat_id=""),
    REMINDERS_DEAD,
    TIMERS_WAKE_CHANNEL,
    LEGACY_TIMERS_DUE,
    LEGACY_TIMERS_LEASED,
    LEGACY_TIMERS_DEAD,
)
NOTIFY_QUEUE = DeliveryKeys(
    NOTIFY_DUE,
    NOTIFY_LEASED,
    NOTIFY_CHAT_FORMAT.format(chat_id=""),
    NOTIFY_DEAD,
    NOTIFY_WAKE_CHANNEL,
    NOTIFY_NO_LEGACY,
    NOTIFY_NO_LEGACY,
    NOTIFY_NO_LEGACY,
)
# --- calendar feeds (cal:*; the previous release never reads them) ---
# A chat's private feed URL carries a random token; only its SHA-256 (hex) is stored, so a
# copy of the data set gives no working URL. value = the chat id. At most one per chat:
# CAL_CHAT_FORMAT holds the chat's current digest, so asking again or revoking deletes the
# old one. Owner: the chat (カレンダー replaces, カレンダー 削除 and unfollow / leave delete);
# both keys also expire CAL_FEED_TTL_S after the feed was last fetched or issued (every fetch
# renews them), so a feed nobody reads — or one orphaned by an unfollow that a process of the
# previous release handled during a deploy — goes by itself, while a subscribed calendar,
# which polls every few hours, keeps its URL.
CAL_FEED_FORMAT = "cal:feed:{digest}"
CAL_CHAT_FORMAT = "cal:chat:{chat_id}"
CAL_FEED_TTL_S = 180 * 24 * 3600


def cal_feed_key(digest: str) -> str:
    return CAL_FEED_FORMAT.format(digest=digest)


def cal_chat_key(chat_id: str) -> str:
    return CAL_CHAT_FORMAT.format(chat_id=chat_id)


def event_seen_key(event_id: str) -> str:
    return EVENT_SEEN_FORMAT.format(event_id=event_id)


def chat_key(chat_id: str) -> str:
    return CHAT_FORMAT.format(chat_id=chat_id)


def listed_key(chat_id: str) -> str:
    return LISTED_FORMAT.format(chat_id=chat_id)


def acted_key(chat_id: str, token: str) -> str:
    return ACTED_FORMAT.format(chat_id=chat_id, token=token)


def question_key(chat_id: str, user_id: str) -> str:
    return QUESTION_FORMAT.format(chat_id=chat_id, user_id=user_id)


# --- heavy jobs and broadcasts ---
# Owners and TTLs are documented where they are written: followers.py (FOLLOWERS) and
# heavy_slots.py (the rest).
# Every chat that follows the bot 1:1: member = user id, score = when it followed, ms.
# Owner: follow events add, unfollow (block) events remove. No TTL: it is the audience.
FOLLOWERS = "bot:followers"
# A chat's heavy jobs in flight: member = RQ job id, score = when its slot lapses, ms.
# Owner: the web process claims a slot, the job frees it; lapsed slots are trimmed on claim.
HEAVY_INFLIGHT_FORMAT = "jobs:inflight:{chat_id}"
HEAVY_INFLIGHT_TTL_S = 300
# A heavy job used its reply token ("tried", then "sent"): a re-run must not push then.
REPLY_ATTEMPT_FORMAT = "jobs:reply-tried:{job_id}"
REPLY_ATTEMPT_TTL_S = 600
# A resumable long job (HASH: kind, status, cursor, total, done, args, times). Expires
# ITERATION_TTL_S after its last step; ITERATIONS indexes them (score = last update, ms).
ITERATION_FORMAT = "iter:{iteration_id}"
ITERATIONS = "iter:index"
ITERATION_TTL_S = 7 * 24 * 3600
# Pub/sub: a message (JSON progress) after every step of one iteration.
ITERATION_PROGRESS_FORMAT = "iter:progress:{iteration_id}"
# A broadcast's recipients, frozen when it is described (a copy of FOLLOWERS); same TTL as
# its iteration, deleted when it is done.
BROADCAST_TO_FORMAT = "iter:{iteration_id}:to"
# A broadcast described from LINE, waiting for its operator's go-ahead (value = iteration id).
BROADCAST_DRAFT_FORMAT = "bcast:draft:{code}"
BROADCAST_DRAFT_TTL_S = 600
# Held for 900 ms by the rq_worker parent that runs RQ's abandoned-job cleanup this second.
REAPER_LOCK = "jobs:reaper"

# --- workers and metrics ---
# Written by the timer workers' heartbeat (worker_registry.py), read by `python -m bot status`,
# /metrics and /admin. A worker counts in memory and writes all of these in one pipeline per
# heartbeat (WORKER_HEARTBEAT_S), never once per push.
# Live timer workers: member = worker name, score = its last heartbeat, ms. Owner: each worker
# adds itself on every heartbeat and removes itself on a clean exit; readers drop members
# whose WORKER_FORMAT key is gone (a SIGKILLed worker). The key expires WORKER_TTL_S after the
# last heartbeat of any worker.
WORKERS = "workers:timer"
# One hash per live worker: host, pid, started_ms, heartbeat_ms and its counters since it
# started. Owner: that worker; deleted on clean exit, else it expires WORKER_TTL_S after its
# last heartbeat, so a dead worker disappears by itself.
WORKER_FORMAT = "workers:timer:{name}"
WORKER_HEARTBEAT_S = 1.0
WORKER_TTL_S = 3
# Every worker's counts during one minute (HINCRBY of what changed since the last heartbeat):
# the counters above and the lateness histogram (`lat:<upper bound ms>`, `lat_sum_ms`,
# `lat_count`). Expires METRICS_MINUTE_TTL_S after the minute's first write.
METRICS_MINUTE_FORMAT = "metrics:minute:{minute}"
METRICS_MINUTE_TTL_S = 2 * 3600
# The same fields summed since the data set began (Prometheus counters). No TTL: a few dozen
# fields; a flush or an eviction only resets the counters, which Prometheus expects.
METRICS_TOTALS = "metrics:totals"


def worker_key(name: str) -> str:
    return WORKER_FORMAT.format(name=name)


def metrics_minute_key(minute: int) -> str:
    return METRICS_MINUTE_FORMAT.format(minute=minute)


# --- held notifications: the month's quota is spent (held_store.py, bot.domain.quota) ---
# None of these is read by the previous release, so during a deploy overlap an old worker can
# neither push nor dead-letter what this one holds. (What an old worker dead-letters itself
# with reason monthly_limit, a new one takes back into the hold: held_store.RESCUE.)
# Every held notification: member = "<chat id>:<reminder id>:<occurrence ms>", score = when it
# may next be taken (its due time; while a reply or a push carries it, the end of that lease;
# after a failed push, the retry time). Owner: whoever delivers it deletes it — the web when a
# reply carried it, a timer worker when a push did (or LINE refused it for good).
HELD = "rem:held"
# One hash per chat: field = "<reminder id>:<occurrence ms>", value = Reminder.encode() at that
# occurrence (its label, kind and retry key). Owner: as HELD, field by field with its member;
# an empty hash vanishes.
HELD_CHAT_FORMAT = "rem:held:chat:{chat_id}"
# The quota as last read from LINE, the hold, and which warnings were given this month (HASH).
# Expires QUOTA_STATE_TTL_S after its last write (longer than a month: a hold outlives it).
QUOTA_STATE = "rem:quota"
QUOTA_STATE_TTL_MS = 40 * 24 * 3600 * 1000
# Pub/sub: `python -m bot quota --resume` asks every timer worker to read the quota again now.
QUOTA_RECHECK_CHANNEL = "quota:recheck"


# Who set each reminder of a group or room (its notification mentions them): HASH reminder id
# → user id. Written with the reminder (ADD), which also drops the fields of reminders gone;
# expires SETTERS_TTL_MS after the last write. Never read by the previous release.
SETTERS_FORMAT = "rem:by:{chat_id}"
SETTERS_TTL_MS = 400 * 24 * 3600 * 1000


# A reminder's follow-ups (alerts before it, repeats until done): HASH field = the reminder's
# id, value = follow_ups.Links JSON. The follow-ups themselves are ordinary reminders in the
# chat's hash. Owner: the chat — cancelling a reminder deletes its field, unfollow / leave the
# key; it also expires LINKS_TTL_MS after its last write (a reminder is at most a year ahead),
# so a field whose reminder went by itself does not outlive it by long. Never read by the
# previous release.
LINKS_FORMAT = "rem:links:{chat_id}"
LINKS_TTL_MS = 400 * 24 * 3600 * 1000


# A group or room member's display name (LINE's member profile), so a card tapped in a busy
# group costs one LINE call per member per day: value = the name, "" when LINE does not know
# them (a member who left). Written by the web process on a miss; expires after
# MEMBER_NAME_TTL_S (MEMBER_UNKNOWN_TTL_S for ""), so leaving the group needs no cleanup.
# Never read by the previous release.
MEMBER_NAME_FORMAT = "rem:name:{chat_id}:{user_id}"
MEMBER_NAME_TTL_S = 24 * 3600
MEMBER_UNKNOWN_TTL_S = 3600


# Who spoke in a group or room lately, for a reminder set for みんな (its setters' value "*"):
# ZSET member = user id, score = their last message, ms. Each message trims it to the last
# SPEAKERS_TTL_MS and the SPEAKERS_MAX latest, and it expires SPEAKERS_TTL_MS after the last
# message; leaving the group deletes it. Never read by the previous release.
SPEAKERS_FORMAT = "rem:speakers:{chat_id}"
SPEAKERS_TTL_MS = 30 * 24 * 3600 * 1000
SPEAKERS_MAX = 50
# Who tapped 完了 on one delivered occurrence (LIST of display names, in tap order; the token
# is the card's "<reminder id>:<occurrence ms>"). Expires with its card (ACTED_TTL_S).
CONFIRMED_FORMAT = "rem:confirmed:{chat_id}:{token}"


def speakers_key(chat_id: str) -> str:
    return SPEAKERS_FORMAT.format(chat_id=chat_id)


def confirmed_key(chat_id: str, token: str) -> str:
    return CONFIRMED_FORMAT.format(chat_id=chat_id, token=token)


def member_name_key(chat_id: str, user_id: str) -> str:
    return MEMBER_NAME_FORMAT.format(chat_id=chat_id, user_id=user_id)


def links_key(chat_id: str) -> str:
    return LINKS_FORMAT.format(chat_id=chat_id)


def setters_key(chat_id: str) -> str:
    return SETTERS_FORMAT.format(chat_id=chat_id)


def held_chat_key(chat_id: str) -> str:
    return HELD_CHAT_FORMAT.format(chat_id=chat_id)
