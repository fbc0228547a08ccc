"""The web process: check the signature, act on events quickly, answer 200."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import redis
from flask import Flask, Response, jsonify, request
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from redis.exceptions import RedisError

from bot.adapters.job_queue import JobQueue
from bot.adapters.line_api import LineClient, configuration
from bot.adapters.redis.connection import sync_client
from bot.adapters.redis.timer_store import TimerStore
from bot.bootstrap import once
from bot.service.webhook_events import EventContext, handle_event
from bot.settings import Settings

log = logging.getLogger(__name__)

# LINE's webhooks are small; refuse anything that could only be abuse.
MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class WebServices:
    redis: redis.Redis
    events: EventContext


def build_services(settings: Settings) -> WebServices:
    client = sync_client(settings.redis_url)
    line = LineClient(
        configuration(settings.line_api_base_url, settings.channel_access_token),
        timeout_s=5.0,
    )
    context = EventContext(settings, TimerStore(client), line, JobQueue(client))
    return WebServices(client, context)


def create_app(settings: Settings, services: Callable[[], WebServices] | None = None) -> Flask:
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    parser = WebhookParser(settings.channel_secret)
    # Clients are made on first use in each process, after gunicorn has forked.
    get_services = services or once(lambda: build_services(settings))

    @app.post("/callback")
    def callback() -> tuple[Response, int]:
        signature = request.headers.get("X-Line-Signature", "")
        body = request.get_data(as_text=True)
        if not signature:
            return jsonify(error="missing X-Line-Signature"), 400
        try:
            events = parser.parse(body, signature)
        except InvalidSignatureError:
            return jsonify(error="invalid signature"), 400
        except (ValueError, TypeError, KeyError, AttributeError):
            # Signed but not a webhook payload: bad JSON (ValueError), a JSON value of the wrong
            # shape (TypeError, KeyError) or missing event fields (the SDK's pydantic v1
            # ValidationError, a ValueError). A client error, not ours.
            return jsonify(error="not a LINE webhook payload"), 400
        try:
            context = get_services().events
            for event in events:
                outcome = handle_event(event, context)
                log.info("event type=%s outcome=%s", getattr(event, "type", "?"), outcome)
        except RedisError as exc:
            # Not acted on (or only partly: the rest is deduplicated): LINE may redeliver.
            log.error("redis unavailable while handling a webhook: %s", type(exc).__name__)
            return jsonify(error="temporarily unavailable"), 503
        return jsonify(status="ok"), 200

    @app.get("/healthz")
    def healthz() -> tuple[Response, int]:
        try:
            get_services().redis.ping()
        except (RedisError, OSError):
            return jsonify(status="redis unavailable"), 503
        return jsonify(status="ok"), 200

    @app.errorhandler(413)
    def too_large(_: Exception) -> tuple[Response, int]:
        return jsonify(error="body too large"), 413

    @app.errorhandler(405)
    def wrong_method(_: Exception) -> tuple[Response, int]:
        return jsonify(error="method not allowed"), 405

    return app
