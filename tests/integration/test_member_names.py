"""Who tapped a group's card: MemberNames asks the simulator's member profile endpoint once,
then answers from Redis for a day; a slow or failing LINE costs the reply nothing but the
name."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
import redis
from linebot.v3.webhooks import PostbackEvent

from bot.adapters.line.member_names import MemberNames
from bot.adapters.redis import keys
from bot.domain import postbacks
from bot.domain.postbacks import CardAction
from bot.domain.reminders import new_reminder_id
from bot.service.webhook_events import EventContext, handle_event
from linesim.process import SimulatorProcess, start_simulator_process
from tests.integration.handler_support import at, base_event, ctx, replies_of

__all__ = ["ctx"]  # the fixture
TOKEN = "member-names-token"
GROUP = "C" + "6" * 32
ROOM = "R" + "6" * 32
HANAKO = "U" + "ab" * 16


@pytest.fixture(scope="module")
def sim_process() -> Iterator[SimulatorProcess]:
    with start_simulator_process(access_token=TOKEN) as handle:
        yield handle


@pytest.fixture
def sim(sim_process: SimulatorProcess) -> SimulatorProcess:
    sim_process.client.reset()
    sim_process.client.add_user(HANAKO, display_name="花子")
    return sim_process


def member_calls(sim: SimulatorProcess) -> list[str]:
    return [r["path"] for r in sim.client.requests() if "/member/" in r["path"]]


def test_a_name_is_asked_once_then_read_from_redis(
    sim: SimulatorProcess, redis_client: redis.Redis
) -> None:
    names = MemberNames(redis_client, sim.url, TOKEN)
    assert names.name_of(GROUP, HANAKO) == "花子"
    assert names.name_of(GROUP, HANAKO) == "花子"
    assert member_calls(sim) == [f"/v2/bot/group/{GROUP}/member/{HANAKO}"]
    ttl = redis_client.ttl(keys.member_name_key(GROUP, HANAKO))
    assert 0 < ttl <= keys.MEMBER_NAME_TTL_S
    assert names.name_of(ROOM, HANAKO) == "花子"
    assert member_calls(sim)[-1] == f"/v2/bot/room/{ROOM}/member/{HANAKO}"
    assert names.name_of(HANAKO, HANAKO) is None  # a 1:1 chat: no call
    assert len(member_calls(sim)) == 2


def test_an_unknown_member_is_kept_an_hour_and_a_failure_not_at_all(
    sim: SimulatorProcess, redis_client: redis.Redis
) -> None:
    stranger = "U" + "cd" * 16
    names = MemberNames(redis_client, sim.url, TOKEN)
    assert names.name_of(GROUP, stranger) is None
    assert names.name_of(GROUP, stranger) is None
    assert len(member_calls(sim)) == 1
    assert 0 < redis_client.ttl(keys.member_name_key(GROUP, stranger)) <= 3600
    wrong = MemberNames(redis_client, sim.url, "not-the-token")
    assert wrong.name_of(ROOM, HANAKO) is None  # 401: not kept
    assert not redis_client.exists(keys.member_name_key(ROOM, HANAKO))


def test_a_slow_line_answers_none_within_the_bound(
    sim: SimulatorProcess, redis_client: redis.Redis
) -> None:
    sim.client.set_faults(latency_ms=2_000)
    names = MemberNames(redis_client, sim.url, TOKEN, timeout_s=0.3)
    started = time.monotonic()
    assert names.name_of(GROUP, HANAKO) is None
    assert time.monotonic() - started < 1.0
    assert not redis_client.exists(keys.member_name_key(GROUP, HANAKO))


def test_done_tapped_in_a_group_names_the_member(
    sim: SimulatorProcess, ctx: EventContext, redis_client: redis.Redis
) -> None:
    named = replace(ctx, names=MemberNames(redis_client, sim.url, TOKEN))
    when = at(2026, 12, 6, 9, 0)
    data = postbacks.on_card(CardAction.DONE, new_reminder_id(), when, "集合")
    event = base_event("postback", when, GROUP, {"postback": {"data": data}}, HANAKO)
    assert handle_event(PostbackEvent.from_dict(event), named) == "done"
    assert replies_of(named).last.startswith("✓ 完了: 花子\n✅ 「集合」完了にしました。")
