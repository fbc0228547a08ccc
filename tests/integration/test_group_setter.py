"""Who set a group's reminder is kept for its notification's mention (rem:by:<chat>); a 1:1
chat's is not (the chat is the person)."""

from __future__ import annotations

import redis

from bot.adapters.redis import keys
from bot.service.webhook_events import EventContext, handle_event
from tests.integration.handler_support import USER, at, ctx, text

__all__ = ["ctx"]  # the fixture

GROUP = "C" + "7" * 32
ALICE = "U" + "a1" * 16


def test_a_groups_setter_is_kept_with_the_reminder_and_dropped_after_it(
    ctx: EventContext, redis_client: redis.Redis
) -> None:
    assert handle_event(text("10分後 会議", at(2026, 12, 6, 9, 0), GROUP, ALICE), ctx) == "timer"
    (reminder,) = ctx.reminders.pending(GROUP)
    assert redis_client.hgetall(keys.setters_key(GROUP)) == {reminder.id.encode(): ALICE.encode()}
    assert redis_client.pttl(keys.setters_key(GROUP)) > 0
    ctx.reminders.cancel(GROUP, [reminder.id])
    handle_event(text("20分後 休憩", at(2026, 12, 6, 9, 1), GROUP, ALICE), ctx)
    (second,) = ctx.reminders.pending(GROUP)
    # The cancelled one's field went when the next was set.
    assert list(redis_client.hgetall(keys.setters_key(GROUP))) == [second.id.encode()]


def test_leaving_a_group_forgets_who_set_its_reminders(
    ctx: EventContext, redis_client: redis.Redis
) -> None:
    handle_event(text("10分後 会議", at(2026, 12, 6, 9, 0), GROUP, ALICE), ctx)
    assert redis_client.exists(keys.setters_key(GROUP))
    assert ctx.reminders.delete_chat(GROUP) == 1
    assert not redis_client.exists(keys.setters_key(GROUP))


def test_a_one_to_one_chat_keeps_no_setter(ctx: EventContext, redis_client: redis.Redis) -> None:
    handle_event(text("10分後 会議", at(2026, 12, 6, 9, 0)), ctx)
    assert ctx.reminders.pending(USER)
    assert not redis_client.exists(keys.setters_key(USER))
