"""Rich menus and the message quota, called with the SDK as the bot would."""

from __future__ import annotations

import urllib.request
from typing import Any

import pytest
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
    PushMessageRequest,
    RichMenuRequest,
    TextMessage,
)

from linesim.client import SimClient
from linesim.process import SimulatorProcess
from tests.linesim.support import TOKEN, call

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
USER = "U" + "4" * 32


def menu(height: int = 843, **extra: Any) -> dict[str, Any]:
    half = {"x": 0, "y": 0, "width": 1250, "height": height}
    return {
        "size": {"width": 2500, "height": height},
        "selected": True,
        "name": "main",
        "chatBarText": "メニュー",
        "areas": [
            {"bounds": half, "action": {"type": "message", "label": "一覧", "text": "一覧"}},
            {
                "bounds": {**half, "x": 1250},
                "action": {"type": "postback", "label": "ヘルプ", "data": "help"},
            },
        ],
        **extra,
    }


@pytest.fixture
def blob(sim: SimulatorProcess) -> Any:
    with ApiClient(Configuration(host=sim.url, access_token=TOKEN)) as api_client:
        yield MessagingApiBlob(api_client)


def test_rich_menu_life_cycle(sim: SimulatorProcess, api: MessagingApi, blob: Any) -> None:
    menu_id = api.create_rich_menu(RichMenuRequest.from_dict(menu())).rich_menu_id
    assert menu_id.startswith("richmenu-")
    assert [m.rich_menu_id for m in api.get_rich_menu_list().richmenus] == [menu_id]
    with pytest.raises(ApiException) as err:
        api.set_default_rich_menu(menu_id)  # no image yet
    assert err.value.status == 400
    blob.set_rich_menu_image(menu_id, body=bytearray(PNG), _headers={"Content-Type": "image/png"})
    with pytest.raises(ApiException) as err:
        blob.set_rich_menu_image(
            menu_id, body=bytearray(PNG), _headers={"Content-Type": "image/png"}
        )
    assert err.value.status == 400
    api.set_default_rich_menu(menu_id)
    assert api.get_default_rich_menu_id().rich_menu_id == menu_id
    page = sim.client._get("/_sim/richmenu")
    assert page["richMenu"]["areas"][1]["action"]["data"] == "help"
    with urllib.request.urlopen(sim.url + page["image"], timeout=5) as resp:
        assert resp.read() == PNG
    assert bytes(blob.get_rich_menu_image(menu_id)) == PNG
    api.cancel_default_rich_menu()
    with pytest.raises(ApiException) as err:
        api.get_default_rich_menu_id()
    assert err.value.status == 404
    api.set_default_rich_menu(menu_id)
    api.delete_rich_menu(menu_id)
    assert api.get_rich_menu_list().richmenus == []
    assert sim.client._get("/_sim/richmenu") == {"richMenu": None}
    status, _, _ = call(sim.url, "DELETE", f"/v2/bot/richmenu/{menu_id}")
    assert status == 404


@pytest.mark.parametrize(
    ("body", "prop"),
    [
        (menu(height=1000), "size"),
        (menu(chatBarText="メ" * 15), "chatBarText"),
        (menu(areas=[]), "areas"),
        (menu(areas=[{"bounds": {"x": 2000, "y": 0, "width": 1000, "height": 843},
                      "action": {"type": "message", "text": "a"}}]), "areas[0].bounds"),
        (menu(areas=[{"bounds": {"x": 0, "y": 0, "width": 10, "height": 10},
                      "action": {"type": "postback", "data": "x" * 301}}]), "areas[0].action.data"),
    ],
)  # fmt: skip
def test_rich_menu_limits(sim: SimulatorProcess, body: dict[str, Any], prop: str) -> None:
    status, _, answer = call(sim.url, "POST", "/v2/bot/richmenu", body)
    assert status == 400, answer
    assert prop in [d["property"] for d in answer["details"]]


def test_rich_menu_image_checks(sim: SimulatorProcess, api: MessagingApi) -> None:
    menu_id = api.create_rich_menu(RichMenuRequest.from_dict(menu(1686))).rich_menu_id
    path = f"/v2/bot/richmenu/{menu_id}/content"
    gif = {"Content-Type": "image/gif"}
    assert call(sim.url, "POST", path, raw=b"GIF89a", headers=gif)[0] == 415
    png = {"Content-Type": "image/png"}
    assert call(sim.url, "POST", path, raw=bytes(1024 * 1024 + 1), headers=png)[0] == 413
    assert (
        call(sim.url, "POST", "/v2/bot/richmenu/richmenu-x/content", raw=PNG, headers=png)[0] == 404
    )
    assert call(sim.url, "POST", path, raw=PNG, headers=png, token="wrong")[0] == 401
    assert call(sim.url, "POST", path, raw=PNG, headers=png)[0] == 200


def test_quota_counts_pushes_not_replies(client: SimClient, api: MessagingApi) -> None:
    assert api.get_message_quota().to_dict() == {"type": "none"}  # not enforced: no limit
    client.set_quota(enforced=True)
    assert api.get_message_quota().to_dict() == {"type": "limited", "value": 200}
    assert api.get_message_quota_consumption().total_usage == 0
    group = "C" + "5" * 32
    for user in ("U" + "6" * 32, "U" + "7" * 32, "U" + "8" * 32):
        client.send_text("hi", user, group_id=group)
    api.push_message(PushMessageRequest(to=USER, messages=[TextMessage(text="a")] * 3))
    api.push_message(PushMessageRequest(to=group, messages=[TextMessage(text="b")]))
    # One per user pushed to, whatever the number of message objects; a group bills its members.
    assert api.get_message_quota_consumption().total_usage == 1 + 3
    client.set_faults(quota_limit=None)
    assert api.get_message_quota().to_dict() == {"type": "none"}
    client.set_faults(quota_limit=1000)
    assert api.get_message_quota().value == 1000
