"""An enforced monthly quota: the monthly-limit 429 once it is spent (a group billed per
member), the quota endpoints reporting the same count, and the control endpoint that raises it."""

from __future__ import annotations

import pytest
from linebot.v3.messaging import MessagingApi, PushMessageRequest, TextMessage
from linebot.v3.messaging.exceptions import ApiException

from linesim.client import SimClient
from tests.linesim.support import call

USER = "U" + "1" * 32
GROUP = "C" + "9" * 32
MEMBERS = ("U" + "6" * 32, "U" + "7" * 32, "U" + "8" * 32)


def push(api: MessagingApi, to: str) -> None:
    api.push_message(PushMessageRequest(to=to, messages=[TextMessage(text="x")] * 2))


def test_pushes_are_refused_once_an_enforced_quota_is_spent(
    client: SimClient, api: MessagingApi
) -> None:
    for user in MEMBERS:
        client.send_text("hi", user, group_id=GROUP)
    assert client.set_quota(limit=5, enforced=True) == {
        "limit": 5,
        "used": 0,
        "remaining": 5,
        "enforced": True,
    }
    push(api, USER)
    push(api, GROUP)  # three members: 1 + 3 = 4 of 5
    with pytest.raises(ApiException) as refused:
        push(api, GROUP)  # would need 3 more, 1 is left
    assert refused.value.status == 429
    assert "You have reached your monthly limit." in str(refused.value.body)
    push(api, USER)  # the last one fits
    with pytest.raises(ApiException) as spent:
        push(api, USER)
    assert spent.value.status == 429
    assert api.get_message_quota().value == 5
    assert api.get_message_quota_consumption().total_usage == 5  # refused ones cost nothing
    assert client.quota()["remaining"] == 0
    # Raising the plan (the operator's side): pushes go again, counted on from 5.
    assert client.set_quota(limit=10)["remaining"] == 5
    push(api, USER)
    assert api.get_message_quota_consumption().total_usage == 6
    # A new month: consumption back to 0.
    assert client.set_quota(used=0)["used"] == 0


def test_an_unenforced_quota_is_neither_reported_nor_enforced(
    client: SimClient, api: MessagingApi
) -> None:
    client.set_quota(limit=1)
    push(api, USER)
    push(api, USER)
    assert api.get_message_quota().to_dict() == {"type": "none"}
    assert api.get_message_quota_consumption().total_usage == 2
    assert client.quota() == {"limit": 1, "used": 2, "remaining": 0, "enforced": False}


def test_the_quota_control_endpoint_refuses_bad_values(client: SimClient) -> None:
    for body in ({"limit": -1}, {"used": "3"}, {"limt": 3}, {"enforced": True, "used": -2}):
        status, _, _ = call(client.base_url, "POST", "/_sim/quota", body=body)
        assert status == 400, body
    assert client.quota()["enforced"] is False
