"""Answers that are not timers: help, unreadable input, stickers, bad durations, analysis."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import redis

from bot.adapters.redis import keys
from linesim.client import SimClient
from localdev.stack import Stack
from tests.e2e.support import assert_quiet, new_user_id, quick_reply_items, text_of, wait_one

pytestmark = pytest.mark.e2e

Send = Callable[[SimClient, str], dict[str, Any]]

FRIENDLY: dict[str, tuple[Send, str]] = {
    "help": (lambda sim, user: sim.send_text("ヘルプ", user_id=user), "使い方"),
    "unreadable": (
        lambda sim, user: sim.send_text("25時", user_id=user),
        "その時刻は読めませんでした",
    ),
    "what without when": (
        lambda sim, user: sim.send_text("ゴミ出し", user_id=user),
        "「ゴミ出し」をいつお知らせしますか?",
    ),
    "sticker": (lambda sim, user: sim.send_sticker(user_id=user), "スタンプ"),
}


@pytest.mark.parametrize("case", list(FRIENDLY))
def test_help_unreadable_and_sticker_get_a_friendly_reply_with_quick_replies(
    stack: Stack, case: str
) -> None:
    send, expected = FRIENDLY[case]
    sim, user = stack.sim, new_user_id()
    since = sim.last_seq()

    answer = send(sim, user)

    assert answer["status"] == 200
    reply = wait_one(sim, since, user, timeout=2.0)
    assert reply["kind"] == "reply"
    assert expected in text_of(reply)
    assert quick_reply_items(reply), "no quick-reply buttons"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", "0より長い時間"),
        ("-5", "0より長い時間"),
        ("99999999999999999999", "1年より先"),
        ("2月30日 10:00", "その日付はありません"),
    ],
)
def test_out_of_range_duration_gets_a_clear_reply_and_stores_nothing(
    stack: Stack, redis_conn: redis.Redis, text: str, expected: str
) -> None:
    sim, user = stack.sim, new_user_id()
    assert redis_conn.zcard(keys.REMINDERS_DUE) == 0, "an earlier test left a timer behind"
    since = sim.last_seq()

    answer = sim.send_text(text, user_id=user)

    assert answer["status"] == 200
    reply = wait_one(sim, since, user, timeout=2.0)
    assert reply["kind"] == "reply"
    assert expected in text_of(reply)
    assert redis_conn.zcard(keys.REMINDERS_DUE) == 0
    assert redis_conn.zcard(keys.REMINDERS_LEASED) == 0
    assert not redis_conn.exists(keys.chat_key(user))
    assert_quiet(sim, reply["seq"], user, seconds=0.5)


def test_analysis_is_replied_by_the_rq_worker_with_janome_output(stack: Stack) -> None:
    sim, user = stack.sim, new_user_id()
    since = sim.last_seq()
    mark = stack.procs["rq_worker"].mark()

    answer = sim.send_text("解析 すもももももももものうち", user_id=user)

    assert answer["status"] == 200
    reply = wait_one(sim, since, user, timeout=15.0)
    assert reply["kind"] == "reply"
    assert reply["reply_token"] == answer["event"]["replyToken"]
    assert "すもも" in text_of(reply)
    assert "名詞" in text_of(reply)
    # It was the worker that answered, not the web process.
    stack.procs["rq_worker"].wait_for_line(r"analy[sz]", timeout=5.0, since=mark)
    assert_quiet(sim, reply["seq"], user, seconds=0.5)


def test_standby_event_gets_200_and_no_message(stack: Stack, redis_conn: redis.Redis) -> None:
    sim, user = stack.sim, new_user_id()
    since = sim.last_seq()

    answer = sim.send_text("3", user_id=user, mode="standby")

    assert answer["status"] == 200
    assert "replyToken" not in answer["event"]
    assert_quiet(sim, since, user)
    assert redis_conn.zcard(keys.REMINDERS_DUE) == 0
