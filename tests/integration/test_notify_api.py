"""POST /api/notify and /api/reminders through Flask's test client, against a real
redis-server: every status LINE Notify answered, its headers on every answer, the failed-token
limit per client address, and what is (and is not) stored."""

from __future__ import annotations

import dataclasses
import time
from typing import cast

import pytest
import redis
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from bot.adapters.redis import keys
from bot.adapters.redis.notify_store import NotifyStore
from bot.adapters.redis.reminder_store import ReminderStore
from bot.domain.notify import FAILED_TOKENS_PER_MINUTE, MAX_MESSAGE_CHARS, digest, new_token
from bot.domain.reminders import Kind, Reminder, split_member
from bot.entrypoints.web import WebServices, create_app
from bot.service.notify_api import NotifyApi
from bot.service.webhook_events import EventContext
from tests.integration.handler_support import USER, ctx

__all__ = ["ctx"]  # the fixture

LIMIT = 3
HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


@dataclasses.dataclass
class Api:
    client: FlaskClient
    redis: redis.Redis
    token: str
    held: list[bool]

    def notify(self, token: str | None = None, *, via: str = "form", **fields: str) -> TestResponse:
        return self.post("/api/notify", token, via, fields)

    def remind(self, token: str | None = None, *, via: str = "form", **fields: str) -> TestResponse:
        return self.post("/api/reminders", token, via, fields)

    def post(self, path: str, token: str | None, via: str, fields: dict[str, str]) -> TestResponse:
        headers = {k.replace("_", "-"): v for k, v in fields.items() if k[0].isupper()}
        body = {k: v for k, v in fields.items() if not k[0].isupper()}
        if token != "":
            headers["Authorization"] = f"Bearer {token or self.token}"
        if via == "json":
            return self.client.post(path, json=body, headers=headers)
        content_type = "multipart/form-data" if via == "multipart" else None
        return self.client.post(path, data=body, headers=headers, content_type=content_type)

    def waiting(self) -> list[Reminder]:
        out = []
        for member in cast(list[bytes], self.redis.zrange(keys.NOTIFY_DUE, 0, -1)):
            chat, rid = split_member(member.decode())
            record = self.redis.hget(keys.NOTIFY_QUEUE.chat_key(chat), rid)
            assert record is not None
            out.append(Reminder.decode(chat, rid, record))
        return out


@pytest.fixture
def api(ctx: EventContext, redis_client: redis.Redis) -> Api:
    settings = dataclasses.replace(ctx.settings, notify_rate_per_hour=LIMIT)
    store = NotifyStore(redis_client)
    held = [False]
    service = NotifyApi(store, ReminderStore(redis_client), settings, quota_held=lambda: held[0])
    services = WebServices(redis_client, dataclasses.replace(ctx, notify=store), service)
    app = create_app(settings, lambda: services)
    token = new_token()
    store.issue(USER, digest(token), 0, cap=10)
    return Api(app.test_client(), redis_client, token, held)


def assert_rate_headers(response: TestResponse, limit: int, remaining: int) -> None:
    assert response.headers["X-RateLimit-Limit"] == str(limit)
    assert response.headers["X-RateLimit-Remaining"] == str(remaining)
    reset = int(response.headers["X-RateLimit-Reset"])
    now = time.time()
    window = 3600 if limit == LIMIT else 60
    assert now <= reset <= now + window + 1


@pytest.mark.parametrize("via", ["form", "multipart", "json"])
def test_a_message_is_queued_for_the_chat_and_answered_as_notify_did(api: Api, via: str) -> None:
    response = api.notify(message="ビルド失敗 | main", via=via)

    assert response.status_code == 200
    assert response.get_json() == {"status": 200, "message": "ok"}
    assert_rate_headers(response, LIMIT, LIMIT - 1)
    (queued,) = api.waiting()
    assert (queued.chat_id, queued.kind, queued.label) == (USER, Kind.NOTIFY, "ビルド失敗 | main")
    assert queued.occurrence_ms <= time.time() * 1000  # due now
    last_used = api.redis.hget(
        keys.NOTIFY_TOKEN_FORMAT.format(digest=digest(api.token)), "last_used_ms"
    )
    assert int(last_used or 0) > 0


def test_a_retried_request_with_the_same_id_is_queued_once(api: Api) -> None:
    for header in ("X_Request_Id", "Idempotency_Key"):
        token = new_token()  # a retry counts as a call: a token of its own for each header
        NotifyStore(api.redis).issue(USER, digest(token), 0, cap=10)
        first = api.notify(token, message="一度だけ", **{header: f"job-{header}"})
        again = api.notify(token, message="一度だけ", **{header: f"job-{header}"})
        assert (first.status_code, again.status_code) == (200, 200)
    assert len(api.waiting()) == 2  # one per id


@pytest.mark.parametrize("token", ["", "not-a-token", new_token()])
def test_a_missing_or_unknown_token_is_401_and_nothing_is_queued(api: Api, token: str) -> None:
    response = api.notify(token, message="x")

    assert response.status_code == 401
    assert response.get_json() == {"status": 401, "message": "Invalid access token"}
    assert_rate_headers(response, FAILED_TOKENS_PER_MINUTE, FAILED_TOKENS_PER_MINUTE - 1)
    assert api.waiting() == []


def test_a_revoked_token_is_401(api: Api) -> None:
    assert api.notify(message="before").status_code == 200
    NotifyStore(api.redis).revoke_all(USER)

    assert api.notify(message="after").status_code == 401
    assert [m.label for m in api.waiting()] == ["before"]


@pytest.mark.parametrize(
    ("fields", "why"),
    [({}, "must not be empty"), ({"message": ""}, "must not be empty"),
     ({"message": "x" * (MAX_MESSAGE_CHARS + 1)}, "at most 1000")],
)  # fmt: skip
def test_a_missing_or_too_long_message_is_400(api: Api, fields: dict[str, str], why: str) -> None:
    response = api.notify(**fields)

    assert response.status_code == 400
    assert why in response.get_json()["message"]
    assert_rate_headers(response, LIMIT, LIMIT - 1)
    assert api.waiting() == []


def test_a_message_of_exactly_1000_characters_is_accepted(api: Api) -> None:
    assert api.notify(message="あ" * MAX_MESSAGE_CHARS).status_code == 200


def test_over_the_hourly_limit_is_429_with_nothing_remaining(api: Api) -> None:
    answers = [api.notify(message=f"n{i}") for i in range(LIMIT + 1)]

    assert [a.status_code for a in answers] == [200] * LIMIT + [429]
    assert answers[-1].get_json() == {"status": 429, "message": "Rate limit exceeded"}
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert_rate_headers(answers[-1], LIMIT, 0)
    assert len(api.waiting()) == LIMIT
    ttl = api.redis.ttl(keys.NOTIFY_RATE_FORMAT.format(digest=digest(api.token)))
    assert 0 < ttl <= keys.NOTIFY_RATE_WINDOW_S


def test_more_than_ten_failed_tokens_a_minute_from_one_address_get_429(api: Api) -> None:
    spoofed = [api.notify(new_token(), message="x", X_Forwarded_For=f"10.0.0.{i}, 203.0.113.7")
               for i in range(FAILED_TOKENS_PER_MINUTE)]  # fmt: skip
    assert {a.status_code for a in spoofed} == {401}  # the first hop is the client's to choose

    blocked = api.notify(message="x", X_Forwarded_For="10.9.9.9, 203.0.113.7")  # a good token

    assert blocked.status_code == 429
    assert "invalid access tokens" in blocked.get_json()["message"]
    assert_rate_headers(blocked, FAILED_TOKENS_PER_MINUTE, 0)
    assert api.waiting() == []
    other = api.notify(message="x", X_Forwarded_For="198.51.100.1")
    assert other.status_code == 200  # another address is not affected
    ttl = api.redis.ttl(keys.NOTIFY_FAILED_FORMAT.format(address="203.0.113.7"))
    assert 0 < ttl <= keys.NOTIFY_FAILED_WINDOW_S


def test_without_a_forwarded_header_the_peer_address_counts(api: Api) -> None:
    for _ in range(FAILED_TOKENS_PER_MINUTE):
        assert api.notify(new_token(), message="x").status_code == 401
    assert api.notify(message="x").status_code == 429
    assert api.redis.exists(keys.NOTIFY_FAILED_FORMAT.format(address="127.0.0.1"))


def test_while_the_months_quota_is_held_the_api_answers_429(api: Api) -> None:
    api.held[0] = True

    response = api.notify(message="x")

    assert response.status_code == 429
    assert "quota" in response.get_json()["message"]
    assert_rate_headers(response, LIMIT, LIMIT - 1)
    assert api.waiting() == []


def test_a_reminder_is_set_through_the_parser_and_described(
    api: Api, redis_client: redis.Redis
) -> None:
    response = api.remind(text="明日9時 ゴミ出し")

    assert response.status_code == 200
    body = response.get_json()
    assert (body["kind"], body["label"], body["text"]) == ("once", "ゴミ出し", "明日9時 ゴミ出し")
    assert body["next"][0].endswith("T09:00:00+09:00")
    (stored,) = ReminderStore(redis_client).pending(USER)
    assert (stored.kind, stored.label) == (Kind.ONCE, "ゴミ出し")
    assert stored.occurrence_ms == int(_iso_ms(body["next"][0]))
    assert_rate_headers(response, LIMIT, LIMIT - 1)


def test_a_reminder_request_retried_with_its_id_is_stored_once(
    api: Api, redis_client: redis.Redis
) -> None:
    for _ in range(2):
        assert api.remind(text="毎日 7:30 起きる", via="json", X_Request_Id="r1").status_code == 200
    (stored,) = ReminderStore(redis_client).pending(USER)
    assert stored.kind is Kind.RECURRING


@pytest.mark.parametrize(
    ("text", "kind"), [("来月 会議", "ask"), ("こんにちは", "greeting"), ("買い物", "unreadable")]
)
def test_an_ask_or_unreadable_text_is_400_with_the_reading_and_stores_nothing(
    api: Api, redis_client: redis.Redis, text: str, kind: str
) -> None:
    response = api.remind(text=text)

    assert response.status_code == 400
    assert response.get_json()["kind"] == kind
    assert ReminderStore(redis_client).pending(USER) == []
    assert_rate_headers(response, LIMIT, LIMIT - 1)


def test_the_reminders_endpoint_signs_in_like_notify(api: Api) -> None:
    assert api.remind(new_token(), text="3分").status_code == 401
    assert api.remind(text="").status_code == 400


def test_redis_down_is_503(ctx: EventContext) -> None:
    down = redis.Redis(port=1, socket_connect_timeout=0.2)
    service = NotifyApi(NotifyStore(down), ReminderStore(down), ctx.settings)
    app = create_app(ctx.settings, lambda: WebServices(down, ctx, service))

    response = app.test_client().post(
        "/api/notify", data={"message": "x"}, headers={"Authorization": "Bearer t"}
    )

    assert response.status_code == 503
    assert response.get_json()["status"] == 503


def _iso_ms(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text).timestamp() * 1000
