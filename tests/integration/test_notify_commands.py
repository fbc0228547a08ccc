"""通知トークン, 通知トークン 削除, 通知トークン 一覧 in a chat, against a real redis-server: a
token is shown once and stored only as its SHA-256; unfollow and leave take the chat's
tokens and its waiting messages with them."""

from __future__ import annotations

import dataclasses
import hashlib
import re

import pytest
import redis
from linebot.v3.webhooks import Event, LeaveEvent, UnfollowEvent

from bot.adapters.redis import keys
from bot.adapters.redis.notify_store import NotifyStore
from bot.domain.notify import TOKENS_PER_CHAT
from bot.domain.reminders import Kind, Reminder
from bot.service.webhook_events import EventContext, handle_event
from tests.integration.handler_support import USER, at, base_event, ctx, replies_of, text

__all__ = ["ctx"]  # the fixture

NOW = at(2026, 12, 1, 10, 0)
GROUP = "C" + "2" * 32
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$", re.M)


@pytest.fixture
def notify_ctx(ctx: EventContext, redis_client: redis.Redis) -> EventContext:
    return dataclasses.replace(ctx, notify=NotifyStore(redis_client))


def issue(ctx: EventContext, chat: str = USER) -> str:
    assert handle_event(text("通知トークン", NOW, chat=chat), ctx) == "notify_issued"
    (token,) = TOKEN_SHAPE.findall(replies_of(ctx).last)
    return str(token)


def sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def everything_in(client: redis.Redis) -> str:
    """Every key and every value Redis holds, as one text."""
    out: list[object] = []
    for key in client.scan_iter():
        kind = client.type(key)
        out.append(key)
        if kind == b"string":
            out.append(client.get(key))
        elif kind == b"hash":
            out.append(client.hgetall(key))
        elif kind == b"set":
            out.append(client.smembers(key))
        elif kind == b"zset":
            out.append(client.zrange(key, 0, -1))
    return repr(out)


def test_a_token_is_shown_once_and_stored_only_as_its_hash(
    notify_ctx: EventContext, redis_client: redis.Redis
) -> None:
    token = issue(notify_ctx)

    stored = redis_client.hgetall(keys.NOTIFY_TOKEN_FORMAT.format(digest=sha256(token)))
    assert stored[b"chat"] == USER.encode()
    assert stored[b"created_ms"] == str(NOW).encode()
    assert stored[b"last_used_ms"] == b"0"
    assert token not in everything_in(redis_client)
    assert "/api/notify" in replies_of(notify_ctx).last


def test_a_group_gets_its_own_token(notify_ctx: EventContext, redis_client: redis.Redis) -> None:
    token = issue(notify_ctx, chat=GROUP)

    assert NotifyStore(redis_client).use(sha256(token), NOW, limit=10).chat_id == GROUP  # type: ignore[union-attr]


def test_a_redelivered_command_issues_no_second_token(
    notify_ctx: EventContext, redis_client: redis.Redis
) -> None:
    event = text("通知トークン", NOW)

    assert handle_event(event, notify_ctx) == "notify_issued"
    assert handle_event(event, notify_ctx) == "duplicate"
    assert redis_client.scard(keys.NOTIFY_TOKENS_OF_FORMAT.format(chat_id=USER)) == 1
    assert len(replies_of(notify_ctx).replies) == 1


def test_a_chat_holds_at_most_ten_tokens(notify_ctx: EventContext) -> None:
    for _ in range(TOKENS_PER_CHAT):
        issue(notify_ctx)

    assert handle_event(text("通知トークン", NOW), notify_ctx) == "notify_too_many"
    assert f"{TOKENS_PER_CHAT} 個まで" in replies_of(notify_ctx).last
    assert not TOKEN_SHAPE.search(replies_of(notify_ctx).last)


def test_the_list_shows_the_count_and_last_use_never_a_token(
    notify_ctx: EventContext, redis_client: redis.Redis
) -> None:
    used, unused = issue(notify_ctx), issue(notify_ctx)
    NotifyStore(redis_client).use(sha256(used), at(2026, 12, 2, 8, 30), limit=10)

    assert handle_event(text("通知トークン 一覧", NOW), notify_ctx) == "notify_list"

    shown = replies_of(notify_ctx).last
    assert "通知トークン: 2 個" in shown
    assert "2026年12月02日 08:30" in shown  # in the chat's zone (Asia/Tokyo)
    assert "未使用" in shown
    assert used not in shown
    assert unused not in shown


def test_revoking_takes_every_token_of_the_chat_and_says_how_many(
    notify_ctx: EventContext, redis_client: redis.Redis
) -> None:
    tokens = [issue(notify_ctx), issue(notify_ctx)]
    other = issue(notify_ctx, chat=GROUP)

    assert handle_event(text("通知トークン 削除", NOW), notify_ctx) == "notify_revoked"

    assert "2 個" in replies_of(notify_ctx).last
    store = NotifyStore(redis_client)
    assert [store.use(sha256(t), NOW, limit=10) for t in tokens] == [None, None]
    assert store.use(sha256(other), NOW, limit=10) is not None  # another chat's stays
    assert not redis_client.exists(keys.NOTIFY_TOKENS_OF_FORMAT.format(chat_id=USER))
    handle_event(text("通知トークン 一覧", NOW), notify_ctx)
    assert "ありません" in replies_of(notify_ctx).last
    handle_event(text("通知トークン 削除", NOW), notify_ctx)
    assert "ありません" in replies_of(notify_ctx).last


def goodbye(kind: str, chat: str) -> Event:
    raw = base_event(kind, NOW, chat, {})
    raw.pop("replyToken")
    return (UnfollowEvent if kind == "unfollow" else LeaveEvent).from_dict(raw)


@pytest.mark.parametrize(("kind", "chat"), [("unfollow", USER), ("leave", GROUP)])
def test_unfollow_and_leave_delete_the_chats_tokens_and_waiting_messages(
    notify_ctx: EventContext, redis_client: redis.Redis, kind: str, chat: str
) -> None:
    token = issue(notify_ctx, chat=chat)
    store = NotifyStore(redis_client)
    waiting = Reminder(chat, "msg00001", Kind.NOTIFY, NOW, "ビルド失敗")
    store.enqueue(waiting, request="", max_waiting=10)

    handle_event(goodbye(kind, chat), notify_ctx)

    assert store.use(sha256(token), NOW, limit=10) is None
    assert not [k for k in redis_client.scan_iter("notify:*") if chat.encode() in k]
    assert redis_client.zcard(keys.NOTIFY_DUE) == 0
