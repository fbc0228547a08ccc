"""The chat page driven by the simulator alone: what a bot pushes is rendered, taps send webhooks.

No bot runs here: the test pushes through the simulator's LINE API with the channel's token, as
the bot would, clicks in the page, and reads the postbacks from the simulator's webhook log.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from linesim.client import SimClient
from linesim.process import SimulatorProcess, start_simulator_process
from tests.browser.support import (
    bot_rows,
    line_call,
    open_chat,
    png,
    push,
    say,
    transcript,
    upload,
    wait_count,
)
from tests.linesim.samples import carousel, quick_reply

TOKEN = "browser-test-token"
USER = "U" + "d" * 32
HANAKO = "U" + "b" * 32  # one of the page's simulated people
GROUP = "C" + "9" * 32  # the page's group


@pytest.fixture(scope="module")
def sim_process() -> Iterator[SimulatorProcess]:
    # Nothing listens on the discard port: webhooks fail fast and are still logged.
    with start_simulator_process(
        webhook_url="http://127.0.0.1:9/callback", access_token=TOKEN
    ) as handle:
        yield handle


@pytest.fixture
def sim(sim_process: SimulatorProcess) -> SimulatorProcess:
    sim_process.client.reset()
    return sim_process


def _postbacks(client: SimClient, count: int) -> list[dict[str, Any]]:
    found = client.wait_webhooks(count, event_type="postback", timeout=5)
    assert len(found) >= count, found
    return [w["events"][0] for w in found]


def test_flex_carousel_buttons_and_picker(sim: SimulatorProcess, page: Any, shots: Path) -> None:
    push(sim.url, TOKEN, USER, {"type": "text", "text": "リマインダーは2件です"}, carousel(2))
    open_chat(page, sim.url, USER)
    rows = bot_rows(page, USER, "push")
    wait_count(rows, 2)
    bubbles = transcript(page, USER).locator(".fx-carousel .fx-bubble")
    assert bubbles.count() == 2
    assert "ゴミ出し" in bubbles.nth(0).inner_text()
    assert "12月2日 7:00" in bubbles.nth(0).inner_text()
    assert bubbles.nth(0).locator(".fx-image").count() == 1
    assert bubbles.nth(0).locator(".fx-sep").count() == 1
    # The carousel scrolls sideways rather than squeezing its bubbles.
    assert page.eval_on_selector(".fx-carousel", "e => getComputedStyle(e).overflowX") == "auto"

    page.locator("#quick button", has_text="日時を選ぶ").click()
    picker = page.locator("#pickerInput")
    assert picker.get_attribute("type") == "datetime-local"
    assert picker.get_attribute("min") == "2000-01-01T00:00"
    assert picker.get_attribute("max") == "2099-12-31T23:59"
    picker.fill("2030-01-02T07:30")
    page.screenshot(path=str(shots / "chat-flex.png"))
    page.click("#pickerOk")
    (picked,) = _postbacks(sim.client, 1)
    assert picked["postback"] == {"data": "new", "params": {"datetime": "2030-01-02T07:30"}}
    assert picked["source"] == {"type": "user", "userId": USER}
    assert picked["replyToken"]

    bubbles.nth(1).locator("button.fx-button", has_text="取消").click()
    shown = transcript(page, USER).locator(".row.me .bubble", has_text="薬を飲むを取消")
    shown.wait_for()
    assert _postbacks(sim.client, 2)[1]["postback"] == {"data": "cancel:1"}
    # As in LINE, a tap takes the quick replies away.
    assert page.locator("#quick button").count() == 0


def test_picker_modes_and_message_actions(sim: SimulatorProcess, page: Any) -> None:
    date_picker = {"type": "datetimepicker", "label": "日付", "data": "d", "mode": "date",
                   "initial": "2030-05-01"}  # fmt: skip
    time_picker = {"type": "datetimepicker", "label": "時刻", "data": "t", "mode": "time"}
    help_button = {"type": "message", "label": "ヘルプ", "text": "ヘルプ"}
    quick = quick_reply(date_picker, time_picker, help_button)
    push(sim.url, TOKEN, USER, {"type": "text", "text": "いつ?", "quickReply": quick})
    open_chat(page, sim.url, USER)
    page.locator("#quick button", has_text="日付").click()
    assert page.locator("#pickerInput").get_attribute("type") == "date"
    assert page.locator("#pickerInput").input_value() == "2030-05-01"
    page.click("#pickerOk")
    assert _postbacks(sim.client, 1)[0]["postback"]["params"] == {"date": "2030-05-01"}
    push(sim.url, TOKEN, USER, {"type": "text", "text": "時刻は?", "quickReply": quick})
    wait_count(bot_rows(page, USER), 2)
    page.locator("#quick button", has_text="時刻").click()
    page.fill("#pickerInput", "06:15")
    page.click("#pickerOk")
    assert _postbacks(sim.client, 2)[1]["postback"]["params"] == {"time": "06:15"}
    assert page.locator("#quick button").count() == 0
    push(sim.url, TOKEN, USER, {"type": "text", "text": "ほかには?", "quickReply": quick})
    page.locator("#quick button", has_text="ヘルプ").click()
    (text,) = sim.client.wait_webhooks(1, event_type="message", timeout=5)
    assert text["events"][0]["message"]["text"] == "ヘルプ"


def test_rich_menu_areas_act(sim: SimulatorProcess, page: Any, shots: Path) -> None:
    half = {"x": 0, "y": 0, "width": 1250, "height": 843}
    menu = {
        "size": {"width": 2500, "height": 843}, "selected": True, "name": "main",
        "chatBarText": "メニュー",
        "areas": [
            {"bounds": half, "action": {"type": "message", "label": "一覧", "text": "一覧"}},
            {"bounds": {**half, "x": 1250},
             "action": {"type": "postback", "label": "ヘルプ", "data": "menu:help"}},
        ],
    }  # fmt: skip
    menu_id = line_call(sim.url, TOKEN, "POST", "/v2/bot/richmenu", menu)["richMenuId"]
    upload(sim.url, TOKEN, f"/v2/bot/richmenu/{menu_id}/content", png(250, 84, (6, 199, 85)),
           "image/png")  # fmt: skip
    line_call(sim.url, TOKEN, "POST", f"/v2/bot/user/all/richmenu/{menu_id}")
    open_chat(page, sim.url, USER)
    areas = page.locator("#richmenu .area")
    wait_count(areas, 2)
    assert page.locator("#menuBar").inner_text().startswith("メニュー")
    page.wait_for_function("document.querySelector('#richmenu img').naturalWidth === 250")
    page.screenshot(path=str(shots / "chat-richmenu.png"))
    areas.nth(0).click()
    (text,) = sim.client.wait_webhooks(1, event_type="message", timeout=5)
    assert text["events"][0]["message"]["text"] == "一覧"
    areas.nth(1).click()
    assert _postbacks(sim.client, 1)[0]["postback"] == {"data": "menu:help"}


def test_users_and_group_have_their_own_transcripts(sim: SimulatorProcess, page: Any) -> None:
    open_chat(page, sim.url, GROUP, speaker=HANAKO)
    assert page.locator("#speakerBox").is_visible()
    say(page, "みんなで買い物")
    (said,) = sim.client.wait_webhooks(1, event_type="message", timeout=5)
    assert said["events"][0]["source"] == {"type": "group", "groupId": GROUP, "userId": HANAKO}
    mine = transcript(page, GROUP).locator(".row.me")
    assert mine.locator(".who").inner_text() == "花子"
    push(sim.url, TOKEN, GROUP, {"type": "text", "text": "グループへのお知らせ"})
    push(sim.url, TOKEN, HANAKO, {"type": "text", "text": "花子さんだけに"})
    wait_count(bot_rows(page, GROUP), 1)
    assert "グループへのお知らせ" in transcript(page, GROUP).inner_text()
    assert "花子さんだけに" not in transcript(page, GROUP).inner_text()
    page.select_option("#chatSel", HANAKO)
    assert transcript(page, HANAKO).is_visible()
    assert not transcript(page, GROUP).is_visible()
    assert "花子さんだけに" in transcript(page, HANAKO).inner_text()
    assert not page.locator("#speakerBox").is_visible()
