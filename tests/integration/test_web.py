"""The webhook's answers to bad input, against a real redis-server (nothing is stored)."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
import redis
from flask.testing import FlaskClient

from bot.entrypoints.web import create_app
from bot.settings import Settings
from localdev.redis_server import free_port

SECRET = "web-test-secret"


def _sign(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def _client(redis_url: str) -> FlaskClient:
    settings = Settings(
        channel_secret=SECRET,
        channel_access_token="unused",
        redis_url=redis_url,
        line_api_base_url="http://127.0.0.1:9",  # never called by these tests
    )
    return create_app(settings).test_client()


NOT_WEBHOOKS = [
    b"not json",
    b'{"foo": 1}',
    b"[]",
    b'"text"',
    b"null",
    b'{"events": "x"}',
    b'{"events": [1]}',
    b'{"events": [{}]}',
    b'{"events": [{"type": "message"}]}',
    b'{"events": [{"type": "message", "mode": "active", "timestamp": "soon"}]}',
]


@pytest.mark.parametrize("body", NOT_WEBHOOKS)
def test_signed_body_that_is_not_a_webhook_is_400_and_changes_nothing(
    body: bytes, redis_url: str, redis_client: redis.Redis
) -> None:
    response = _client(redis_url).post(
        "/callback", data=body, headers={"X-Line-Signature": _sign(body)}
    )
    assert response.status_code == 400
    assert redis_client.dbsize() == 0


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Line-Signature": ""}, {"X-Line-Signature": "bm9wZQ=="}, {"x-line-signature": "x"}],
)
def test_missing_or_wrong_signature_is_400(
    headers: dict[str, str], redis_url: str, redis_client: redis.Redis
) -> None:
    body = b'{"destination": "U1", "events": []}'
    response = _client(redis_url).post("/callback", data=body, headers=headers)
    assert response.status_code == 400
    assert redis_client.dbsize() == 0


def test_signature_with_another_secret_is_400(redis_url: str) -> None:
    body = b'{"destination": "U1", "events": []}'
    headers = {"X-Line-Signature": _sign(body, "another-secret")}
    assert _client(redis_url).post("/callback", data=body, headers=headers).status_code == 400


def test_console_verify_is_200_and_header_case_does_not_matter(redis_url: str) -> None:
    body = b'{"destination": "Uxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "events": []}'
    response = _client(redis_url).post(
        "/callback", data=body, headers={"x-line-signature": _sign(body)}
    )
    assert response.status_code == 200


def test_get_on_callback_is_405_not_500(redis_url: str) -> None:
    assert _client(redis_url).get("/callback").status_code == 405


def test_healthz_follows_redis(redis_url: str) -> None:
    assert _client(redis_url).get("/healthz").status_code == 200
    closed = f"redis://127.0.0.1:{free_port()}/0"
    assert _client(closed).get("/healthz").status_code == 503
