"""The RQ analysis job against the simulator: reply while the token lasts, push only after."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from bot.entrypoints import jobs
from linesim.process import SimulatorProcess, start_simulator_process

TOKEN = "jobs-test-token"


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorProcess]:
    process = start_simulator_process(access_token=TOKEN)
    yield process
    process.stop()


@pytest.fixture(autouse=True)
def line_env(sim: SimulatorProcess, redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINE_CHANNEL_SECRET", "unused")
    monkeypatch.setenv("LINE_CHANNEL_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("LINE_API_BASE_URL", sim.url)
    monkeypatch.setenv("REDIS_URL", redis_url)


def _now_ms() -> int:
    return int(time.time() * 1000)


def test_analysis_is_a_reply_while_the_token_is_valid(sim: SimulatorProcess) -> None:
    event = sim.client.send_text("解析 すもも")["event"]  # the bot is not running: token unused
    since = sim.client.last_seq()
    user = event["source"]["userId"]
    jobs.analyze(
        chat_id=user, reply_token=event["replyToken"], text="すもも", received_ms=_now_ms()
    )
    (record,) = sim.client.wait_messages(count=1, since=since, timeout=5)
    assert record["kind"] == "reply"
    assert "名詞" in record["messages"][0]["text"]


def test_an_expired_token_falls_back_to_one_push_with_a_retry_key(sim: SimulatorProcess) -> None:
    since = sim.client.last_seq()
    stale_token = uuid.uuid4().hex  # LINE refuses it, as it would a token over a minute old
    jobs.analyze(
        chat_id="Ujobs", reply_token=stale_token, text="もも", received_ms=_now_ms() - 120_000
    )
    (record,) = sim.client.wait_messages(count=1, since=since, timeout=5)
    assert (record["kind"], record["to"]) == ("push", "Ujobs")
    assert uuid.UUID(record["retry_key"])


def test_a_refused_fresh_token_is_not_pushed(sim: SimulatorProcess) -> None:
    since = sim.client.last_seq()
    used_token = uuid.uuid4().hex  # refused while it should still be valid: a retried job
    jobs.analyze(chat_id="Ujobs2", reply_token=used_token, text="もも", received_ms=_now_ms())
    assert sim.client.messages(since=since) == []
