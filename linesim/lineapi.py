"""The LINE Messaging API endpoints: reply, push, multicast, loading animation, profile (a
user's, a group or room member's)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from linesim import ids, validation
from linesim.core import Simulator

SIM_KEY = web.AppKey("linesim", Simulator)
MAX_BODY = 2 * 1024 * 1024
QUOTABLE = frozenset({"text", "textV2", "sticker", "image", "video"})

AUTH_FAILED = {
    "message": "Authentication failed. Confirm that the access token in the authorization header"
    " is valid."
}
RATE_LIMITED = {"message": "The API rate limit has been exceeded. Try again later."}
MONTHLY_LIMIT = {"message": "You have reached your monthly limit."}
INVALID_REPLY_TOKEN = {"message": "Invalid reply token"}
KEY_ACCEPTED = {"message": "The retry key is already accepted"}
SERVER_ERROR = {"message": "An error occurred in the server (simulated)"}


class Call:
    """Per-request facts the handler and the request log share."""

    __slots__ = ("body", "endpoint", "fault", "received_ms", "request_id", "retry_key")

    def __init__(self, endpoint: str, retry_key: str | None) -> None:
        self.endpoint = endpoint
        self.received_ms = time.time() * 1000
        self.request_id = ids.request_id()
        self.retry_key = retry_key
        self.fault: str | None = None
        self.body: dict[str, Any] = {}

    def answer(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> web.Response:
        hdrs = {"x-line-request-id": self.request_id}
        if headers:
            hdrs.update(headers)
        return web.Response(
            status=status,
            body=json.dumps(body).encode(),
            content_type="application/json",
            headers=hdrs,
        )


Handler = Callable[[Simulator, web.Request, Call], Awaitable[web.Response]]


def endpoint(
    name: str, handler: Handler, has_body: bool = True
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Wrap a handler with the checks every LINE endpoint shares, and log the request."""

    async def handle(request: web.Request) -> web.Response:
        sim = request.app[SIM_KEY]
        call = Call(name, request.headers.get("X-Line-Retry-Key"))
        resp = await _common(sim, request, call, handler, has_body)
        status = resp.status
        sim.stats.by_endpoint[name][str(status)] += 1
        if call.fault:
            sim.stats.faults[call.fault] += 1
        sim.requests.append(
            {
                "method": request.method,
                "path": request.path,
                "endpoint": name,
                "status": status,
                "retry_key": call.retry_key,
                "request_id": call.request_id,
                "fault": call.fault,
                "received_at_ms": call.received_ms,
                "answered_at_ms": time.time() * 1000,
            }
        )
        return resp

    return handle


async def _common(
    sim: Simulator, request: web.Request, call: Call, handler: Handler, has_body: bool
) -> web.Response:
    delay = sim.faults.latency_s()
    if delay > 0:
        await asyncio.sleep(delay)
        # Records are stamped with wall time and the sleep runs on the monotonic clock, which
        # can be microseconds short of it (measured: 99.996 ms for 100 ms): finish the hold on
        # the clock the records use, so an answer is never stamped before its latency is up.
        while (left := call.received_ms / 1000 + delay - time.time()) > 0:
            await asyncio.sleep(left)
    if request.headers.get("Authorization") != f"Bearer {sim.config.access_token}":
        return call.answer(401, AUTH_FAILED)
    if call.retry_key is not None:
        if call.endpoint not in ("push", "multicast"):
            return call.answer(400, {"message": "X-Line-Retry-Key is not allowed here"})
        if not ids.is_uuid(call.retry_key):
            return call.answer(400, {"message": "X-Line-Retry-Key must be a UUID"})
    if sim.rate_limited(call.endpoint):
        return call.answer(429, RATE_LIMITED)
    if has_body:
        raw = await request.read()
        if len(raw) > MAX_BODY:
            return call.answer(413, {"message": "Request Entity Too Large"})
        try:
            body = json.loads(raw)
        except ValueError:
            return call.answer(400, {"message": "The request body could not be parsed as JSON"})
        await validation.ensure_loaded()
        details = validation.validate(call.endpoint, body)
        if details:
            return call.answer(400, validation.error_body(details))
        call.body = body
    return await handler(sim, request, call)


def _sent(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    out = []
    for msg in messages:
        item = {"id": ids.message_id()}
        if msg.get("type") in QUOTABLE:
            item["quoteToken"] = ids.quote_token()
        out.append(item)
    return out


def _deliver(
    sim: Simulator, call: Call, kind: str, to: str | list[str], reply_token: str | None
) -> list[dict[str, str]]:
    messages = call.body["messages"]
    sent = _sent(messages)
    sim.messages.append(
        {
            "kind": kind,
            "to": to,
            "reply_token": reply_token,
            "retry_key": call.retry_key,
            "request_id": call.request_id,
            "received_at_ms": call.received_ms,
            "messages": messages,
            "notification_disabled": bool(call.body.get("notificationDisabled", False)),
            "sent_messages": sent,
        }
    )
    sim.stats.accepted[kind] += 1
    if kind != "reply":
        # LINE bills per recipient, not per message object.
        sim.stats.billable += sim.recipients(to)
    return sent


async def reply(sim: Simulator, request: web.Request, call: Call) -> web.Response:
    token = call.body["replyToken"]
    info = sim.tokens.check(token, sim.faults.config.reply_token_ttl_s)
    if info is None:
        return call.answer(400, INVALID_REPLY_TOKEN)
    info.used = True
    sent = _deliver(sim, call, "reply", info.chat_id, token)
    return call.answer(200, {"sentMessages": sent})


async def _push_like(sim: Simulator, call: Call, kind: str, to: str | list[str]) -> web.Response:
    cfg = sim.faults.config
    key = call.retry_key
    if key is not None:
        accepted = sim.retry_keys.accepted_request(key, cfg.retry_key_ttl_s)
        if accepted is not None:
            return call.answer(409, KEY_ACCEPTED, {"x-line-accepted-request-id": accepted})
    if cfg.monthly_limit or sim.quota_refuses(to):
        call.fault = None if cfg.monthly_limit else "quota_spent"
        return call.answer(429, MONTHLY_LIMIT)
    now_ms = time.time() * 1000
    if cfg.window_429 is not None and cfg.window_429.active(now_ms):
        call.fault = "window_429"
        retry_after = str(cfg.window_429.retry_after(now_ms))
        return call.answer(429, RATE_LIMITED, {"Retry-After": retry_after})
    outcome = sim.faults.push_outcome()
    if outcome != "ok":
        call.fault = outcome
    if outcome == "429":
        return call.answer(429, RATE_LIMITED)
    if outcome == "monthly":
        return call.answer(429, MONTHLY_LIMIT)
    if outcome == "error_before":
        return call.answer(cfg.push_error_status, SERVER_ERROR)
    if outcome == "timeout_before":
        await asyncio.sleep(cfg.timeout_hold_s)
        return call.answer(500, SERVER_ERROR)
    sent = _deliver(sim, call, kind, to, None)
    if key is not None:
        sim.retry_keys.remember(key, call.request_id)
    if outcome == "error_after":
        return call.answer(cfg.push_error_status, SERVER_ERROR)
    if outcome == "timeout_after":
        await asyncio.sleep(cfg.timeout_hold_s)
        return call.answer(500, SERVER_ERROR)
    return call.answer(200, {"sentMessages": sent} if kind == "push" else {})


async def push(sim: Simulator, request: web.Request, call: Call) -> web.Response:
    return await _push_like(sim, call, "push", call.body["to"])


async def multicast(sim: Simulator, request: web.Request, call: Call) -> web.Response:
    return await _push_like(sim, call, "multicast", list(call.body["to"]))


async def loading(sim: Simulator, request: web.Request, call: Call) -> web.Response:
    return call.answer(202, {})


async def profile(sim: Simulator, request: web.Request, call: Call) -> web.Response:
    user = sim.users.get(request.match_info["user_id"])
    if user is None:
        return call.answer(404, {"message": "Not found"})
    return call.answer(200, user)


async def member_profile(sim: Simulator, request: web.Request, call: Call) -> web.Response:
    """A group's or room's member: LINE's member profile has no statusMessage nor language."""
    user = sim.users.get(request.match_info["user_id"])
    if user is None:
        return call.answer(404, {"message": "Not found"})
    fields = ("userId", "displayName", "pictureUrl")
    return call.answer(200, {k: user[k] for k in fields if k in user})


async def not_found(request: web.Request) -> web.Response:
    """Unknown /v2 paths answer like LINE does, in JSON."""
    return web.json_response(
        {"message": "Not found"}, status=404, headers={"x-line-request-id": ids.request_id()}
    )


def add_routes(app: web.Application) -> None:
    app.router.add_post("/v2/bot/message/reply", endpoint("reply", reply))
    app.router.add_post("/v2/bot/message/push", endpoint("push", push))
    app.router.add_post("/v2/bot/message/multicast", endpoint("multicast", multicast))
    app.router.add_post("/v2/bot/chat/loading/start", endpoint("loading", loading))
    app.router.add_get("/v2/bot/profile/{user_id}", endpoint("profile", profile, has_body=False))
    member = endpoint("profile", member_profile, has_body=False)
    app.router.add_get("/v2/bot/group/{chat_id}/member/{user_id}", member)
    app.router.add_get("/v2/bot/room/{chat_id}/member/{user_id}", member)
    app.router.add_route("*", "/v2/{tail:.*}", not_found)
