"""解析 / 読み / キーワード end to end: the web process enqueues, the rq_worker answers through
the reply token, LINE's loading animation is asked for in 1:1 chats only, and a small crowd
of analyses is answered by replies, every token of each input in its answer."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from bot.adapters import morphology
from localdev.stack import Stack
from tests.e2e.support import assert_quiet, new_group_id, new_user_id, wait_one

pytestmark = pytest.mark.e2e


def _texts(record: dict[str, Any]) -> str:
    return "\n".join(m["text"] for m in record["messages"])


def _loading_calls(stack: Stack, since: int) -> list[dict[str, Any]]:
    return [r for r in stack.sim.requests(since=since) if r["endpoint"] == "loading"]


def _request_seq(stack: Stack) -> int:
    return int(stack.sim.stats()["last_request_seq"])


def test_an_analysis_is_a_reply_with_every_token_and_a_loading_animation(stack: Stack) -> None:
    sim, user = stack.sim, new_user_id()
    since, requests = sim.last_seq(), _request_seq(stack)
    sentence = "吾輩は猫である。名前はまだ無い。"

    answer = sim.send_text(f"解析 {sentence}", user_id=user)

    reply = wait_one(sim, since, user, timeout=15.0)
    assert reply["kind"] == "reply"
    assert reply["reply_token"] == answer["event"]["replyToken"]
    body = _texts(reply)
    assert body.startswith("🔎 形態素解析（")
    for token in morphology.tokens(sentence):
        assert f"{token.surface}【" in body
    assert "猫【名詞・一般】\n　原形 猫｜読み ねこ" in body
    assert [c["status"] for c in _loading_calls(stack, requests)] == [202]
    assert_quiet(sim, reply["seq"], user, seconds=0.5)


def test_reading_is_hiragana_and_keywords_are_the_nouns(stack: Stack) -> None:
    sim, user = stack.sim, new_user_id()
    since = sim.last_seq()
    sim.send_text("読み 東京特許許可局", user_id=user)
    reading = wait_one(sim, since, user, timeout=15.0)
    assert (reading["kind"], _texts(reading)) == (
        "reply", "📖 読み / Reading\nとうきょうとっきょきょかきょく"
    )  # fmt: skip
    since = sim.last_seq()
    sim.send_text("キーワード 形態素解析で文章の名詞を取り出す", user_id=user)
    keywords = wait_one(sim, since, user, timeout=15.0)
    assert _texts(keywords).splitlines()[1:] == ["・形態素解析", "・文章", "・名詞"]


def test_in_a_group_there_is_no_loading_animation(stack: Stack) -> None:
    sim, group, member = stack.sim, new_group_id(), new_user_id()
    since, requests = sim.last_seq(), _request_seq(stack)
    sim.send_text("解析 すもも", user_id=member, group_id=group)
    reply = wait_one(sim, since, group, timeout=15.0)
    assert reply["kind"] == "reply"
    assert _loading_calls(stack, requests) == []


def test_a_small_crowd_of_analyses_is_answered_by_replies(stack: Stack) -> None:
    sim, users = stack.sim, [new_user_id() for _ in range(40)]
    since = sim.last_seq()
    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(lambda u: sim.send_text("解析 すもももももももものうち", user_id=u),
                                users))  # fmt: skip
    records = sim.wait_messages(len(users), since=since, timeout=30.0)
    assert sorted(r["to"] for r in records) == sorted(users)
    assert {r["kind"] for r in records} == {"reply"}
    tokens = {a["event"]["replyToken"] for a in answers}
    assert {r["reply_token"] for r in records} == tokens
