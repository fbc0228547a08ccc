"""The web process: check the signature, act on events quickly, answer 200 within LINE's 2 s.

- Refused, with nothing stored and nothing sent: a missing or wrong `X-Line-Signature` (400),
  a body over `MAX_BODY_BYTES` (413, read with that bound whatever Content-Length says), a
  signed body that is not a webhook (400): not UTF-8, not JSON, NaN/Infinity, integers over
  2**53, nesting too deep to parse, a top level that is not an object, `events` not a list,
  an event that is not an object or does not fit the SDK's models, a timestamp outside
  0 … now + 1 day.
- Each event is handled on its own: one that raises is logged (its type and the exception
  class, never its content) and the others still run; the answer is 200. A Redis outage
  answers 503 so LINE redelivers (what was done already is deduplicated on webhookEventId).
- One INFO line per event: `event id=<webhookEventId> type=message/text outcome=timer ms=1.2`.
  No message text, reply token, access token or secret is ever logged.
- Replies never run on the request: `handle_event` gets a `ReplySender`
  (bot/adapters/line/replies.py) whose `reply()` only queues. This process's sender thread
  delivers it, each LINE call bounded by `REPLY_TIMEOUT_S` (bot/adapters/line/replies.py) and
  tried again on timeout/5xx/429 while the token is under 55 s old, then dropped with a
  `reply dropped reason=expired` line (at most 2,000 wait per process; past that, dropped with
  `reason=queue_full`). So a LINE that hangs costs the webhook nothing: it is still answered in
  milliseconds. On SIGTERM gunicorn finishes the accepted requests, then `worker_exit`
  (gunicorn.conf.py) calls `shutdown()`: the queue drains for up to `REPLY_DRAIN_S`, and what
  is left is handed to the RQ worker as jobs (bot/adapters/reply_handoff.py) that expire with
  the token.
- Heavy commands (解析 / 読み / キーワード) only claim a per-chat slot, queue LINE's loading
  animation on the same sender (1:1 chats only) and enqueue a job (bot/service/heavy_commands.py);
  follow / unfollow events keep the followers set a broadcast goes to.
- GET /cal/<token>.ics serves a chat's private calendar feed (bot/entrypoints/calendar_route.py).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import redis
from flask import Flask, Response, jsonify, request
from linebot.v3.models.events import UnknownEvent
from linebot.v3.webhooks import Event
from redis.exceptions import RedisError

from bot.adapters.line.replies import ReplySender
from bot.adapters.redis.recovery import drop_idle, lost_link
from bot.entrypoints.admin import mount_admin
from bot.entrypoints.calendar_route import mount_calendar, public_base_url
from bot.entrypoints.notify_web import mount_notify_api
from bot.service.notify_api import NotifyApi
from bot.service.webhook_events import EventContext, handle_event
from bot.settings import Settings

log = logging.getLogger(__name__)

# LINE's webhooks are a few kB; 1 MB leaves room for any batch it sends and refuses abuse.
MAX_BODY_BYTES = 1024 * 1024
MAX_JSON_INT = 2**53  # LINE's ids are strings; no number it sends comes near this
FUTURE_SLACK_MS = 24 * 3600 * 1000  # a timestamp is when the event happened: never far ahead
# The reply sender's call bound (REPLY_TIMEOUT_S) is in bot/adapters/line/replies.py, the web
# processes' share of Redis connections (WEB_TOTAL, WEB_PER_PROCESS) in
# bot/adapters/redis/connection.py; bot/bootstrap.py builds the services from them.
_SENDERS: list[ReplySender] = []


class NotAWebhookError(ValueError):
    """A signed body that LINE would never send."""


@dataclass(frozen=True, slots=True)
class WebServices:
    redis: redis.Redis
    events: EventContext
    notify_api: NotifyApi | None = None  # /api/notify and /api/reminders (notify_web.py)


def register_sender(sender: ReplySender) -> None:
    """This process's reply sender, drained by `shutdown` (gunicorn's worker_exit)."""
    _SENDERS.append(sender)


def shutdown(timeout_s: float) -> int:
    """Send or hand off this process's queued replies; how many were lost (logged)."""
    lost = 0
    while _SENDERS:
        lost += _SENDERS.pop().close(timeout_s)
    return lost


def valid_signature(secret: bytes, body: bytes, signature: str) -> bool:
    """LINE signs the raw bytes: base64(HMAC-SHA256(channel secret, body))."""
    expected = base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest())
    return hmac.compare_digest(expected, signature.encode("ascii", "replace"))


def _bounded_int(text: str) -> int:
    # Checked on the digits before int(): a 4,000-digit number is refused without the work.
    if len(text) > 17 or abs(value := int(text)) > MAX_JSON_INT:
        raise NotAWebhookError("integer out of range")
    return value


def _no_constant(name: str) -> Any:
    raise NotAWebhookError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise NotAWebhookError("float out of range")
    return value


def parse_events(body: bytes, now_ms: int) -> list[Event]:
    """The events of a signed body, or NotAWebhookError; all or nothing."""
    try:
        payload = json.loads(
            body.decode("utf-8"),
            parse_int=_bounded_int,
            parse_float=_finite_float,
            parse_constant=_no_constant,
        )
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise NotAWebhookError(type(exc).__name__) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise NotAWebhookError("not a webhook object")
    return [_event(raw, now_ms) for raw in payload["events"]]


def _event(raw: object, now_ms: int) -> Event:
    if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
        raise NotAWebhookError("event is not an object with a type")
    stamp = raw.get("timestamp")
    if type(stamp) is not int or not 0 <= stamp <= now_ms + FUTURE_SLACK_MS:
        raise NotAWebhookError("event timestamp")
    if raw["type"] == "follow" and "follow" not in raw:
        # Follow events from before LINE added `follow.isUnblocked` (and fakes modelled on
        # them): the SDK would read them as unknown and drop the user id with them.
        raw = {**raw, "follow": {"isUnblocked": False}}
    # The SDK's own parsing (WebhookParser.parse), each step on untrusted data: whatever it
    # raises (pydantic errors, a TypeError deep in a model, RecursionError) is the body's fault.
    try:
        try:
            event: Event = Event.from_dict(raw)
        except ValueError:  # a type the SDK does not know: LINE adds new ones
            event = UnknownEvent.new_from_json_dict(raw)
    except Exception as exc:
        raise NotAWebhookError(type(exc).__name__) from None
    return event


def event_type(event: Event) -> str:
    kind = str(getattr(event, "type", None) or type(event).__name__)
    message = getattr(event, "message", None)
    sub = getattr(message, "type", None) if message is not None else None
    return f"{kind}/{sub}" if sub else kind


def handle_all(events: list[Event], context: EventContext) -> None:
    """Each event on its own; RedisError escapes (→ 503), anything else is logged and skipped."""
    for event in events:
        started = time.perf_counter()
        event_id = getattr(event, "webhook_event_id", None) or "-"
        try:
            outcome = handle_event(event, context)
        except RedisError:
            raise
        except Exception as exc:
            # The class only: exception messages may quote the text that caused them.
            outcome = "error"
            log.error(
                "event id=%s type=%s outcome=error error=%s",
                event_id,
                event_type(event),
                type(exc).__name__,
            )
        ms = (time.perf_counter() - started) * 1000
        log.info("event id=%s type=%s outcome=%s ms=%.1f", event_id, event_type(event), outcome, ms)


def read_body() -> bytes | None:
    """The raw body, or None past MAX_BODY_BYTES; never reads more than the bound."""
    if request.content_length is not None:
        # Flask's MAX_CONTENT_LENGTH refuses a longer Content-Length before reading (413).
        return request.get_data(cache=False)
    if "chunked" not in request.headers.get("Transfer-Encoding", "").lower():
        return b""
    # Chunked: werkzeug would hand over an empty stream (gunicorn does not set
    # wsgi.input_terminated), though gunicorn does end the dechunked stream itself.
    body = request.environ["wsgi.input"].read(MAX_BODY_BYTES + 1)
    return None if len(body) > MAX_BODY_BYTES else bytes(body)


def create_app(settings: Settings, services: Callable[[], WebServices]) -> Flask:
    """The app; `services` gives what a request needs (bot.bootstrap.build_web_app makes it
    build them on first use in each process, after gunicorn has forked)."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    secret = settings.channel_secret.encode()

    def forget_dead_connections(exc: BaseException) -> None:
        """After a lost link the pool's idle connections are likely dead too (Redis restarted
        or failed over): dropped, so the next request (LINE's redelivery) opens fresh ones
        instead of drawing a 503 from a dead one."""
        if lost_link(exc):
            with contextlib.suppress(Exception):
                drop_idle(services().redis)

    @app.post("/callback")
    def callback() -> tuple[Response, int]:
        signature = request.headers.get("X-Line-Signature", "")
        if not signature:
            return jsonify(error="missing X-Line-Signature"), 400
        body = read_body()
        if body is None:
            return jsonify(error="body too large"), 413
        if not valid_signature(secret, body, signature):
            return jsonify(error="invalid signature"), 400
        try:
            events = parse_events(body, int(time.time() * 1000))
        except NotAWebhookError as exc:
            log.info("webhook refused: not a LINE webhook payload (%s)", exc)
            return jsonify(error="not a LINE webhook payload"), 400
        # Links the bot hands out (カレンダー) point where this webhook arrived.
        context = replace(services().events, public_url=public_base_url(settings))
        try:
            handle_all(events, context)
        except RedisError as exc:
            # Not acted on (or only partly: the rest is deduplicated): LINE may redeliver.
            log.error("redis unavailable while handling a webhook: %s", type(exc).__name__)
            forget_dead_connections(exc)
            return jsonify(error="temporarily unavailable"), 503
        return jsonify(status="ok"), 200

    @app.get("/healthz")
    def healthz() -> tuple[Response, int]:
        try:
            services().redis.ping()
        except (RedisError, OSError) as exc:
            forget_dead_connections(exc)
            return jsonify(status="redis unavailable"), 503
        return jsonify(status="ok"), 200

    mount_admin(app, settings, lambda: services().redis)
    mount_notify_api(app, lambda: services().notify_api)
    mount_calendar(app, settings, lambda: services().redis)

    @app.errorhandler(413)
    def too_large(_: Exception) -> tuple[Response, int]:
        return jsonify(error="body too large"), 413

    @app.errorhandler(405)
    def wrong_method(_: Exception) -> tuple[Response, int]:
        return jsonify(error="method not allowed"), 405

    return app
