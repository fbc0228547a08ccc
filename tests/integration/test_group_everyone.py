"""みんな in a group: the web keeps who spoke lately (rem:speakers:<chat>), a reminder whose
label says みんな is set for everyone, and its notification mentions the recent speakers; each
member's 完了 is kept per occurrence. Real Redis, the timer worker in-process pushing to the
simulator (test_batching's harness)."""

from __future__ import annotations

import asyncio

import redis

from bot.adapters.redis import keys
from bot.adapters.redis.group_members import GroupMembers
from bot.adapters.redis.reminder_store import ReminderStore
from bot.domain.reminders import Kind, Reminder, new_reminder_id
from linesim.process import SimulatorProcess
from tests.integration.test_batching import T0, sim, worker_on
from tests.integration.worker_support import Clock, pushes, until

__all__ = ["sim"]  # the fixture
GROUP = "C" + "9" * 32
DAY = 24 * 3600 * 1000
MEMBERS = ["U" + f"{i:032x}" for i in range(4)]


def test_speakers_are_trimmed_to_the_window_and_the_latest(redis_client: redis.Redis) -> None:
    members = GroupMembers(redis_client)
    members.heard(GROUP, MEMBERS[0], T0 - 31 * DAY)
    members.heard(GROUP, MEMBERS[1], T0 - DAY)
    members.heard(GROUP, MEMBERS[2], T0)
    key = keys.speakers_key(GROUP)
    assert redis_client.zrange(key, 0, -1) == [m.encode() for m in MEMBERS[1:3]]
    assert 0 < redis_client.pttl(key) <= keys.SPEAKERS_TTL_MS
    for i in range(keys.SPEAKERS_MAX + 5):
        members.heard(GROUP, f"U{i:032d}", T0 + i)
    assert redis_client.zcard(key) == keys.SPEAKERS_MAX
    members.forget_chat(GROUP)
    assert not redis_client.exists(key)


def test_confirmations_are_kept_once_each_in_order(redis_client: redis.Redis) -> None:
    members = GroupMembers(redis_client)
    assert members.confirm(GROUP, "r1:5", "花子") == ["花子"]
    assert members.confirm(GROUP, "r1:5", "太郎") == ["花子", "太郎"]
    assert members.confirm(GROUP, "r1:5", "花子") == ["太郎", "花子"]
    assert members.confirm(GROUP, "r1:6", "太郎") == ["太郎"]
    assert 0 < redis_client.ttl(keys.confirmed_key(GROUP, "r1:5")) <= keys.ACTED_TTL_S


def test_a_reminder_for_everyone_mentions_who_spoke_lately(
    redis_url: str, redis_client: redis.Redis, sim: SimulatorProcess
) -> None:
    sim.client.reset()
    members = GroupMembers(redis_client)
    members.heard(GROUP, MEMBERS[0], T0 - 40 * DAY)  # gone quiet: not mentioned
    for member in MEMBERS[1:]:
        members.heard(GROUP, member, T0 - DAY)
    store = ReminderStore(redis_client)
    for label, setter in (("みんな 集合", "*"), ("掃除", MEMBERS[1])):
        reminder = Reminder(GROUP, new_reminder_id(), Kind.ONCE, T0, label)
        store.add(reminder, event_id=None, max_pending=50, setter=setter)

    async def scenario() -> None:
        async with worker_on(redis_url, sim, Clock(T0 + 5)) as client:
            await client.publish(keys.TIMERS_WAKE_CHANNEL, "0")
            await until(lambda: pushes(sim, GROUP))

    asyncio.run(scenario())
    (push,) = pushes(sim, GROUP)
    mention = push["messages"][-1]
    assert mention["type"] == "textV2"
    mentioned = [s["mentionee"]["userId"] for s in mention["substitution"].values()]
    assert sorted(mentioned) == sorted(MEMBERS[1:])  # each once, the setter among them
    assert "*" not in mentioned
