"""What traffic leaves in Redis: every key has a TTL or an owner that deletes it, and the
default formation stays within the smallest plan's 20 connections."""

from __future__ import annotations

import re

import pytest
import redis

from bot.adapters.redis import keys
from localdev.stack import Stack
from tests.e2e.support import new_user_id, seconds_until, wait_one

pytestmark = pytest.mark.e2e

MINI_PLAN_CONNECTIONS = 20
# Keys that may live without a TTL, and who deletes them.
OWNED = re.compile(
    r"^(rem:due|rem:leased"  # the timer workers, entry by entry
    r"|rem:chat:.+"  # the chat: its last pending reminder's delivery, unfollow or leave
    r"|notify:(due|leased|chat:.+)"  # the notify loop's, as rem:* (keys.NOTIFY_QUEUE)
    r"|notify:(token:[0-9a-f]{64}|tokens:.+)"  # the chat: 通知トークン 削除, unfollow or leave
    r"|metrics:totals"  # one fixed-size hash of counters: does not grow with traffic
    r"|rq:(queues|workers.*|queue:\w+|finished:\w+|failed:\w+|started:\w+|deferred:\w+"
    r"|scheduled:\w+|canceled:\w+|clean_registries:\w+))$"  # RQ's own registries
)


def test_traffic_leaves_only_keys_with_a_ttl_or_an_owner(
    stack: Stack, redis_conn: redis.Redis
) -> None:
    sim = stack.sim
    users = [new_user_id() for _ in range(4)]
    last = None
    start = sim.last_seq()
    for user in users:
        since = sim.last_seq()
        for text in ("1", "一覧", "ゴミ出し", "キャンセル", "明日の朝8時", "解析 今日は晴れ"):
            sim.send_text(text, user_id=user)
        last = sim.send_text("2", user_id=user)
        wait_one(sim, since, user, timeout=5.0)
    assert last is not None
    # Every timer above has fired (and its one-shot record gone) two seconds after the last.
    sent = sim.wait_messages(
        len(users) * 9, since=start, timeout=seconds_until(last["event"]["timestamp"]) + 15
    )
    assert len(sent) >= len(users) * 9
    for user in users:  # what is left pending (明日の朝8時) belongs to its chat
        assert redis_conn.exists(keys.chat_key(user))
    stray = [
        key.decode()
        for key in redis_conn.scan_iter(count=1000)
        if redis_conn.ttl(key) == -1 and not OWNED.match(key.decode())
    ]
    assert stray == []
    for user in users:  # and the chat's owner deletes it
        stack.sim.send_event({"type": "unfollow", "source": {"type": "user", "userId": user}})
    assert not any(redis_conn.exists(keys.chat_key(user)) for user in users)


def test_the_default_formation_fits_the_smallest_plan(redis_conn: redis.Redis) -> None:
    assert len(redis_conn.client_list()) - 1 <= MINI_PLAN_CONNECTIONS
