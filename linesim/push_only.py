"""linesim's push-only mode, for the benches that send 100,000 pushes: LINE's push endpoint with
the simulator's rules that matter there (its sliding-window limiter, retry keys answered 409 with
the accepted request id, fixed latency), none of the rest (models, webhooks, the chat page).

The rate limit is linesim's sliding window (at most `rate` requests in any second, refused ones
counted too), not a token bucket: a bucket's burst let through seconds that a stricter LINE
would refuse, so a bench could show 0 × 429 for an engine that LINE might still refuse.

Run as `python -m linesim.push_only --port P --latency-ms 50 --rate 2000` (rate 0: unlimited);
the benches start it through bench/endpoints.py. tests/linesim/test_push_only.py holds it to
the full simulator's answers for the same requests.
The fake keeps every accepted push, so its heap grows by ~100,000 records in a morning run;
a full cyclic-GC pass over that stalls its event loop for tens of ms, and the requests queued
meanwhile are then stamped (and counted by the limiter) together: 268 × 429 in one 100,000 run
that were the fake's, not the worker's. So what it keeps is frozen out of the GC's sight every
FREEZE_EVERY pushes.

Only the push endpoint exists. `GET /_bench/pushes?since=N` lists accepted pushes after seq N;
`GET /_bench/stats` counts answers by status; `POST /_bench/config` changes rate or latency.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from linesim.ratelimit import SlidingWindow  # the same limiter as the simulator's

PUSH_OK = json.dumps({"sentMessages": [{"id": "1", "quoteToken": "q"}]}).encode()
RATE_LIMITED = json.dumps(
    {"message": "The API rate limit has been exceeded. Try again later."}
).encode()
FREEZE_EVERY = 2_000
KEY_ACCEPTED = json.dumps({"message": "The retry key is already accepted"}).encode()


@dataclass
class FakeState:
    latency_s: float
    limiter: SlidingWindow | None
    pushes: list[dict[str, Any]] = field(default_factory=list)
    accepted: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    ids: itertools.count[int] = field(default_factory=itertools.count)

    def count(self, status: int) -> None:
        self.statuses[str(status)] = self.statuses.get(str(status), 0) + 1


STATE = web.AppKey("state", FakeState)


async def push(request: web.Request) -> web.Response:
    arrived_ms = time.time_ns() / 1e6
    state = request.app[STATE]
    body = await request.read()
    key = request.headers.get("X-Line-Retry-Key", "")
    limited = state.limiter is not None and not state.limiter.allow(time.monotonic())
    await asyncio.sleep(state.latency_s)
    if limited:
        state.count(429)
        return web.Response(status=429, body=RATE_LIMITED, content_type="application/json")
    request_id = f"req-{next(state.ids)}"
    if key and key in state.accepted:
        state.count(409)
        headers = {"x-line-accepted-request-id": state.accepted[key]}
        return web.Response(
            status=409, body=KEY_ACCEPTED, content_type="application/json", headers=headers
        )
    if key:
        state.accepted[key] = request_id
    to = json.loads(body).get("to", "")
    state.pushes.append({"retry_key": key, "to": to, "received_at_ms": arrived_ms})
    if len(state.pushes) % FREEZE_EVERY == 0:
        gc.freeze()  # O(1): moves what is tracked now to a generation never collected
    state.count(200)
    return web.Response(
        body=PUSH_OK, content_type="application/json", headers={"x-line-request-id": request_id}
    )


async def pushes(request: web.Request) -> web.Response:
    state = request.app[STATE]
    since = int(request.query.get("since", "0"))
    return web.json_response({"last": len(state.pushes), "pushes": state.pushes[since:]})


async def stats(request: web.Request) -> web.Response:
    state = request.app[STATE]
    return web.json_response({"statuses": state.statuses, "accepted": len(state.pushes)})


async def config(request: web.Request) -> web.Response:
    state = request.app[STATE]
    body = await request.json()
    if "rate" in body:
        state.limiter = SlidingWindow(float(body["rate"])) if body["rate"] else None
    if "latency_ms" in body:
        state.latency_s = float(body["latency_ms"]) / 1000
    return web.json_response({"ok": True})


def make_app(latency_ms: float, rate: float) -> web.Application:
    app = web.Application()
    app[STATE] = FakeState(latency_ms / 1000, SlidingWindow(rate) if rate else None)
    app.router.add_post("/v2/bot/message/push", push)
    app.router.add_get("/_bench/pushes", pushes)
    app.router.add_get("/_bench/stats", stats)
    app.router.add_post("/_bench/config", config)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--rate", type=float, default=2000.0)
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    app = make_app(args.latency_ms, args.rate)
    web.run_app(app, host="127.0.0.1", port=args.port, print=None, access_log=None, backlog=4096)


if __name__ == "__main__":
    main()
