"""Loading animation, profiles, async SDK, long-polling, the process and the in-process app."""

from __future__ import annotations

import asyncio
import os
import time

import pytest
from aiohttp.test_utils import TestClient, TestServer
from linebot.v3.messaging import (
    ApiException,
    AsyncApiClient,
    AsyncMessagingApi,
    Configuration,
    MessagingApi,
    PushMessageRequest,
    ShowLoadingAnimationRequest,
    TextMessage,
)

from linesim import DEMO_USER_ID, SimConfig
from linesim.__main__ import parse_args
from linesim.client import SimClient
from linesim.process import SimulatorProcess, start_simulator_process
from linesim.server import build_app
from tests.linesim.support import TOKEN, call, push_body

LOADING = "/v2/bot/chat/loading/start"


def test_loading_animation(sim: SimulatorProcess, api: MessagingApi) -> None:
    request = ShowLoadingAnimationRequest(chat_id=DEMO_USER_ID, loading_seconds=10)
    assert api.show_loading_animation_with_http_info(request).status_code == 202
    for body in (
        {"chatId": "C" + "1" * 32, "loadingSeconds": 5},
        {"chatId": "R" + "1" * 32},
        {"chatId": DEMO_USER_ID, "loadingSeconds": 7},
        {"chatId": DEMO_USER_ID, "loadingSeconds": 65},
    ):
        assert call(sim.url, "POST", LOADING, body)[0] == 400, body


def test_profiles(client: SimClient, api: MessagingApi) -> None:
    stranger = "U" + "e" * 32
    with pytest.raises(ApiException) as err:
        api.get_profile(stranger)
    assert err.value.status == 404
    client.send_text("hi", user_id=stranger)
    assert api.get_profile(stranger).user_id == stranger
    client.add_user("U" + "f" * 32, display_name="花子", language="en")
    profile = api.get_profile("U" + "f" * 32)
    assert (profile.display_name, profile.language) == ("花子", "en")


def test_async_sdk_client(client: SimClient, sim: SimulatorProcess) -> None:
    async def push_many() -> list[int]:
        config = Configuration(host=sim.url, access_token=TOKEN)
        async with AsyncApiClient(config) as api_client:
            api = AsyncMessagingApi(api_client)
            request = PushMessageRequest(to=DEMO_USER_ID, messages=[TextMessage(text="async")])
            answers = await asyncio.gather(
                *(api.push_message_with_http_info(request) for _ in range(20))
            )
            return [a.status_code for a in answers]

    assert asyncio.run(push_many()) == [200] * 20
    assert len(client.messages(chat=DEMO_USER_ID)) == 20


def test_wait_messages(client: SimClient, sim: SimulatorProcess) -> None:
    started = time.monotonic()
    assert client.wait_messages(1, timeout=0.2) == []
    assert time.monotonic() - started >= 0.2
    since = client.last_seq()
    call(sim.url, "POST", "/v2/bot/message/push", push_body())
    call(sim.url, "POST", "/v2/bot/message/push", push_body())
    records = client.wait_messages(2, since=since, timeout=5)
    assert [r["seq"] for r in records] == [since + 1, since + 2]
    assert client.messages(since=since + 1) == records[1:]


def test_reset_forgets_messages_but_keeps_seq(client: SimClient, sim: SimulatorProcess) -> None:
    call(sim.url, "POST", "/v2/bot/message/push", push_body())
    last = client.last_seq()
    client.reset()
    assert client.messages() == []
    assert client.stats()["requests"] == 0
    call(sim.url, "POST", "/v2/bot/message/push", push_body())
    assert client.messages()[0]["seq"] == last + 1


def test_chat_page_is_served(sim: SimulatorProcess) -> None:
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(sim.url + "/", timeout=5) as resp:
        page = resp.read().decode()
    assert "/_sim/webhook/text" in page
    assert "<script" in page
    assert "http://" not in page.replace(sim.url, "")  # no CDN: the machine may be offline


def test_process_starts_fast_and_stops_clean() -> None:
    started = time.monotonic()
    handle = start_simulator_process(access_token=TOKEN, latency_ms=5)
    assert time.monotonic() - started < 1.5
    assert handle.client.faults()["latency_ms"] == 5
    handle.stop()
    assert handle.proc.returncode is not None
    with pytest.raises(ProcessLookupError):
        os.kill(handle.pid, 0)
    handle.stop()  # idempotent


def test_tokens_and_secrets_starting_with_a_dash() -> None:
    # secrets.token_urlsafe() starts with "-" one time in 64; argparse must not take it for a flag.
    with start_simulator_process(access_token="-tok", channel_secret="--sec") as handle:
        status, _, _ = call(handle.url, "GET", f"/v2/bot/profile/{DEMO_USER_ID}", token="-tok")
        assert status == 404  # authenticated, and no such user yet
    args = parse_args(["--access-token", "-x", "--port", "0", "--faults={}"])
    assert (args.access_token, args.port, args.faults) == ("-x", 0, "{}")


def test_in_process_app_with_injected_clock() -> None:
    now = [1000.0]
    config = SimConfig(
        access_token=TOKEN, webhook_url="http://127.0.0.1:9/none", clock=lambda: now[0]
    )

    async def scenario() -> list[int]:
        async with TestClient(TestServer(build_app(config))) as http:
            auth = {"Authorization": f"Bearer {TOKEN}"}
            sent = await (await http.post("/_sim/webhook/text", json={"text": "x"})).json()
            assert sent["status"] is None  # no bot listening: reported, not raised
            token = sent["event"]["replyToken"]
            now[0] += 61  # past LINE's one minute
            reply = {"replyToken": token, "messages": [{"type": "text", "text": "late"}]}
            late = await http.post("/v2/bot/message/reply", json=reply, headers=auth)
            key = {**auth, "X-Line-Retry-Key": "123e4567-e89b-12d3-a456-426614174000"}
            first = await http.post("/v2/bot/message/push", json=push_body(), headers=key)
            again = await http.post("/v2/bot/message/push", json=push_body(), headers=key)
            now[0] += 24 * 3600 + 1  # retry keys are remembered for 24 hours
            later = await http.post("/v2/bot/message/push", json=push_body(), headers=key)
            return [late.status, first.status, again.status, later.status]

    assert asyncio.run(scenario()) == [400, 200, 409, 200]
