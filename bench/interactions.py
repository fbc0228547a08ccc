"""Mixed interactions: does Redis return to its baseline plus what is still pending?

    python -m bench.interactions [--count 100000] [--quick] [--users 5000] [--seed 1]

Why: every key the bot writes must have a TTL or an owner that deletes it (keys.py); a key
without either grows with traffic until a 25 MB plan refuses writes. So this drives `--count`
signed webhooks through the real Flask app (create_app + test_client, in this process) from
`--users` chats — short timers (1–3 s, delivered during the run), `10分後 電話`, `一覧`,
`一覧` + `取消 1`, a question abandoned (`ゴミ出し`, `キャンセル`) or answered (`ゴミ出し`,
`10分後`), `明日の朝7時 ゴミ出し` / `毎日 7:00 起きる` (pending), `タイムゾーン`, unreadable
text, stickers, `5分後` card postbacks, follow and unfollow — while a real TimerWorker
(DeliveryStore + AsyncLinePusher, on a thread) delivers to linesim.push_only (5 ms, no rate
limit: the limiter is not what this measures). Replies go to the fake too, which has no reply
endpoint (404: refused, nothing stored). When everything due was delivered it reports
used_memory (baseline, peak, final), every key family with its TTLs, and the pending
reminders' bytes; then it deletes the keys that have a TTL (what their expiry will do) and
checks used_memory against baseline + pending reminders + users' settings + fixed keys.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import mkdtemp
from typing import Any, cast
from zoneinfo import ZoneInfo

import redis

from bench import procs
from bench.endpoints import BenchFake
from bench.load import user_id
from bot.adapters.line.pushes import AsyncLinePusher
from bot.adapters.redis import keys
from bot.adapters.redis.connection import async_client
from bot.adapters.redis.delivery_store import DeliveryStore
from bot.bootstrap import build_web_services
from bot.domain.postbacks import CardAction, on_card
from bot.domain.reminders import new_reminder_id
from bot.entrypoints.timer_worker import TimerWorker
from bot.entrypoints.web import create_app, shutdown
from bot.lazy import once
from bot.settings import Settings
from linesim import ids
from localdev.harness import now_ms
from localdev.redis_server import RedisServer

ZONE = ZoneInfo("Asia/Tokyo")
LATENCY_MS = 5.0
Script = list[tuple[str, str]]  # (event kind, text or postback data)
# (name, weight, what the user sends); "{s}" is 1..3 seconds.
SCENARIOS: list[tuple[str, int, Script]] = [
    ("short timer", 20, [("text", "{s}秒後 お茶")]), ("10分後 電話", 8, [("text", "10分後 電話")]),
    ("一覧", 10, [("text", "一覧")]), ("一覧 + 取消 1", 8, [("text", "一覧"), ("text", "取消 1")]),
    ("question abandoned", 8, [("text", "ゴミ出し"), ("text", "キャンセル")]),
    ("question answered", 8, [("text", "ゴミ出し"), ("text", "10分後")]),
    ("明日の朝7時", 4, [("text", "明日の朝7時 ゴミ出し")]),
    ("毎日 7:00", 3, [("text", "毎日 7:00 起きる")]),
    ("タイムゾーン", 3, [("text", "タイムゾーン America/New_York")]),
    ("unreadable", 8, [("text", "あいうえお かきくけこ")]), ("sticker", 6, [("sticker", "")]),
    ("card 5分後", 6, [("postback", "")]), ("follow", 4, [("follow", "")]),
    ("unfollow", 2, [("unfollow", "")]),
]  # fmt: skip
FAMILIES = (
    "rem:due",
    "rem:leased",
    "rem:chat:*",
    "rem:listed:*",
    "rem:ask:*",
    "rem:acted:*",
    "events:seen:*",
    "rq:*",
    "metrics:*",
    "workers:*",
    "bot:followers",
    "other",
)


def event(kind: str, chat: str, payload: str) -> dict[str, Any]:
    now = now_ms()
    raw: dict[str, Any] = {"type": kind, "mode": "active", "timestamp": now,
        "source": {"type": "user", "userId": chat}, "webhookEventId": ids.ulid(now),
        "deliveryContext": {"isRedelivery": False}}  # fmt: skip
    if kind != "unfollow":
        raw["replyToken"] = ids.ulid(now).lower()
    if kind in ("text", "sticker"):
        raw["type"] = "message"
        raw["message"] = {"id": "1", "type": "text", "quoteToken": "q", "text": payload}
        if kind == "sticker":
            raw["message"] = {"id": "1", "type": "sticker", "quoteToken": "q", "packageId": "1",
                              "stickerId": "1", "stickerResourceType": "STATIC"}  # fmt: skip
    if kind == "postback":
        data = on_card(CardAction.SNOOZE_5_MIN, new_reminder_id(), now - 60_000, "お茶")
        raw["postback"] = {"data": data}
    return raw


def interactions(count: int, users: int, rng: random.Random) -> Iterator[tuple[str, str, str]]:
    """(scenario, user, event) × count: each user's steps in order, users interleaved."""
    weights = [w for _, w, _ in SCENARIOS]
    queued: dict[str, list[tuple[str, str]]] = {}
    sent = 0
    while sent < count:
        chat = user_id(rng.randrange(users))
        steps = queued.get(chat)
        if not steps:
            name, _, script = rng.choices(SCENARIOS, weights)[0]
            s = rng.randint(1, 3)
            steps = queued[chat] = [(name, f"{k}|{t.format(s=s)}") for k, t in script]
        name, step = steps.pop(0)
        yield name, chat, step
        sent += 1


@dataclass
class Counts:
    statuses: Counter[int] = field(default_factory=Counter)
    scenarios: Counter[str] = field(default_factory=Counter)
    logs: Counter[str] = field(default_factory=Counter)
    gone: set[str] = field(default_factory=set)  # chats whose last event was an unfollow


class LogCount(logging.Handler):
    logs: Counter[str]

    def emit(self, record: logging.LogRecord) -> None:
        self.logs[f"{record.levelname} {record.name}: {str(record.msg)[:60]}"] += 1


def worker_thread(redis_url: str, line_url: str, stop: threading.Event) -> threading.Thread:
    async def work() -> None:
        client = async_client(redis_url, max_connections=5)
        pusher = AsyncLinePusher(line_url, procs.ACCESS_TOKEN, timeout_s=5.0, pool_size=50)
        store = DeliveryStore(client, lease_ms=1_000, rate_per_s=2000.0)
        worker = TimerWorker(store, pusher, client, concurrency=50, shutdown_grace_s=5.0,
                             default_zone=ZONE)  # fmt: skip
        task = asyncio.create_task(worker.run(install_signal_handlers=False))
        while not stop.is_set():
            await asyncio.sleep(0.1)
        worker.request_stop()
        await task
        await pusher.close()
        await client.aclose()
        await client.connection_pool.disconnect()

    thread = threading.Thread(target=lambda: asyncio.run(work()), name="timer-worker")
    thread.start()
    return thread


def used(client: redis.Redis) -> int:
    return int(client.info("memory")["used_memory"])


@dataclass
class KeyInfo:
    key: str
    ttl_ms: int  # -1: none
    bytes: int


def all_keys(client: redis.Redis) -> list[KeyInfo]:
    names = [k.decode() for k in client.scan_iter(count=5000)]
    found: list[KeyInfo] = []
    for i in range(0, len(names), 5000):
        chunk = names[i : i + 5000]
        pipe = client.pipeline(transaction=False)
        for k in chunk:
            pipe.pttl(k)
            pipe.memory_usage(k, samples=0)
        rows = pipe.execute()
        found += [KeyInfo(k, int(rows[2 * j]), int(rows[2 * j + 1] or 0))
                  for j, k in enumerate(chunk)]  # fmt: skip
    return found


def drive(
    client: redis.Redis, settings: Settings, count: int, users: int, seed: int
) -> tuple[Counts, int, float]:
    counts = Counts()
    handler = LogCount(logging.WARNING)
    handler.logs = counts.logs
    logging.getLogger().addHandler(handler)
    services = once(lambda: build_web_services(settings))
    web = create_app(settings, services).test_client()
    peak, started = used(client), time.perf_counter()
    for n, (name, chat, step) in enumerate(interactions(count, users, random.Random(seed)), 1):
        kind, payload = step.split("|", 1)
        body = json.dumps({"destination": "U" + "b" * 32,
                           "events": [event(kind, chat, payload)]}).encode()  # fmt: skip
        signature = ids.sign(settings.channel_secret, body)
        answer = web.post("/callback", data=body, headers={"X-Line-Signature": signature})
        counts.statuses[answer.status_code] += 1
        counts.scenarios[name] += 1
        (counts.gone.add if kind == "unfollow" else counts.gone.discard)(chat)
        if n % 2000 == 0:
            peak = max(peak, used(client))
    elapsed = time.perf_counter() - started
    shutdown(5.0)  # the reply sender drains (the fake answers 404: refused, nothing handed off)
    services().redis.connection_pool.disconnect()
    return counts, peak, elapsed


def wait_delivered(client: redis.Redis, timeout_s: float = 60.0) -> float:
    """Until nothing due by now (the last 3 s timer included) is in rem:due or rem:leased."""
    until, deadline = now_ms() + 3_500, time.monotonic() + timeout_s
    while time.monotonic() < deadline and (
        now_ms() < until
        or client.zcard(keys.REMINDERS_LEASED)
        or client.zcount(keys.REMINDERS_DUE, 0, now_ms())
    ):
        time.sleep(0.2)  # fmt: skip
    return timeout_s - (deadline - time.monotonic())


def run(count: int, users: int, seed: int) -> None:
    server = RedisServer().start()
    line = BenchFake(LATENCY_MS, None, Path(mkdtemp(prefix="bench-interactions-")) / "line.log")
    stop, thread = threading.Event(), None
    try:
        client = redis.Redis.from_url(server.url)
        base_used, base_size = used(client), int(client.dbsize())
        settings = Settings(procs.CHANNEL_SECRET, procs.ACCESS_TOKEN, server.url, line.url)
        thread = worker_thread(server.url, line.url, stop)
        counts, peak, elapsed = drive(client, settings, count, users, seed)
        waited = wait_delivered(client)
        peak = max(peak, used(client))
        stop.set()
        thread.join()
        print(
            f"webhooks {count:,} from {users:,} chats in {elapsed:.1f} s "
            f"({count / elapsed:,.0f}/s); HTTP {dict(sorted(counts.statuses.items()))}; "
            f"waited {waited:.1f} s for what was due; pushes accepted {line.accepted():,}"
        )
        print("mix: " + ", ".join(f"{k} {v:,}" for k, v in counts.scenarios.most_common()))
        logs = ", ".join(f"{k!r} × {v:,}" for k, v in counts.logs.most_common(6))
        print(f"warnings/errors logged: {logs or 'none'}")
        report(client, (base_used, base_size), peak, counts)
    finally:
        stop.set()
        if thread is not None:
            thread.join()
        line.stop()
        server.stop()


def slots(client: redis.Redis) -> int:
    """Key-space hash tables less the entries MEMORY USAGE already counts (24 B a key)."""
    tables = client.memory_stats().get("db.0", {})
    total = sum(int(tables.get(f"overhead.hashtable.{t}", 0)) for t in ("main", "expires"))
    return total - 24 * int(client.dbsize())


def pending_chats_of(client: redis.Redis) -> tuple[set[str], set[str]]:
    rows = cast(list[bytes], client.zrange(keys.REMINDERS_DUE, 0, -1))
    rows += cast(list[bytes], client.zrange(keys.REMINDERS_LEASED, 0, -1))
    pending = {m.decode() for m in rows}
    return pending, {m.split(":", 1)[0] for m in pending}


def families(found: list[KeyInfo]) -> dict[str, list[KeyInfo]]:
    by: dict[str, list[KeyInfo]] = {f: [] for f in FAMILIES}
    for k in found:
        fam = (f for f in FAMILIES if k.key == f or (f[-1] == "*" and k.key.startswith(f[:-1])))
        by[next(fam, "other")].append(k)
    print(f"{'family':15} {'keys':>8} {'no TTL':>8} {'bytes':>11} {'max TTL left':>13}")
    for name, ks in by.items():
        ttl = max((k.ttl_ms for k in ks), default=-1)
        left = f"{ttl / 3_600_000:.2f} h" if ttl > 0 else "–"
        print(f"{name:15} {len(ks):>8,} {sum(k.ttl_ms < 0 for k in ks):>8,} "
              f"{sum(k.bytes for k in ks):>11,} {left:>13}")  # fmt: skip
    return by


def settings_only(
    client: redis.Redis, chats: dict[str, KeyInfo], pending: set[str]
) -> tuple[list[KeyInfo], int]:
    """Chat hashes holding no reminder (settings only), and reminder records not pending."""
    pipe = client.pipeline(transaction=False)
    for key in chats:
        pipe.hkeys(key)
    only, orphans = [], 0
    for key, fields in zip(chats, pipe.execute(), strict=True):
        chat = key.removeprefix("rem:chat:")
        ids_ = [f.decode() for f in fields if f.decode() not in keys.SETTING_FIELDS]
        orphans += sum(f"{chat}:{i}" not in pending for i in ids_)
        only += [] if ids_ else [chats[key]]
    return only, orphans


def report(client: redis.Redis, base: tuple[int, int], peak: int, counts: Counts) -> None:
    final = used(client)
    found = all_keys(client)
    client.config_resetstat()  # frees Redis 7's per-command latency histograms (~37 KB each)
    histograms = final - used(client)
    buckets = slots(client)
    print(f"used_memory: baseline {base[0]:,} B (DBSIZE {base[1]}), peak {peak:,} B "
          f"(INFO used_memory_peak {int(client.info('memory')['used_memory_peak']):,}), final "
          f"{final:,} B (DBSIZE {len(found):,}), of which Redis's own per-command latency "
          f"histograms {histograms:,} B (CONFIG RESETSTAT frees them)")  # fmt: skip
    by = families(found)
    pending, chats_pending = pending_chats_of(client)
    chats = {k.key: k for k in by["rem:chat:*"]}
    only, orphans = settings_only(client, chats, pending)
    kept = [chats[keys.chat_key(c)] for c in chats_pending if keys.chat_key(c) in chats]
    pend_b = sum(k.bytes for k in by["rem:due"] + by["rem:leased"] + kept)
    only_b = sum(k.bytes for k in only)
    print(f"pending reminders: {len(pending):,} (rem:due {int(client.zcard(keys.REMINDERS_DUE)):,}"
          f" + leased {int(client.zcard(keys.REMINDERS_LEASED))}) in {len(chats_pending):,} "
          f"chats, {pend_b:,} B with their chat hashes ({pend_b / max(1, len(pending)):.0f} B "
          f"each; bench.memory: 248–315 B); chat hashes with settings only: {len(only):,} "
          f"({only_b:,} B); reminder records not pending: {orphans}")  # fmt: skip
    left = [c for c in counts.gone if keys.chat_key(c) in chats or c in chats_pending
            or client.exists(keys.listed_key(c))]  # fmt: skip
    print(f"chats whose last event was an unfollow: {len(counts.gone):,}; with a chat hash, "
          f"一覧 or pending reminder left: {len(left)}")  # fmt: skip
    ttl_keys = [k for k in found if k.ttl_ms >= 0]
    fixed_keys = (keys.METRICS_TOTALS, keys.FOLLOWERS)
    no_ttl = [k for k in found if k.ttl_ms < 0]
    fixed = sum(k.bytes for k in no_ttl if k.key in fixed_keys or k.key.startswith("rq:"))
    allowed = {keys.REMINDERS_DUE, keys.REMINDERS_LEASED, *fixed_keys}
    allowed |= {k.key for k in kept + only}
    grew = [k for k in no_ttl if k.key not in allowed and not k.key.startswith("rq:")]
    expected = base[0] + pend_b + only_b + fixed
    computed = final - histograms - buckets - sum(k.bytes for k in ttl_keys)
    print(f"computed: final − histograms − key-space tables {buckets:,} − MEMORY USAGE of the"
          f" {len(ttl_keys):,} keys with a TTL = {computed:,} B; baseline + pending + "
          f"settings + fixed (metrics:totals, bot:followers, rq:*) {fixed:,} = {expected:,} B;"
          f" Δ {computed - expected:+,} B")  # fmt: skip
    for i in range(0, len(ttl_keys), 5000):
        client.unlink(*[k.key for k in ttl_keys[i : i + 5000]])  # what their expiry will do
    time.sleep(1.5)  # serverCron shrinks the emptied hash tables
    client.config_resetstat()
    after = used(client) - slots(client)  # a table shrinks only below 10 % full
    ok = abs(after - expected) <= max(64 * 1024, (expected - base[0]) // 20) and not grew
    print(f"after deleting the keys with a TTL: used_memory − key-space tables {after:,} B, DBSIZE "
          f"{client.dbsize():,}; expected {expected:,} B; Δ {after - expected:+,} B "
          f"({(after - expected) / max(1, expected - base[0]):+.1%} of what is kept)")  # fmt: skip
    print(
        "keys without a TTL outside pending reminders, users' settings and fixed keys: "
        + (", ".join(f"{k.key} ({k.bytes} B)" for k in grew[:10]) or "none")
    )
    print(
        f"verdict: {'OK' if ok else 'MISSED'} — Redis returns to its baseline plus what is "
        "still pending (within 5 % or 64 KiB)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="10,000 webhooks")
    parser.add_argument("--users", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    count = 10_000 if args.quick else args.count
    logging.basicConfig(level=logging.WARNING, handlers=[logging.NullHandler()])
    print(f"# interactions: {count:,} signed webhooks (Flask test client, in process), "
          f"{args.users:,} chats; 1 in-process TimerWorker × 50; LINE fake linesim.push_only "
          f"({LATENCY_MS:.0f} ms, no rate limit); seed {args.seed}", flush=True)  # fmt: skip
    run(count, args.users, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
