"""The control API under /_sim/: drive webhooks, read what the bot sent, set faults."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from linesim import ids, validation, webhook
from linesim.config import ConfigError
from linesim.core import Simulator
from linesim.lineapi import SIM_KEY

SESSION_KEY = web.AppKey("linesim_session", aiohttp.ClientSession)
STATIC = Path(__file__).with_name("static")
MAX_WAIT_S = 300.0
Record = dict[str, Any]


def _bad(message: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(
        text=json.dumps({"message": message}), content_type="application/json"
    )


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as exc:
        raise _bad(f"body is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise _bad("body must be a JSON object")
    return body


def _query_num(request: web.Request, name: str, default: float) -> float:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise _bad(f"{name} must be a number") from exc


def _chat_filter(request: web.Request) -> Callable[[Record], bool] | None:
    chat = request.query.get("chat")
    if not chat:
        return None

    def match(record: Record) -> bool:
        to = record["to"]
        return bool(to == chat or (isinstance(to, list) and chat in to))

    return match


def _parts(request: web.Request) -> tuple[Simulator, aiohttp.ClientSession]:
    return request.app[SIM_KEY], request.app[SESSION_KEY]


Builder = Callable[[Simulator, Record], Record]


def _complete(sim: Simulator, partials: list[Any], build: Builder | None = None) -> list[Record]:
    """Complete caller-supplied events; malformed ones are the caller's error (400), not ours."""
    try:
        return [webhook.complete_event(sim, build(sim, p) if build else p) for p in partials]
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        raise _bad(f"cannot build the event: {type(exc).__name__}: {exc}") from exc


async def webhook_text(request: web.Request) -> web.Response:
    sim, session = _parts(request)
    body = await _json_body(request)
    if not isinstance(body.get("text"), str):
        raise _bad("text (a string) is required")
    event = _complete(sim, [body], webhook.text_event)[0]
    result = await webhook.deliver(sim, session, [event])
    return web.json_response(_answer(event, result))


async def webhook_postback(request: web.Request) -> web.Response:
    """A tapped postback button, or a date/time picked with a datetimepicker (`params`)."""
    sim, session = _parts(request)
    body = await _json_body(request)
    event = _complete(sim, [body], webhook.postback_event)[0]
    result = await webhook.deliver(sim, session, [event])
    return web.json_response(_answer(event, result))


async def webhook_event(request: web.Request) -> web.Response:
    sim, session = _parts(request)
    partial = (await _json_body(request)).get("event")
    if not isinstance(partial, dict):
        raise _bad("event (an object) is required")
    event = _complete(sim, [partial])[0]
    result = await webhook.deliver(sim, session, [event])
    return web.json_response(_answer(event, result))


async def webhook_events(request: web.Request) -> web.Response:
    """Several events in one webhook, as LINE batches them."""
    sim, session = _parts(request)
    partials = (await _json_body(request)).get("events")
    if not isinstance(partials, list) or not all(isinstance(p, dict) for p in partials):
        raise _bad("events (a list of objects) is required")
    events = _complete(sim, partials)
    result = await webhook.deliver(sim, session, events)
    answer = _answer(None, result)
    answer["events"] = events
    return web.json_response(answer)


async def webhook_redeliver(request: web.Request) -> web.Response:
    sim, session = _parts(request)
    event_id = (await _json_body(request)).get("webhookEventId")
    event = webhook.redelivery(sim, str(event_id))
    if event is None:
        return web.json_response({"message": f"unknown webhookEventId {event_id}"}, status=404)
    result = await webhook.deliver(sim, session, [event])
    return web.json_response(_answer(event, result))


async def webhook_raw(request: web.Request) -> web.Response:
    sim, session = _parts(request)
    body = await _json_body(request)
    if not isinstance(body.get("body"), str):
        raise _bad("body (a string) is required")
    raw = body["body"].encode("utf-8")
    if "signature" in body:
        signature = body["signature"]
    else:
        signature = ids.sign(sim.config.channel_secret, raw)
    result = await webhook.post(sim, session, raw, None if signature is None else str(signature))
    return web.json_response(result)


def _answer(event: Record | None, result: Record) -> Record:
    answer: Record = {
        "event": event,
        "status": result["status"],
        "elapsed_ms": result["elapsed_ms"],
    }
    if "error" in result:
        answer["error"] = result["error"]
    return answer


async def messages(request: web.Request) -> web.Response:
    sim = request.app[SIM_KEY]
    since = int(_query_num(request, "since", 0))
    found = sim.messages.since(since, _chat_filter(request))
    return web.json_response({"messages": found, "last_seq": sim.messages.last_seq})


async def messages_wait(request: web.Request) -> web.Response:
    sim = request.app[SIM_KEY]
    since = int(_query_num(request, "since", 0))
    count = int(_query_num(request, "count", 1))
    timeout = min(MAX_WAIT_S, _query_num(request, "timeout", 10.0))
    found, timed_out = await sim.messages.wait(since, count, timeout, _chat_filter(request))
    return web.json_response(
        {"messages": found, "last_seq": sim.messages.last_seq, "timed_out": timed_out}
    )


async def requests(request: web.Request) -> web.Response:
    sim = request.app[SIM_KEY]
    found = sim.requests.since(int(_query_num(request, "since", 0)))
    return web.json_response({"requests": found, "last_seq": sim.requests.last_seq})


def _webhook_filter(request: web.Request) -> Callable[[Record], bool] | None:
    etype, chat = request.query.get("type"), request.query.get("chat")
    if not etype and not chat:
        return None

    def match(record: Record) -> bool:
        return any(
            (not etype or e.get("type") == etype)
            and (not chat or webhook.chat_id(e.get("source") or {}) == chat)
            for e in record["events"]
        )

    return match


async def webhooks(request: web.Request) -> web.Response:
    """Webhooks sent to the bot (?since=&type=&chat=; `wait` long-polls for `count`)."""
    sim = request.app[SIM_KEY]
    since = int(_query_num(request, "since", 0))
    if request.path.endswith("/wait"):
        count = int(_query_num(request, "count", 1))
        timeout = min(MAX_WAIT_S, _query_num(request, "timeout", 10.0))
        found, timed_out = await sim.webhooks.wait(since, count, timeout, _webhook_filter(request))
    else:
        found, timed_out = sim.webhooks.since(since, _webhook_filter(request)), False
    return web.json_response(
        {"webhooks": found, "last_seq": sim.webhooks.last_seq, "timed_out": timed_out}
    )


async def stats(request: web.Request) -> web.Response:
    sim = request.app[SIM_KEY]
    out = sim.stats.to_dict()
    out["last_message_seq"] = sim.messages.last_seq
    out["last_request_seq"] = sim.requests.last_seq
    out["sdk_loaded"] = validation.loaded()
    return web.json_response(out)


async def faults_get(request: web.Request) -> web.Response:
    return web.json_response(request.app[SIM_KEY].faults.config.to_dict())


async def faults_set(request: web.Request) -> web.Response:
    """Apply the given keys on top of the current config (a partial update)."""
    sim = request.app[SIM_KEY]
    body = await _json_body(request)
    try:
        new = sim.faults.config.updated(body)
    except ConfigError as exc:
        raise _bad(str(exc)) from exc
    sim.set_faults(new, reseed="seed" in body)
    return web.json_response(new.to_dict())


async def quota_get(request: web.Request) -> web.Response:
    return web.json_response(request.app[SIM_KEY].quota())


async def quota_set(request: web.Request) -> web.Response:
    """Set the month's quota: {"limit": N | null, "enforced": bool, "used": N} (each optional;
    `used` sets the consumption, e.g. 0 for a new month). Raising `limit` is raising the plan."""
    sim = request.app[SIM_KEY]
    body = await _json_body(request)
    unknown = set(body) - {"limit", "enforced", "used"}
    if unknown:
        raise _bad(f"unknown quota option(s): {sorted(unknown)}")
    changes = {"quota_limit": body["limit"]} if "limit" in body else {}
    if "enforced" in body:
        changes["quota_enforced"] = body["enforced"]
    used = body.get("used")
    if used is not None and (isinstance(used, bool) or not isinstance(used, int) or used < 0):
        raise _bad("used must be a whole number >= 0")
    try:
        new = sim.faults.config.updated(changes)
    except ConfigError as exc:
        raise _bad(str(exc)) from exc
    sim.set_faults(new, reseed=False)
    if used is not None:
        sim.stats.billable = used
    return web.json_response(sim.quota())


async def reset(request: web.Request) -> web.Response:
    request.app[SIM_KEY].reset()
    return web.json_response({"ok": True})


async def users_add(request: web.Request) -> web.Response:
    """Register a user so GET profile knows them before they chat."""
    sim = request.app[SIM_KEY]
    body = await _json_body(request)
    user_id = body.get("userId")
    if not isinstance(user_id, str) or not user_id:
        raise _bad("userId is required")
    fields = {k: body.get(k) for k in ("displayName", "language", "pictureUrl", "statusMessage")}
    return web.json_response(sim.know_user(user_id, **fields))


async def reply_tokens(request: web.Request) -> web.Response:
    """Issue reply tokens for webhooks a load generator signs and sends itself (a bench that
    must open a new connection per webhook, as LINE does): `{tokens: [[token, chatId], ...]}`."""
    sim = request.app[SIM_KEY]
    pairs = (await _json_body(request)).get("tokens")
    if not isinstance(pairs, list) or not all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) and x for x in p)
        for p in pairs
    ):
        raise _bad("tokens (a list of [token, chatId] pairs) is required")
    for token, chat in pairs:
        sim.tokens.issue(token, chat)
    return web.json_response({"issued": len(pairs)})


async def users_list(request: web.Request) -> web.Response:
    return web.json_response({"users": list(request.app[SIM_KEY].users.values())})


async def info(request: web.Request) -> web.Response:
    cfg = request.app[SIM_KEY].config
    return web.json_response(
        {
            "webhook_url": cfg.webhook_url,
            "bot_user_id": cfg.bot_user_id,
            "demo_user_id": cfg.demo_user_id,
        }
    )


async def chat_page(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "chat.html", headers={"Cache-Control": "no-store"})


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_post("/_sim/webhook/text", webhook_text)
    r.add_post("/_sim/webhook/postback", webhook_postback)
    r.add_post("/_sim/webhook/event", webhook_event)
    r.add_post("/_sim/webhook/events", webhook_events)
    r.add_post("/_sim/webhook/redeliver", webhook_redeliver)
    r.add_post("/_sim/webhook/raw", webhook_raw)
    r.add_get("/_sim/messages", messages)
    r.add_get("/_sim/messages/wait", messages_wait)
    r.add_get("/_sim/requests", requests)
    r.add_get("/_sim/webhooks", webhooks)
    r.add_get("/_sim/webhooks/wait", webhooks)
    r.add_get("/_sim/stats", stats)
    r.add_get("/_sim/faults", faults_get)
    r.add_post("/_sim/faults", faults_set)
    r.add_post("/_sim/reset", reset)
    r.add_get("/_sim/quota", quota_get)
    r.add_post("/_sim/quota", quota_set)
    r.add_post("/_sim/users", users_add)
    r.add_post("/_sim/reply-tokens", reply_tokens)
    r.add_get("/_sim/users", users_list)
    r.add_get("/_sim/info", info)
    r.add_get("/", chat_page)
