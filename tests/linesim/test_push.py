"""Push and multicast: the SDK talks to the simulator, retry keys, LINE's limits, auth."""

from __future__ import annotations

import uuid

import pytest
from linebot.v3.messaging import (
    ApiException,
    MessagingApi,
    MulticastRequest,
    PushMessageRequest,
    TextMessage,
)

from linesim.client import SimClient
from linesim.process import SimulatorProcess
from tests.linesim.support import call, push_body

USER = "U" + "1" * 32


def test_push_with_the_sdk(client: SimClient, api: MessagingApi) -> None:
    since = client.last_seq()
    resp = api.push_message_with_http_info(
        PushMessageRequest(to=USER, messages=[TextMessage(text="hello")])
    )
    assert resp.status_code == 200
    assert uuid.UUID(resp.headers["x-line-request-id"])
    assert resp.data.sent_messages[0].id.isdigit()
    (record,) = client.wait_messages(1, since=since, timeout=5)
    assert record["kind"] == "push"
    assert record["to"] == USER
    assert record["request_id"] == resp.headers["x-line-request-id"]
    assert client.stats()["billable_messages"] == 1


def test_retry_key_conflict(client: SimClient, api: MessagingApi) -> None:
    key = str(uuid.uuid4())
    request = PushMessageRequest(to=USER, messages=[TextMessage(text="once")])
    first = api.push_message_with_http_info(request, x_line_retry_key=key)
    with pytest.raises(ApiException) as err:
        api.push_message(request, x_line_retry_key=key)
    assert err.value.status == 409
    assert '"The retry key is already accepted"' in str(err.value.body)
    headers = {k.lower(): v for k, v in err.value.headers.items()}
    assert headers["x-line-accepted-request-id"] == first.headers["x-line-request-id"]
    (record,) = client.messages()
    assert record["retry_key"] == key
    assert client.stats()["status_409"] == 1


def test_retry_key_must_be_a_uuid(sim: SimulatorProcess) -> None:
    headers = {"X-Line-Retry-Key": "not-a-uuid"}
    status, _, _ = call(sim.url, "POST", "/v2/bot/message/push", push_body(), headers=headers)
    assert status == 400
    assert sim.client.messages() == []


def test_multicast(client: SimClient, api: MessagingApi) -> None:
    users = [f"U{i:032x}" for i in range(3)]
    api.multicast(MulticastRequest(to=users, messages=[TextMessage(text="all")]))
    (record,) = client.messages()
    assert (record["kind"], record["to"]) == ("multicast", users)
    assert client.messages(chat=users[1]) == [record]
    assert client.stats()["billable_messages"] == 3


STICKER_WITHOUT_IDS = {"to": USER, "messages": [{"type": "sticker"}]}


@pytest.mark.parametrize(
    ("body", "props"),
    [
        (push_body(n=0), ["messages"]),
        (push_body(n=6), ["messages"]),
        (push_body(text=""), ["messages[0].text"]),
        (push_body(text="a" * 5001), ["messages[0].text"]),
        # LINE counts UTF-16 code units: 2,501 apples are 5,002 characters.
        (push_body(text="🍎" * 2501), ["messages[0].text"]),
        ({"to": USER, "messages": [{"type": "nope"}]}, ["messages[0].type"]),
        (STICKER_WITHOUT_IDS, ["messages[0].packageId", "messages[0].stickerId"]),
        ({"messages": [{"type": "text", "text": "x"}]}, ["to"]),
    ],
)
def test_push_limits(sim: SimulatorProcess, body: dict[str, object], props: list[str]) -> None:
    status, _, answer = call(sim.url, "POST", "/v2/bot/message/push", body)
    assert status == 400
    assert answer["message"] == f"The request body has {len(props)} error(s)"
    assert [d["property"] for d in answer["details"]] == props
    assert sim.client.messages() == []


def test_limits_that_pass(sim: SimulatorProcess) -> None:
    for body in (push_body(text="a" * 5000), push_body(n=5), push_body(text="🍎" * 2500)):
        assert call(sim.url, "POST", "/v2/bot/message/push", body)[0] == 200


def test_multicast_recipient_limit(sim: SimulatorProcess) -> None:
    body = {"to": [f"U{i:032x}" for i in range(501)], "messages": [{"type": "text", "text": "x"}]}
    status, _, answer = call(sim.url, "POST", "/v2/bot/message/multicast", body)
    assert status == 400
    assert answer["details"][0]["property"] == "to"


def test_malformed_bodies(sim: SimulatorProcess) -> None:
    assert call(sim.url, "POST", "/v2/bot/message/push", raw=b"{not json")[0] == 400
    assert call(sim.url, "POST", "/v2/bot/message/push", [1, 2])[0] == 400
    assert call(sim.url, "POST", "/v2/bot/message/push", raw=b"x" * (2 * 1024 * 1024 + 1))[0] == 413


def test_bearer_token(sim: SimulatorProcess) -> None:
    message = (
        "Authentication failed. Confirm that the access token in the authorization header is valid."
    )
    for token in ("wrong", None):
        status, headers, answer = call(
            sim.url, "POST", "/v2/bot/message/push", push_body(), token=token
        )
        assert (status, answer) == (401, {"message": message})
        assert headers["x-line-request-id"]
    assert sim.client.messages() == []
