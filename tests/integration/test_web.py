"""The webhook's answers, against a real redis-server and the in-repo LINE simulator.

What the web app refuses leaves Redis as it was and sends nothing to LINE; what it accepts is
handled event by event, each logged on one line; replies leave the request (the sender).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis
from flask.testing import FlaskClient
from werkzeug.serving import make_server
from werkzeug.test import TestResponse

from bot.adapters.line.replies import ReplySender
from bot.bootstrap import build_web_services
from bot.entrypoints.web import MAX_BODY_BYTES, WebServices, create_app, shutdown
from bot.lazy import once
from bot.settings import Settings
from linesim import ids
from linesim.process import SimulatorProcess, start_simulator_process
from localdev.redis_server import free_port

SECRET = "web-test-secret"
TOKEN = "web-test-access-token"
BOT_ID = "U" + "b" * 32
SIGN = object()  # "sign the body correctly"


def sign(body: bytes, secret: str = SECRET) -> str:
    return ids.sign(secret, body)


def text_event(text: str, *, user: str | None = None, token: str | None = None) -> dict[str, Any]:
    now = int(time.time() * 1000)
    return {
        "type": "message",
        "mode": "active",
        "timestamp": now,
        "source": {"type": "user", "userId": user or "U" + uuid.uuid4().hex},
        "webhookEventId": ids.ulid(now),
        "deliveryContext": {"isRedelivery": False},
        "replyToken": token or uuid.uuid4().hex,
        "message": {"id": "1", "type": "text", "quoteToken": "q", "text": text},
    }


def webhook(*events: dict[str, Any]) -> bytes:
    return json.dumps({"destination": BOT_ID, "events": list(events)}).encode()


@dataclass
class Web:
    """The Flask app (test client), its services and the simulator it talks to."""

    client: FlaskClient
    services: Callable[[], WebServices]
    sim: SimulatorProcess

    def post(self, body: bytes, signature: object = SIGN) -> TestResponse:
        headers = {} if signature is None else {"X-Line-Signature": sign(body)}
        if isinstance(signature, str):
            headers["X-Line-Signature"] = signature
        return self.client.post("/callback", data=body, headers=headers)

    @property
    def sender(self) -> ReplySender:
        line = self.services().events.line
        assert isinstance(line, ReplySender)
        return line

    def settle(self, timeout: float = 15.0) -> None:
        """Until every queued reply was sent (or given up)."""
        deadline = time.monotonic() + timeout
        while self.sender.pending():
            assert time.monotonic() < deadline, "replies still pending"
            time.sleep(0.01)  # the sender has no completion event to wait on

    def line_calls(self) -> int:
        return len(self.sim.client.requests())


def settings_for(redis_url: str, sim_url: str) -> Settings:
    return Settings(
        channel_secret=SECRET,
        channel_access_token=TOKEN,
        redis_url=redis_url,
        line_api_base_url=sim_url,
    )


@pytest.fixture(scope="module")
def webhook_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def sim(webhook_port: int) -> Iterator[SimulatorProcess]:
    url = f"http://127.0.0.1:{webhook_port}/callback"
    with start_simulator_process(
        webhook_url=url, channel_secret=SECRET, access_token=TOKEN
    ) as proc:
        yield proc


def make_web(redis_url: str, sim: SimulatorProcess) -> Web:
    settings = settings_for(redis_url, sim.url)
    services = once(lambda: build_web_services(settings))
    return Web(create_app(settings, services).test_client(), services, sim)


@pytest.fixture
def web(redis_url: str, sim: SimulatorProcess) -> Iterator[Web]:
    sim.client.reset()
    yield make_web(redis_url, sim)
    shutdown(5.0)


NOT_WEBHOOKS = [
    b"not json",
    b'{"foo": 1}',
    b"[]",
    b'"text"',
    b"null",
    b"1e999",
    b'{"events": "x"}',
    b'{"events": {"0": {}}}',
    b'{"events": [1]}',
    b'{"events": [{}]}',
    b'{"events": [{"type": "message"}]}',
    b'{"events": [{"type": "message", "mode": "active", "timestamp": "soon"}]}',
    b'{"events": [], "x": "\xff\xfe"}',  # not UTF-8
    b'{"events": [], "n": NaN}',
    b'{"events": [], "n": -Infinity}',
    b'{"events": [], "n": 1e400}',
    b'{"events": [], "n": 123456789012345678901234567890}',
    b'{"events": [], "n": ' + b"9" * 5000 + b"}",
    b"[" * 100_000 + b"]" * 100_000,
    b'{"events": [' + b'{"a":' * 50_000 + b"1" + b"}" * 50_000 + b"]}",
    b'{"events": [{"type": "x", "timestamp": ' + b"[" * 30_000 + b"]" * 30_000 + b"}]}",
]


@pytest.mark.parametrize("body", NOT_WEBHOOKS, ids=lambda b: repr(b[:40]))
def test_signed_body_that_is_not_a_webhook_is_400_and_changes_nothing(
    body: bytes, web: Web, redis_client: redis.Redis
) -> None:
    assert web.post(body).status_code == 400
    assert redis_client.dbsize() == 0
    assert web.line_calls() == 0


def test_event_fields_of_the_wrong_type_or_range_are_400(
    web: Web, redis_client: redis.Redis
) -> None:
    for field, value in [
        ("timestamp", 10**15),  # past year 9999 once a timer is added
        ("timestamp", -1),
        ("timestamp", 1.5),
        ("timestamp", True),
        ("source", "me"),
        ("message", [1]),
        ("type", 7),
    ]:
        event = text_event("3")
        event[field] = value
        assert web.post(webhook(event)).status_code == 400, (field, value)
    assert redis_client.dbsize() == 0
    assert web.line_calls() == 0


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Line-Signature": ""}, {"X-Line-Signature": "bm9wZQ=="}, {"x-line-signature": "x"}],
)
def test_missing_or_wrong_signature_is_400(
    headers: dict[str, str], web: Web, redis_client: redis.Redis
) -> None:
    body = webhook(text_event("3"))
    assert web.client.post("/callback", data=body, headers=headers).status_code == 400
    assert web.post(body, "é" + sign(body)).status_code == 400  # not even ASCII
    assert redis_client.dbsize() == 0
    assert web.line_calls() == 0


def test_signature_with_another_secret_is_400(web: Web, redis_client: redis.Redis) -> None:
    body = webhook(text_event("3"))
    assert web.post(body, sign(body, "another-secret")).status_code == 400
    assert redis_client.dbsize() == 0


def test_body_over_the_limit_is_413(web: Web, redis_client: redis.Redis) -> None:
    """Announced by Content-Length here; the chunked case runs through gunicorn (e2e)."""
    event = text_event("3")
    event["message"]["text"] = "x" * (3 * 1024 * 1024)
    body = webhook(event)
    assert len(body) > MAX_BODY_BYTES
    assert web.post(body).status_code == 413
    assert redis_client.dbsize() == 0
    assert web.line_calls() == 0


def test_console_verify_is_200_and_header_case_does_not_matter(web: Web) -> None:
    body = b'{"destination": "Uxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "events": []}'
    response = web.client.post("/callback", data=body, headers={"x-line-signature": sign(body)})
    assert response.status_code == 200


def test_get_on_callback_is_405_not_500(web: Web) -> None:
    assert web.client.get("/callback").status_code == 405


def test_healthz_follows_redis(web: Web, sim: SimulatorProcess) -> None:
    assert web.client.get("/healthz").status_code == 200
    closed = make_web(f"redis://127.0.0.1:{free_port()}/0", sim)
    assert closed.client.get("/healthz").status_code == 503


def test_redis_outage_is_503_so_line_redelivers(sim: SimulatorProcess) -> None:
    closed = make_web(f"redis://127.0.0.1:{free_port()}/0", sim)
    try:
        assert closed.post(webhook(text_event("3"))).status_code == 503
    finally:
        shutdown(1.0)


def test_each_event_logs_one_line_without_text_or_token(
    web: Web, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    event = text_event("3分 ひみつのラベル", token="c0ffee" * 5 + "00")
    assert web.post(webhook(event, text_event("ヘルプ"))).status_code == 200
    web.settle()
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("event ")]
    assert len(lines) == 2
    assert lines[0].startswith(f"event id={event['webhookEventId']} type=message/text ")
    assert " outcome=timer ms=" in lines[0]
    everything = "\n".join(r.getMessage() for r in caplog.records)
    for secret in ("ひみつのラベル", event["replyToken"], TOKEN, SECRET):
        assert secret not in everything


class _FailsFor:
    """The real sender, except that a reply with one token raises (a bug in one event)."""

    def __init__(self, real: ReplySender, token: str) -> None:
        self.real, self.token = real, token

    def reply(self, reply_token: str, replies: list[Any]) -> bool:
        if reply_token == self.token:
            raise ValueError("simulated bug while handling one event")
        return self.real.reply(reply_token, replies)


def test_one_failing_event_does_not_stop_the_others(
    redis_url: str, sim: SimulatorProcess, webhook_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    """Through a real HTTP server, so the simulator's own tokens make the replies arrive."""
    sim.client.reset()
    caplog.set_level(logging.INFO)
    settings = settings_for(redis_url, sim.url)
    real = build_web_services(settings)
    bad_token: list[str] = []

    def services() -> WebServices:
        line = _FailsFor(real.events.line, bad_token[0])  # type: ignore[arg-type]
        return WebServices(real.redis, dataclasses.replace(real.events, line=line))

    server = make_server("127.0.0.1", webhook_port, create_app(settings, services), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        user = "U" + uuid.uuid4().hex
        # The simulator keeps a token it is given (unknown to it: never replied to) and
        # issues one for the other event, whose reply must arrive.
        bad = text_event("ヘルプ", user=user, token="f00d" * 8)
        bad_token.append(bad["replyToken"])
        since = sim.client.last_seq()
        good = {"type": "message", "message": {"type": "text", "text": "ヘルプ"},
                "source": {"type": "user", "userId": user}}  # fmt: skip
        answer = sim.client.send_events([bad, good])
        assert answer["status"] == 200, answer
        got = sim.client.wait_messages(1, since=since, chat=user, timeout=10)
        assert len(got) == 1
        errors = [r.getMessage() for r in caplog.records if "outcome=error" in r.getMessage()]
        assert errors
        assert "error=ValueError" in errors[0]
        assert "simulated bug" not in "\n".join(r.getMessage() for r in caplog.records)
    finally:
        server.shutdown()
        shutdown(5.0)
