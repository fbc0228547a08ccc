"""`POST /api/notify` and `POST /api/reminders` on the web process: LINE Notify's API for the
scripts that lost it. Requests become bot.service.notify_api calls; nothing here decides.

Both take `Authorization: Bearer <token>` and a form field (application/x-www-form-urlencoded
or multipart/form-data, as LINE Notify took them; JSON too): `message` for /api/notify,
`text` for /api/reminders. `X-Request-Id` or `Idempotency-Key` names a request, so a retry
whose first answer was lost changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, Response, jsonify, request
from redis.exceptions import RedisError

from bot.domain.notify import Answer
from bot.service.notify_api import NotifyApi

log = logging.getLogger(__name__)


def mount_notify_api(app: Flask, get_api: Callable[[], NotifyApi | None]) -> None:
    @app.post("/api/notify")
    def api_notify() -> Response:
        return _answered(get_api, lambda api: api.notify(*_call("message")))

    @app.post("/api/reminders")
    def api_reminders() -> Response:
        return _answered(get_api, lambda api: api.remind(*_call("text")))


def _call(field: str) -> tuple[str, str | None, str, str]:
    return request.headers.get("Authorization", ""), _field(field), _request_id(), client_address()


def _answered(
    get_api: Callable[[], NotifyApi | None], call: Callable[[NotifyApi], Answer]
) -> Response:
    try:
        api = get_api()
        if api is None:  # a web process built without it (tests of other parts)
            return _json(404, {"status": 404, "message": "not found"})
        answer = call(api)
    except (RedisError, OSError) as exc:
        log.error("redis unavailable for the notify api: %s", type(exc).__name__)
        return _json(503, {"status": 503, "message": "temporarily unavailable"})
    response = _json(answer.status, answer.body)
    response.headers.update(answer.headers)
    return response


def _json(status: int, body: dict[str, object]) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response


def _field(name: str) -> str | None:
    """A form field (url-encoded or multipart, which Flask reads into `form`), else JSON."""
    value = request.form.get(name)
    if value is None and request.is_json:
        payload = request.get_json(silent=True)
        raw = payload.get(name) if isinstance(payload, dict) else None
        value = raw if isinstance(raw, str) else None
    return value


def _request_id() -> str:
    raw = request.headers.get("X-Request-Id") or request.headers.get("Idempotency-Key") or ""
    return raw.strip()  # any length: only its hash is stored (bot.domain.notify.request_key)


def client_address() -> str:
    """Who is calling, for the failed-token limit. Heroku's router appends the address it
    saw to X-Forwarded-For, after whatever the client put there: the last entry is the one
    the client cannot choose (the first would let it dodge the limit by inventing one)."""
    forwarded = request.headers.get("X-Forwarded-For", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return hops[-1] if hops else request.remote_addr or "unknown"
