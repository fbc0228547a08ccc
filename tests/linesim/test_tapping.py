"""Tapping: postback webhooks, the webhook log, LINE's limits on Flex, quick replies, pickers."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from linebot.v3.messaging import FlexMessage, MessagingApi, PushMessageRequest
from linebot.v3.webhooks import PostbackEvent

from linesim.client import SimClient, SimError
from linesim.process import SimulatorProcess
from tests.linesim.samples import carousel, picker_action, quick_reply
from tests.linesim.support import Receiver, call

USER = "U" + "2" * 32
GROUP = "C" + "3" * 32


def _push(sim: SimulatorProcess, *messages: dict[str, Any]) -> tuple[int, Any]:
    status, _, body = call(
        sim.url, "POST", "/v2/bot/message/push", {"to": USER, "messages": list(messages)}
    )
    return status, body


def _props(body: Any) -> list[str]:
    return [d["property"] for d in body["details"]]


def test_postback_webhook_is_parsed_by_the_sdk(client: SimClient, receiver: Receiver) -> None:
    since = client.webhooks()[-1]["seq"] if client.webhooks() else 0
    first = client.send_postback("snooze:42", user_id=USER)
    second = client.send_postback("pick:1", {"datetime": "2030-01-02T07:30"}, USER, group_id=GROUP)
    assert first["status"] == second["status"] == 200
    a, b = receiver.events
    assert isinstance(a, PostbackEvent)
    assert isinstance(b, PostbackEvent)
    assert a.postback.data == "snooze:42"
    assert a.postback.params is None
    assert b.postback.params == {"datetime": "2030-01-02T07:30"}
    assert b.source.group_id == GROUP
    assert a.reply_token
    assert a.reply_token != b.reply_token
    assert a.webhook_event_id != b.webhook_event_id
    logged = client.webhooks(since=since, event_type="postback")
    assert [w["events"][0]["postback"]["data"] for w in logged] == ["snooze:42", "pick:1"]
    assert client.webhooks(since=since, chat=GROUP)[0]["status"] == 200
    assert client.wait_webhooks(3, since=since, timeout=0.2) == logged


def test_postback_data_is_checked(client: SimClient) -> None:
    for body in ({"data": "x" * 301}, {"data": 1}, {"data": "x", "params": {"when": "now"}}):
        with pytest.raises(SimError) as err:
            client._post("/_sim/webhook/postback", body)
        assert err.value.status == 400


def test_flex_carousel_and_picker_pass(sim: SimulatorProcess, api: MessagingApi) -> None:
    message = carousel(12)
    api.push_message(PushMessageRequest(to=USER, messages=[FlexMessage.from_dict(message)]))
    (record,) = sim.client.messages()
    assert record["messages"][0]["contents"]["type"] == "carousel"
    assert record["messages"][0]["quickReply"]["items"][0]["action"]["mode"] == "datetime"


def _with(path: str, value: Any) -> dict[str, Any]:
    """The sample carousel with one field changed, e.g. `contents.contents.0.footer...`."""
    message = copy.deepcopy(carousel(2))
    node: Any = message
    keys = path.split(".")
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node[key]
    node[keys[-1]] = value
    return message


BUTTON = "contents.contents.0.footer.contents.0.action"
PICK = "quickReply.items.0.action"
Q = "messages[0].quickReply.items[0].action."
BACKWARDS = {"min": "2030-01-02T00:00", "max": "2030-01-01T23:59"}
ONE = carousel(1)["contents"]["contents"][0]
BAD = [
    (_with("altText", "あ" * 1501), "messages[0].altText"),
    (_with("altText", ""), "messages[0].altText"),
    (_with("contents", {"type": "carousel", "contents": [ONE] * 13}),
     "messages[0].contents.contents"),
    (_with("contents", {"type": "box"}), "messages[0].contents"),
    (_with(BUTTON + ".data", "d" * 301), f"messages[0].{BUTTON.replace('.0.', '[0].')}.data"),
    (_with("quickReply", quick_reply(*[{"type": "message", "label": "a", "text": "a"}] * 14)),
     "messages[0].quickReply.items"),
    (_with("quickReply", quick_reply({"type": "message", "label": "長" * 21, "text": "a"})),
     Q + "label"),
    (_with(PICK + ".mode", "week"), Q + "mode"),
    (_with(PICK + ".initial", "2030/01/01 07:00"), Q + "initial"),
    (_with(PICK + ".initial", "2030-02-30T07:00"), Q + "initial"),
    (_with(PICK + ".max", "2101-01-01T00:00"), Q + "max"),
    (_with(PICK + ".min", "1899-12-31T23:59"), Q + "min"),
    (_with("quickReply", quick_reply(picker_action(**BACKWARDS))),
     Q + "max"),
    (_with("quickReply", quick_reply(picker_action(mode="date", initial="2030-01-01T00:00"))),
     Q + "initial"),
    (_with("quickReply", quick_reply(picker_action(mode="time", initial="24:00"))),
     Q + "initial"),
]  # fmt: skip


@pytest.mark.parametrize(("message", "prop"), BAD)
def test_tapping_limits(sim: SimulatorProcess, message: dict[str, Any], prop: str) -> None:
    status, body = _push(sim, message)
    assert status == 400, body
    assert body["message"].startswith("The request body has")
    assert prop in _props(body)
    assert sim.client.messages() == []


def test_picker_modes_and_bounds_that_pass(sim: SimulatorProcess) -> None:
    text = {"type": "text", "text": "いつ?"}
    pickers = [
        picker_action(mode="date", initial="2030-01-01", min="1900-01-01", max="2100-12-31"),
        picker_action(mode="time", initial="06:15", min="00:00", max="23:59"),
        picker_action(initial="2100-12-31T23:59", min="1900-01-01T00:00"),
        {"type": "postback", "label": "完了", "data": "d" * 300, "displayText": "完了"},
        {"type": "message", "label": "あ" * 20, "text": "ゴミ出し"},
    ]
    status, body = _push(sim, {**text, "quickReply": quick_reply(*pickers)})
    assert status == 200, body


def test_sdk_still_checks_the_shapes(sim: SimulatorProcess) -> None:
    bubble = {"type": "bubble", "body": {"type": "box", "layout": "diagonal", "contents": []}}
    status, body = _push(sim, {"type": "flex", "altText": "x", "contents": bubble})
    assert status == 400
    assert any(p.startswith("messages[0]") for p in _props(body))


def test_webhook_log_keeps_redeliveries_and_forgets_on_reset(client: SimClient) -> None:
    sent = client.send_postback("done:1", user_id=USER)
    again = client.redeliver(sent["event"]["webhookEventId"])
    first, second = client.webhooks()
    assert first["events"][0] == sent["event"]
    assert second["events"][0]["deliveryContext"] == {"isRedelivery": True}
    assert again["event"]["replyToken"] == sent["event"]["replyToken"]
    assert second["sent_at_ms"] >= first["sent_at_ms"]
    client.reset()
    assert client.webhooks() == []
    assert client.wait_webhooks(1, timeout=0.1) == []
