"""The load generator of bench/webhook.py: signed LINE webhooks over raw HTTP/1.1.

    python -m bench.webhook_load --url http://127.0.0.1:PORT/callback --secret S \
        --concurrency 20 (--seconds 10 | --requests 2000) [--warmup 1] [--mix timer]
        [--fresh] [--watch web=PID ...] [--token-seed S]

--fresh opens one new connection per request (`Connection: close`), as LINE's webhook
delivery does, instead of keeping one alive per client; --requests measures a fixed count
(the window then ends when the last of them is answered) instead of a time window.

It runs in a process of its own (uvloop when installed), so the log-reader threads of the bench
process never share its GIL, and it writes requests by hand (cheaper per request than any HTTP
client library). Each request is one text event with a fresh webhookEventId (ULID) and
replyToken, signed like LINE signs it; the texts cycle timer / help / unreadable. Prints one JSON
object: counts, latency percentiles over the measured window, its own CPU and that of the
watched processes over the same window.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import json
import math
import os
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from linesim import ids
from localdev.harness import cpu_seconds

# (kind, text): one third each, in this order, so every client sends all three.
MIX = (("timer", "180"), ("help", "ヘルプ"), ("unreadable", "おはよう"))
# "timers": `3` … `600` (seconds) in turn, as the outside harness sends them: the short ones
# fall due while the load still runs, so their pushes go out beside it.
MIXES = {"mix": MIX, "timer": MIX[:1], "timers": tuple(("timer", str(s)) for s in range(3, 601))}
REQUEST_TIMEOUT_S = 30.0  # past gunicorn's 25 s worker timeout: a hung request still ends
MAX_REQUESTS = 200_000  # per run, whatever the duration
LINE_LIMIT_MS = 2000.0  # LINE drops the webhook (request_timeout) past 2 s
BOT_USER_ID = "U" + "b" * 32
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass(slots=True)
class Window:
    """The measured part of the run and what happened in it."""

    start: float
    end: float
    latencies: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k, _ in MIX})
    statuses: Counter[str] = field(default_factory=Counter)
    issued: int = 0
    limit: int | None = None  # measured requests to issue (None: until `end`)
    mix: tuple[tuple[str, str], ...] = MIX
    fresh: bool = False
    token_seed: str = ""
    answered: int = 0
    last_answer: float = 0.0

    def more(self) -> bool:
        if self.limit is not None:
            return self.issued < self.limit
        return time.monotonic() < self.end


def user_id(i: int) -> str:
    """The user of request `i`: one a request (a chat holds a bounded number of reminders)."""
    return f"U{i + 1:032x}"


def reply_token(seed: str, i: int) -> str:
    """Request `i`'s reply token: random, or from `seed` (a bench has linesim issue it)."""
    if not seed:
        return uuid.uuid4().hex
    return hashlib.md5(f"{seed}:{i}".encode(), usedforsecurity=False).hexdigest()


def webhook(text: str, user_id: str, message_id: int, token: str = "") -> bytes:
    """One LINE text-message webhook body, shaped as the platform sends it."""
    now_ms = int(time.time() * 1000)
    event = {
        "type": "message",
        "message": {"type": "text", "id": str(message_id), "quoteToken": uuid.uuid4().hex,
                    "text": text},
        "webhookEventId": ids.ulid(now_ms),
        "deliveryContext": {"isRedelivery": False},
        "timestamp": now_ms,
        "source": {"type": "user", "userId": user_id},
        "replyToken": token or uuid.uuid4().hex,
        "mode": "active",
    }  # fmt: skip
    payload = {"destination": BOT_USER_ID, "events": [event]}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def request_bytes(host: str, path: str, secret: str, body: bytes, *, close: bool = False) -> bytes:
    connection = "Connection: close\r\n" if close else ""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: LineBotWebhook/2.0\r\n{connection}"
        f"Content-Type: application/json; charset=utf-8\r\n"
        f"X-Line-Signature: {ids.sign(secret, body)}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """(status, keep the connection); the body is read and dropped."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionResetError("closed before the status line")
    status = int(status_line.split()[1])
    length: int | None = None
    keep = not status_line.startswith(b"HTTP/1.0")
    for _ in range(100):
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection":
            keep = value.strip().lower() != b"close"
    if length is None:
        await reader.read()  # close-delimited
        return status, False
    await reader.readexactly(length)
    return status, keep


async def client(
    n: int, url: str, secret: str, window: Window, counter: itertools.count[int]
) -> None:
    """Back-to-back requests on one keep-alive connection until the window ends."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    while window.more():
        i = next(counter)
        if i >= MAX_REQUESTS:
            break
        kind, text = window.mix[i % len(window.mix)]
        # A user per request: a chat holds a bounded number of pending reminders, and LINE's
        # traffic is many users sending a little each.
        body = webhook(text, user_id(i), i, reply_token(window.token_seed, i))
        data = request_bytes(f"{host}:{port}", parts.path, secret, body, close=window.fresh)
        started = time.monotonic()
        measured = started >= window.start
        if measured:
            window.issued += 1
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_S):
                if conn is None:
                    conn = await asyncio.open_connection(host, port)
                conn[1].write(data)
                status, keep = await read_response(conn[0])
            outcome = str(status)
        except (OSError, EOFError, ValueError, IndexError, TimeoutError) as exc:
            outcome, keep = f"error {type(exc).__name__}", False
        elapsed_ms = (time.monotonic() - started) * 1000
        if measured:
            window.answered += 1
            window.last_answer = time.monotonic()
            window.statuses[outcome] += 1
            window.latencies[kind].append(elapsed_ms)
        if (window.fresh or not keep) and conn is not None:
            conn[1].close()
            conn = None
    if conn is not None:
        conn[1].close()


def watched_cpu(watch: dict[str, list[int]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, pids in watch.items():
        total = 0.0
        for pid in pids:
            try:
                total += cpu_seconds(pid)
            except (OSError, ValueError, IndexError):
                continue
        out[name] = total
    return out


def host_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    # user nice system idle iowait irq softirq steal (guest time is already in user/nice)
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = fields[3] + fields[4]
    return float(sum(fields) - idle), float(sum(fields))


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted values (NaN when empty)."""
    if not values:
        return float("nan")
    rank = max(1, min(len(values), math.ceil(q / 100 * len(values))))
    return values[rank - 1]


def summary(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    return {
        "n": len(values),
        "p50": pct(values, 50),
        "p95": pct(values, 95),
        "p99": pct(values, 99),
        "max": values[-1] if values else float("nan"),
        "over_2s": sum(1 for v in values if v > LINE_LIMIT_MS),
    }


async def run(
    url: str, secret: str, *, concurrency: int, seconds: float, warmup: float,
    watch: dict[str, list[int]], requests: int | None = None, mix: str = "mix",
    fresh: bool = False, token_seed: str = "",
) -> dict[str, Any]:  # fmt: skip
    now = time.monotonic()
    window = Window(now + warmup, now + warmup + seconds, limit=requests, mix=MIXES[mix],
                    fresh=fresh, token_seed=token_seed)  # fmt: skip
    counter = itertools.count()
    tasks = [asyncio.create_task(client(n, url, secret, window, counter))
             for n in range(concurrency)]  # fmt: skip
    await asyncio.sleep(max(0.0, window.start - time.monotonic()))
    cpu0, watched0, host0 = time.process_time(), watched_cpu(watch), host_cpu()
    if requests is None:
        await asyncio.sleep(max(0.0, window.end - time.monotonic()))
        cpu1, watched1, host1 = time.process_time(), watched_cpu(watch), host_cpu()
        # Requests issued before the end still finish (each bounded by REQUEST_TIMEOUT_S).
        await asyncio.gather(*tasks)
        drained = time.monotonic() - window.end
    else:
        await asyncio.gather(*tasks)
        cpu1, watched1, host1 = time.process_time(), watched_cpu(watch), host_cpu()
        seconds, drained = max(1e-9, window.last_answer - window.start), 0.0
    everything = [v for values in window.latencies.values() for v in values]
    return {
        "concurrency": concurrency,
        "seconds": seconds,
        "requests": window.issued,
        "rate": window.answered / seconds,
        "fresh_connections": fresh,
        "mix": mix,
        "statuses": dict(window.statuses),
        "latency": summary(everything),
        "by_kind": {kind: summary(values) for kind, values in window.latencies.items()},
        "client_cpu_s": cpu1 - cpu0,
        "cpu_s": {name: watched1[name] - watched0.get(name, 0.0) for name in watched1},
        # Share of all cores busy (any process), 0–1.
        "host_busy": (host1[0] - host0[0]) / max(1.0, host1[1] - host0[1]),
        "drain_s": drained,
    }


def parse_watch(items: list[str]) -> dict[str, list[int]]:
    watch: dict[str, list[int]] = {}
    for item in items:
        name, _, pid = item.partition("=")
        watch.setdefault(name, []).append(int(pid))
    return watch


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--requests", type=int, help="measure this many, not a time window")
    parser.add_argument("--mix", choices=sorted(MIXES), default="mix")
    parser.add_argument("--fresh", action="store_true", help="a new connection per request")
    parser.add_argument("--watch", nargs="*", default=[], help="name=pid (repeatable name)")
    parser.add_argument("--token-seed", default="", help="reply tokens derived from it")
    args = parser.parse_args(argv)
    if not 1 <= args.concurrency <= 1000 or not 0 < args.seconds <= 600:
        parser.error("concurrency 1–1000 and seconds 0–600")
    try:
        import uvloop

        runner: Any = uvloop.run
    except ImportError:
        runner = asyncio.run
    load = run(args.url, args.secret, concurrency=args.concurrency, seconds=args.seconds,
               warmup=args.warmup, watch=parse_watch(args.watch), requests=args.requests,
               mix=args.mix, fresh=args.fresh, token_seed=args.token_seed)  # fmt: skip
    result = runner(load)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
