"""Redis bytes per pending reminder, its per-chat index included.

    python -m bench.memory [--count 100000] [--per-chat 1,3,10] [--via-store]

Why: the previous release stored a timer as one member of timers:due (166–192 B each,
measured by bench.scale), and its plans were sized on that. A reminder now also has a record in
its chat's hash (rem:chat:<chat>, what `一覧` and `取消` read without a scan), so the question is
what that index costs: the goal is ≤ 250 B per pending reminder. The per-chat count matters
because each chat hash is a Redis key of its own (a dict entry, a key string, an object
header) shared by that chat's reminders.

Chats are LINE-shaped user ids ("U" + 32 hex digits), each reminder has an 8-character
Japanese label, one-shot ones are due 1–8 days ahead and recurring ones are `毎日 7:00`
(Asia/Tokyo). Reminders go in with bench.load.bulk_add (the keys and records of
reminder_scripts.ADD, pipelined); `--via-store` uses ReminderStore.add one by one instead.
Figures are INFO used_memory after − before, divided by the count, on a redis-server of our own.

Measured (redis-server 7.0.15, 100,000 reminders; B per reminder at 1 / 3 / 10 per chat):
    one-shot                 315 / 248 / 219   record 43 B, chat hash a listpack
    recurring 毎日 7:00      474 / 344 / 309   record 73 B > hash-max-listpack-value 64, so
                                               the chat hash is a hashtable
    recurring, --listpack-value 128            346 / 291 / 245
The queue entry alone (rem:due, member "<chat>:<id>", 42 chars) is 136 B; the rest is the chat
hash and its key, ~150 B per chat of fixed cost. ReminderStore.add one by one gives the same
figures (±2 %), so bulk_add's layout is the store's.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import redis

from bench.load import add_via_store, bulk_add, user_id
from bot.adapters.redis import keys
from bot.domain.recurrence import Recurrence
from bot.domain.reminders import Kind, Reminder, compact_rule, new_reminder_id
from localdev.harness import now_ms
from localdev.redis_server import RedisServer

COUNT = 100_000
PER_CHAT = (1, 3, 10)
LABEL = "燃えるゴミ出し日"  # 8 characters, 24 bytes of UTF-8
DAILY_7 = Recurrence("FREQ=DAILY;BYHOUR=7;BYMINUTE=0")
ZONE = ZoneInfo("Asia/Tokyo")
GOAL_B = 250
PREVIOUS = "166–192 B per timer (timers:due member only)"
DAY_MS = 24 * 3600 * 1000
SAMPLE_CHATS = 200  # chat hashes whose MEMORY USAGE is sampled


@dataclass(frozen=True, slots=True)
class Row:
    kind: str
    per_chat: int
    count: int
    bytes_per: float  # INFO used_memory delta / count
    queue_per: float  # MEMORY USAGE rem:due / count
    hash_per: float  # sampled MEMORY USAGE of chat hashes / reminders in them
    encoding: str  # of a chat hash
    record_bytes: int  # one stored record


def reminders(kind: Kind, count: int, per_chat: int, rng: random.Random) -> Iterator[Reminder]:
    """`count` reminders, `per_chat` to a chat, made lazily."""
    now = now_ms()
    daily = DAILY_7.next_after(datetime.fromtimestamp(now / 1000, UTC), ZONE)
    assert daily is not None
    seven = int(daily.timestamp() * 1000)
    for i in range(count):
        chat = user_id(i // per_chat)
        if kind is Kind.RECURRING:
            yield Reminder(chat, new_reminder_id(), kind, seven, LABEL, compact_rule(DAILY_7))
        else:
            due = now + DAY_MS + rng.randrange(7 * DAY_MS)
            yield Reminder(chat, new_reminder_id(), kind, due, LABEL)


def measure(
    client: redis.Redis, kind: Kind, count: int, per_chat: int, *, via_store: bool, seed: int
) -> Row:
    client.flushall()
    before = _used(client)
    made = reminders(kind, count, per_chat, random.Random(seed))
    if via_store:
        add_via_store(client, list(made))
    else:
        bulk_add(client, made, wake=False)
    used = _used(client) - before
    chats = [keys.chat_key(user_id(i)) for i in range(min(SAMPLE_CHATS, count // per_chat))]
    hash_bytes = sum(int(client.memory_usage(c, samples=0) or 0) for c in chats)
    in_sample = sum(int(client.hlen(c)) for c in chats)
    first = client.hgetall(chats[0])
    record = next(iter(first.values())) if first else b""
    return Row(
        kind="recurring daily 7:00" if kind is Kind.RECURRING else "one-shot",
        per_chat=per_chat,
        count=count,
        bytes_per=used / count,
        queue_per=int(client.memory_usage(keys.REMINDERS_DUE, samples=0) or 0) / count,
        hash_per=hash_bytes / max(1, in_sample),
        encoding=_encoding(client, chats[0]),
        record_bytes=len(record),
    )


def _encoding(client: redis.Redis, key: str) -> str:
    raw = client.object("encoding", key)
    return raw.decode() if isinstance(raw, bytes) else str(raw)


def _used(client: redis.Redis) -> int:
    return int(client.info("memory")["used_memory"])


def table(rows: list[Row]) -> str:
    header = (
        f"{'reminders':22} {'per chat':>8} {'chats':>8} {'B/reminder':>10} {'rem:due/n':>9} "
        f"{'hash/n':>7} {'hash encoding':>13} {'record':>7}  goal ≤ {GOAL_B} B"
    )
    lines = [header, "-" * len(header)]
    for r in rows:
        verdict = "OK" if r.bytes_per <= GOAL_B else "MISSED"
        lines.append(
            f"{r.kind:22} {r.per_chat:>8} {r.count // r.per_chat:>8,} {r.bytes_per:>10.0f} "
            f"{r.queue_per:>9.0f} {r.hash_per:>7.0f} {r.encoding:>13} {r.record_bytes:>5} B  "
            f"{verdict}"
        )
    lines.append(f"{'previous release':22} {'–':>8} {'–':>8} {PREVIOUS}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=COUNT)
    parser.add_argument("--per-chat", default=",".join(str(n) for n in PER_CHAT))
    parser.add_argument("--via-store", action="store_true", help="ReminderStore.add, one by one")
    parser.add_argument(
        "--listpack-value",
        type=int,
        default=0,
        help="CONFIG SET hash-max-listpack-value first (what-if; 0: the server's default)",
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    per_chat = [int(n) for n in args.per_chat.split(",") if n.strip()]
    server = RedisServer().start()
    try:
        client = redis.Redis.from_url(server.url)
        if args.listpack_value:
            client.config_set("hash-max-listpack-value", args.listpack_value)
        version = client.info()["redis_version"]
        limit = client.config_get("hash-max-listpack-value")["hash-max-listpack-value"]
        print(f"# Redis memory per pending reminder: {args.count:,} reminders, label {LABEL!r} "
              f"({len(LABEL)} chars, {len(LABEL.encode())} B UTF-8), redis-server {version}, "
              f"{'ReminderStore.add' if args.via_store else 'bulk_add (ADD, pipelined)'}; "
              "B/reminder = INFO used_memory Δ / n (queue entry + chat hash + key); "
              f"hash-max-listpack-value {limit}")  # fmt: skip
        rows = [
            measure(client, kind, args.count, n, via_store=args.via_store, seed=args.seed)
            for kind in (Kind.ONCE, Kind.RECURRING)
            for n in per_chat
        ]
        print(table(rows))
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
