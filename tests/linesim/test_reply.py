"""Reply tokens: issued with webhooks, single use, expiring; replies through the unmodified SDK."""

from __future__ import annotations

import time

import pytest
from linebot.v3.messaging import ApiException, MessagingApi, ReplyMessageRequest, TextMessage

from linesim import DEMO_USER_ID
from linesim.client import SimClient, SimError
from linesim.process import SimulatorProcess
from tests.linesim.support import Receiver, call


def _reply(api: MessagingApi, token: str, text: str = "hi") -> None:
    api.reply_message(ReplyMessageRequest(reply_token=token, messages=[TextMessage(text=text)]))


def test_bot_echo_round_trip(client: SimClient, receiver: Receiver) -> None:
    receiver.auto_reply = True
    since = client.last_seq()
    event = client.send_text("ping")["event"]
    (record,) = client.wait_messages(1, since=since, chat=DEMO_USER_ID, timeout=5)
    assert record["kind"] == "reply"
    assert record["to"] == DEMO_USER_ID
    assert record["reply_token"] == event["replyToken"]
    assert record["messages"] == [{"type": "text", "text": "echo: ping"}]
    assert record["retry_key"] is None
    assert record["received_at_ms"] <= time.time() * 1000
    assert client.messages(chat="U" + "9" * 32) == []


def test_reply_token_is_single_use(client: SimClient, api: MessagingApi) -> None:
    token = client.send_text("once")["event"]["replyToken"]
    _reply(api, token)
    with pytest.raises(ApiException) as err:
        _reply(api, token)
    assert err.value.status == 400
    assert '"Invalid reply token"' in str(err.value.body)
    assert len(client.messages()) == 1


def test_unknown_reply_token(sim: SimulatorProcess) -> None:
    body = {"replyToken": "0" * 32, "messages": [{"type": "text", "text": "x"}]}
    status, headers, answer = call(sim.url, "POST", "/v2/bot/message/reply", body)
    assert (status, answer) == (400, {"message": "Invalid reply token"})
    assert headers["x-line-request-id"]


def test_reply_token_expires(client: SimClient, api: MessagingApi) -> None:
    client.set_faults(reply_token_ttl_s=0.2)
    fresh = client.send_text("fresh")["event"]["replyToken"]
    stale = client.send_text("stale")["event"]["replyToken"]
    _reply(api, fresh)
    time.sleep(0.25)
    with pytest.raises(ApiException) as err:
        _reply(api, stale)
    assert err.value.status == 400


def test_redelivered_token_works_once(client: SimClient, api: MessagingApi) -> None:
    client.set_faults(reply_token_ttl_s=0.2)
    event = client.send_text("later")["event"]
    time.sleep(0.25)
    # Redelivery renews the window of an unused token.
    client.redeliver(event["webhookEventId"])
    _reply(api, event["replyToken"])
    client.redeliver(event["webhookEventId"])
    with pytest.raises(ApiException):
        _reply(api, event["replyToken"])


def test_group_reply_goes_to_the_group(client: SimClient, api: MessagingApi) -> None:
    group = "C" + "7" * 32
    token = client.send_text("g", group_id=group)["event"]["replyToken"]
    _reply(api, token)
    (record,) = client.messages(chat=group)
    assert record["to"] == group


def test_reply_rejects_retry_key(sim: SimulatorProcess) -> None:
    token = sim.client.send_text("k")["event"]["replyToken"]
    body = {"replyToken": token, "messages": [{"type": "text", "text": "x"}]}
    headers = {"X-Line-Retry-Key": "123e4567-e89b-12d3-a456-426614174000"}
    status, _, _ = call(sim.url, "POST", "/v2/bot/message/reply", body, headers=headers)
    assert status == 400
    assert sim.client.messages() == []


def test_issued_reply_tokens(client: SimClient, api: MessagingApi) -> None:
    """A bench that signs its own webhooks has linesim issue their tokens first."""
    chat = "U" + "5" * 32
    assert client.issue_reply_tokens([("a" * 32, chat)]) == 1
    _reply(api, "a" * 32)
    (record,) = client.messages(chat=chat)
    assert record["kind"] == "reply"
    with pytest.raises(ApiException):
        _reply(api, "a" * 32)  # single use, like any other
    with pytest.raises(SimError):
        client.issue_reply_tokens([("b" * 32, "")])
