"""カレンダー and カレンダー 削除 in-process (see handler_support), on a real redis-server: the
reply carries the feed URL on the public base, one token per chat, stored only as a hash."""

from __future__ import annotations

import dataclasses
import re

import pytest
import redis
from linebot.v3.webhooks import LeaveEvent, UnfollowEvent

from bot.adapters.redis import keys
from bot.adapters.redis.calendar_feeds import CalendarFeeds, digest_of
from bot.service.webhook_events import EventContext, handle_event
from tests.integration.handler_support import USER, at, base_event, ctx, replies_of, text

__all__ = ["ctx"]  # the fixture

BASE = "https://bot.example.com"
URL = re.compile(re.escape(BASE) + r"/cal/([A-Za-z0-9_-]{43})\.ics")
T = at(2026, 12, 1, 9, 0)
GROUP = "C" + "9" * 32


@pytest.fixture
def cal(ctx: EventContext, redis_client: redis.Redis) -> EventContext:
    return dataclasses.replace(ctx, calendars=CalendarFeeds(redis_client), public_url=BASE)


def token_in_last_reply(context: EventContext) -> str:
    found = URL.search(replies_of(context).last)
    assert found, replies_of(context).last
    return found.group(1)


def feed_keys(client: redis.Redis) -> list[str]:
    return sorted(k.decode() for k in client.scan_iter("cal:*"))


def test_calendar_answers_with_a_private_url_on_the_public_base(
    cal: EventContext, redis_client: redis.Redis
) -> None:
    assert handle_event(text("カレンダー", T), cal) == "calendar_issued"
    token = token_in_last_reply(cal)
    digest = digest_of(token)
    assert feed_keys(redis_client) == [keys.cal_chat_key(USER), keys.cal_feed_key(digest)]
    assert redis_client.get(keys.cal_feed_key(digest)) == USER.encode()
    assert redis_client.get(keys.cal_chat_key(USER)) == digest.encode()
    for key in feed_keys(redis_client):  # an owner (the chat) and a TTL renewed by each fetch
        assert 0 < redis_client.ttl(key) <= keys.CAL_FEED_TTL_S
    # The token itself is nowhere in Redis: a copy of the data set opens no feed.
    for key in redis_client.scan_iter():
        assert token.encode() not in key
        assert token.encode() not in (redis_client.dump(key) or b"")
    assert "前に発行した" not in replies_of(cal).last
    assert CalendarFeeds(redis_client).read(token) is not None


def test_asking_again_replaces_the_token_and_the_old_url_stops_working(
    cal: EventContext, redis_client: redis.Redis
) -> None:
    handle_event(text("カレンダー", T), cal)
    first = token_in_last_reply(cal)
    assert handle_event(text("calendar", T + 1000), cal) == "calendar_issued"
    second = token_in_last_reply(cal)
    assert second != first
    assert "前に発行したURLは使えなくなりました" in replies_of(cal).last
    feeds = CalendarFeeds(redis_client)
    assert feeds.read(first) is None
    assert feeds.read(second) is not None
    assert len(feed_keys(redis_client)) == 2  # one feed per chat, and its pointer


def test_each_chat_has_its_own_feed(cal: EventContext, redis_client: redis.Redis) -> None:
    handle_event(text("カレンダー", T), cal)
    mine = token_in_last_reply(cal)
    handle_event(text("カレンダー", T, chat=GROUP), cal)
    group = token_in_last_reply(cal)
    feeds = CalendarFeeds(redis_client)
    snapshots = feeds.read(mine), feeds.read(group)
    assert [s.chat_id if s else None for s in snapshots] == [USER, GROUP]


def test_calendar_delete_revokes_the_url(cal: EventContext, redis_client: redis.Redis) -> None:
    handle_event(text("カレンダー", T), cal)
    token = token_in_last_reply(cal)
    assert handle_event(text("カレンダー 削除", T + 1000), cal) == "calendar_revoked"
    assert "無効にしました" in replies_of(cal).last
    assert CalendarFeeds(redis_client).read(token) is None
    assert feed_keys(redis_client) == []
    assert handle_event(text("カレンダー 削除", T + 2000), cal) == "calendar_revoked"
    assert "発行済みのカレンダーURLはありません" in replies_of(cal).last


def test_a_redelivered_event_neither_replaces_the_token_nor_replies_again(
    cal: EventContext, redis_client: redis.Redis
) -> None:
    event = text("カレンダー", T)
    assert handle_event(event, cal) == "calendar_issued"
    token = token_in_last_reply(cal)
    assert handle_event(event, cal) == "duplicate"
    assert len(replies_of(cal).replies) == 1
    assert CalendarFeeds(redis_client).read(token) is not None  # the URL the user saw works


@pytest.mark.parametrize("kind", ["unfollow", "leave"])
def test_unfollow_or_leave_deletes_the_chat_feed(
    kind: str, cal: EventContext, redis_client: redis.Redis
) -> None:
    chat = USER if kind == "unfollow" else GROUP
    handle_event(text("カレンダー", T, chat=chat), cal)
    token = token_in_last_reply(cal)
    raw = {k: v for k, v in base_event(kind, T, chat, {}).items() if k != "replyToken"}
    event = UnfollowEvent.from_dict(raw) if kind == "unfollow" else LeaveEvent.from_dict(raw)
    assert handle_event(event, cal) == "chat_deleted"
    assert CalendarFeeds(redis_client).read(token) is None
    assert feed_keys(redis_client) == []


def test_without_a_public_url_it_says_so_and_stores_nothing(
    cal: EventContext, redis_client: redis.Redis
) -> None:
    blind = dataclasses.replace(cal, public_url="")
    assert handle_event(text("カレンダー", T), blind) == "calendar_no_url"
    assert "BOT_PUBLIC_URL" in replies_of(blind).last
    assert feed_keys(redis_client) == []
