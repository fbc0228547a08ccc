"""The event handlers in-process (see handler_support): what a user types, and what is stored
and said."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import redis
from linebot.v3.webhooks import UnfollowEvent

from bot.adapters.redis import keys
from bot.domain.reminders import Kind
from bot.service.webhook_events import EventContext, handle_event
from tests.integration.handler_support import (
    USER,
    at,
    base_event,
    ctx,
    postback,
    replies_of,
    text,
)

__all__ = ["ctx"]  # the fixture

def test_a_clock_time_is_confirmed_with_year_and_weekday(ctx: EventContext) -> None:
    assert handle_event(text("明日の朝7時 ゴミ出し", at(2026, 12, 24, 22, 0)), ctx) == "once"
    assert "2026年12月25日(金) 7:00" in replies_of(ctx).last
    (reminder,) = ctx.reminders.pending(USER)
    assert (reminder.kind, reminder.label, reminder.occurrence_ms) == (
        Kind.ONCE,
        "ゴミ出し",
        at(2026, 12, 25, 7, 0),
    )
    buttons = replies_of(ctx).replies[-1][1].quick_replies
    assert buttons[0].data == f"undo:{reminder.id}"


def test_a_redelivered_event_acts_and_replies_once(ctx: EventContext) -> None:
    event = text("10分後に電話", at(2026, 12, 1, 9, 0))
    assert handle_event(event, ctx) == "timer"
    assert handle_event(event, ctx) == "duplicate"
    assert len(replies_of(ctx).replies) == 1
    (timer,) = ctx.reminders.pending(USER)
    assert timer.occurrence_ms == at(2026, 12, 1, 9, 10)  # the event's moment + 10 min, exactly


def test_list_then_cancel_the_number_the_user_saw(ctx: EventContext) -> None:
    t = at(2026, 12, 1, 9, 0)
    handle_event(text("毎日 7:30 起きる", t), ctx)
    handle_event(text("12月25日 18:00 パーティー", t), ctx)
    assert handle_event(text("一覧", t), ctx) == "list"
    listing = replies_of(ctx).last
    assert "1. 起きる — 毎日 7:30（次回 2026年12月2日(水) 7:30）" in listing
    assert "2. パーティー — 2026年12月25日(金) 18:00" in listing
    assert handle_event(text("取消 1", t), ctx) == "cancel"
    assert "起きる" in replies_of(ctx).last
    assert [r.label for r in ctx.reminders.pending(USER)] == ["パーティー"]
    assert handle_event(text("取消 5", t), ctx) == "cancel_unknown"
    assert handle_event(text("cancel all", t), ctx) == "cancel_all"
    assert ctx.reminders.pending(USER) == []
    assert handle_event(text("取消 全部", t), ctx) == "cancel_nothing"


def test_the_chat_limit_gets_a_friendly_reply_and_stores_nothing_more(
    ctx: EventContext,
) -> None:
    t = at(2026, 12, 1, 9, 0)
    for minutes in (1, 2, 3):
        handle_event(text(f"{minutes}分", t), ctx)
    assert handle_event(text("4分", t), ctx) == "chat_full"
    assert "3件まで" in replies_of(ctx).last
    assert len(ctx.reminders.pending(USER)) == 3


def test_a_chat_time_zone_applies_to_what_it_sets_next(ctx: EventContext) -> None:
    t = at(2026, 12, 1, 9, 0)  # 2026-11-30 19:00 in New York
    assert handle_event(text("タイムゾーン America/New_York", t), ctx) == "timezone"
    handle_event(text("明日 8:00", t), ctx)
    (reminder,) = ctx.reminders.pending(USER)
    ny = datetime(2026, 12, 1, 8, 0, tzinfo=ZoneInfo("America/New_York"))
    assert reminder.occurrence_ms == int(ny.timestamp() * 1000)
    assert "2026年12月1日(火) 8:00" in replies_of(ctx).last
    assert handle_event(text("timezone Mars/Olympus", t), ctx) == "unreadable"
    assert handle_event(text("タイムゾーン", t), ctx) == "timezone_shown"  # the rich menu's 設定
    assert "America/New_York" in replies_of(ctx).last
    assert ctx.reminders.timezone(USER) == "America/New_York"


def test_undo_acts_once_and_never_on_another_chat(ctx: EventContext) -> None:
    t = at(2026, 12, 1, 9, 0)
    handle_event(text("明日 9時 歯医者", t), ctx)
    (reminder,) = ctx.reminders.pending(USER)
    other = "C" + "9" * 32
    assert handle_event(postback(f"undo:{reminder.id}", t, chat=other), ctx) == "cancel_nothing"
    assert len(ctx.reminders.pending(USER)) == 1
    assert handle_event(postback(f"undo:{reminder.id}", t), ctx) == "cancel"
    assert handle_event(postback(f"undo:{reminder.id}", t), ctx) == "cancel_nothing"  # 2nd tap
    assert ctx.reminders.pending(USER) == []
    for junk in ("", "undo:", "undo:../../x", "x" * 301, "undo:abcdefgh:more"):
        assert handle_event(postback(junk, t), ctx) == "postback_unknown"


def test_group_reminders_belong_to_the_group(ctx: EventContext) -> None:
    group = "C" + "2" * 32
    handle_event(text("毎週月曜 9:00 定例", at(2026, 12, 1, 9, 0), chat=group), ctx)
    assert [r.label for r in ctx.reminders.pending(group)] == ["定例"]
    assert ctx.reminders.pending(USER) == []


def test_unfollow_forgets_the_chat(ctx: EventContext, redis_client: redis.Redis) -> None:
    t = at(2026, 12, 1, 9, 0)
    handle_event(text("毎日 7:00", t), ctx)
    handle_event(text("タイムゾーン Europe/Paris", t), ctx)
    event = UnfollowEvent.from_dict(
        {k: v for k, v in base_event("unfollow", t, USER, {}).items() if k != "replyToken"}
    )
    assert handle_event(event, ctx) == "chat_deleted"
    assert ctx.reminders.pending(USER) == []
    assert redis_client.zcard(keys.REMINDERS_DUE) == 0
    assert not redis_client.exists(keys.chat_key(USER))


@pytest.mark.parametrize(
    ("body", "outcome", "says"),
    [
        ("2月30日 10:00", "unreadable", "その日付はありません"),
        ("0", "out_of_range", "0より長い"),
        ("2027年12月25日 10:00", "out_of_range", "1年より先"),
        ("25時", "unreadable", "その時刻は読めませんでした"),
    ],
)
def test_what_cannot_be_set_gets_a_clear_reply_and_stores_nothing(
    ctx: EventContext, redis_client: redis.Redis, body: str, outcome: str, says: str
) -> None:
    assert handle_event(text(body, at(2026, 12, 1, 9, 0)), ctx) == outcome
    assert says in replies_of(ctx).last
    assert redis_client.zcard(keys.REMINDERS_DUE) == 0
