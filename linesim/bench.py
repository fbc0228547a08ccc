"""Measure how many LINE API requests a second the simulator sustains on one core.

    python -m linesim.bench [--seconds 5] [--connections 64] [--endpoint push]

Starts the simulator as a subprocess pinned to CPU 0 (rate limits off), drives it from this
process pinned to CPU 1 with a raw keep-alive HTTP/1.1 load generator (cheaper per request than
any HTTP client library, so the simulator is the bottleneck), and prints req/s, latency and the
simulator's CPU use.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections import Counter
from typing import Any, cast

from linesim.config import DEMO_USER_ID
from linesim.process import SimulatorProcess, start_simulator_process

TOKEN = "bench-token"


def _request(endpoint: str, host: str) -> bytes:
    auth = f"Bearer {TOKEN}"
    if endpoint == "profile":
        return (
            f"GET /v2/bot/profile/{DEMO_USER_ID} HTTP/1.1\r\nHost: {host}\r\n"
            f"Authorization: {auth}\r\n\r\n"
        ).encode()
    if endpoint == "unauthorized":
        auth = "Bearer wrong"
    body = json.dumps(
        {
            "to": DEMO_USER_ID,
            "messages": [
                {
                    "type": "text",
                    "text": "⏰ 時間です! Time is up.",
                    "quickReply": {
                        "items": [
                            {
                                "type": "action",
                                "action": {"type": "message", "label": "5分後", "text": "5分後"},
                            }
                        ]
                    },
                }
            ],
        }
    ).encode()
    head = (
        f"POST /v2/bot/message/push HTTP/1.1\r\nHost: {host}\r\nAuthorization: {auth}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class _Conn(asyncio.Protocol):
    """One keep-alive connection that sends the next request as soon as a response completes."""

    def __init__(self, request: bytes, stats: dict[str, Any]) -> None:
        self.request = request
        self.stats = stats
        self.buf = b""
        self.sent_at = 0.0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, only duck-typed alike.
        self.transport = cast(asyncio.Transport, transport)
        self._send()

    def _send(self) -> None:
        self.sent_at = time.perf_counter()
        assert self.transport is not None
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buf[:end]
            length = 0
            for line in head.split(b"\r\n")[1:]:
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if len(self.buf) < end + 4 + length:
                return
            self.buf = self.buf[end + 4 + length :]
            if self.stats["counting"]:
                self.stats["status"][head[9:12].decode()] += 1
                self.stats["latencies"].append(time.perf_counter() - self.sent_at)
            self._send()


async def _drive(
    host: str, port: int, endpoint: str, conns: int, seconds: float, *, pid: int | None = None
) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    stats: dict[str, Any] = {"counting": False, "status": Counter(), "latencies": []}
    request = _request(endpoint, f"{host}:{port}")
    transports = []
    for _ in range(conns):
        transport, _ = await loop.create_connection(lambda: _Conn(request, stats), host, port)
        transports.append(transport)
    await asyncio.sleep(1.0)  # warm-up
    cpu = _cpu_seconds(pid) if pid else 0.0
    stats["counting"] = True
    started = time.perf_counter()
    await asyncio.sleep(seconds)
    stats["counting"] = False
    stats["elapsed"] = time.perf_counter() - started
    stats["cpu"] = (_cpu_seconds(pid) - cpu) if pid else None
    for transport in transports:
        transport.close()
    return stats


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pin(pid: int, cpu: int) -> None:
    if hasattr(os, "sched_setaffinity") and cpu < (os.cpu_count() or 1):
        os.sched_setaffinity(pid, {cpu})


def run(endpoint: str, seconds: float, conns: int) -> dict[str, Any]:
    no_limits = dict.fromkeys(("push", "reply", "multicast", "profile", "loading"))
    sim: SimulatorProcess = start_simulator_process(
        access_token=TOKEN, webhook_url="http://127.0.0.1:9/none", rate_limits=no_limits
    )
    try:
        _pin(sim.pid, 0)
        _pin(0, 1)
        sim.client.add_user(DEMO_USER_ID)
        while not sim.client.stats()["sdk_loaded"]:
            time.sleep(0.05)
        runner = _loop_runner()
        stats = runner(_drive(sim.host, sim.port, endpoint, conns, seconds, pid=sim.pid))
    finally:
        sim.stop()
    lat = sorted(stats["latencies"])
    total = sum(stats["status"].values())
    elapsed = stats["elapsed"]
    return {
        "endpoint": endpoint,
        "connections": conns,
        "seconds": round(elapsed, 2),
        "requests": total,
        "req_per_s": round(total / elapsed),
        "statuses": dict(stats["status"]),
        "p50_ms": round(lat[len(lat) // 2] * 1000, 2) if lat else None,
        "p99_ms": round(lat[int(len(lat) * 0.99)] * 1000, 2) if lat else None,
        "sim_cpu_util": round(stats["cpu"] / elapsed, 2),
        # Requests per CPU-second of the simulator: steadier than req/s on a shared machine.
        "req_per_sim_cpu_s": round(total / stats["cpu"]) if stats["cpu"] else None,
    }


def _loop_runner() -> Any:
    try:
        import uvloop
    except ImportError:
        return asyncio.run
    return uvloop.run


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m linesim.bench")
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--endpoint", choices=["push", "profile", "unauthorized", "all"], default="all")
    args = p.parse_args()
    endpoints = ["push", "profile", "unauthorized"] if args.endpoint == "all" else [args.endpoint]
    for endpoint in endpoints:
        print(json.dumps(run(endpoint, args.seconds, args.connections), ensure_ascii=False))


if __name__ == "__main__":
    main()
