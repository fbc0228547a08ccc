"""What the bot does with each webhook event. Quick answers go through the reply token;
heavy work is enqueued; reminders are stored. No HTTP framework here.

Events reach their handler through a table keyed by event type and message content type (as
the SDK's `@handler.add(EventType, message=ContentType)` does): a new kind of event is one
small function and one decorator.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

from linebot.v3.webhooks import (
    AudioMessageContent,
    Event,
    FileMessageContent,
    FollowEvent,
    GroupSource,
    ImageMessageContent,
    JoinEvent,
    LeaveEvent,
    LocationMessageContent,
    MemberJoinedEvent,
    MessageEvent,
    PostbackEvent,
    RoomSource,
    StickerMessageContent,
    TextMessageContent,
    UnfollowEvent,
    UserSource,
    VideoMessageContent,
)

from bot.domain import texts
from bot.service.context import EventContext, Jobs, ReminderBook, Replier, Turn
from bot.service.members import GROUP_PREFIXES
from bot.service.reminder_commands import handle_text
from bot.service.tapping import handle_postback

log = logging.getLogger(__name__)

__all__ = ["EventContext", "Jobs", "ReminderBook", "Replier", "chat_id_of", "handle_event"]


Handler = Callable[[Any, Turn], str]
_HANDLERS: dict[tuple[type, type | None], Handler] = {}


def on(event_type: type, message: type | None = None) -> Callable[[Handler], Handler]:
    """Register the handler of one event type (and, for messages, one content type)."""

    def register(handler: Handler) -> Handler:
        _HANDLERS[(event_type, message)] = handler
        return handler

    return register


def chat_id_of(source: Any) -> str | None:
    """Where to answer: the group, else the room, else the user."""
    chat_id: str | None = None
    if isinstance(source, GroupSource):
        chat_id = source.group_id
    elif isinstance(source, RoomSource):
        chat_id = source.room_id
    elif isinstance(source, UserSource):
        chat_id = source.user_id
    return chat_id


def handle_event(event: Event, ctx: EventContext) -> str:
    """Act on one event, at most once per webhookEventId. Returns what was done (for logs)."""
    if getattr(event, "mode", None) == "standby":
        return "standby"  # another channel answers this chat: never send anything
    message = getattr(event, "message", None)
    handler = _HANDLERS.get((type(event), type(message) if message is not None else None))
    if handler is None and message is not None:
        handler = _HANDLERS.get((type(event), None))
    chat_id = chat_id_of(getattr(event, "source", None))
    if handler is None or not chat_id:
        return "ignored"
    if ctx.missed is not None:  # this event's first reply carries what the chat missed
        ctx = dataclasses.replace(ctx, line=ctx.missed.for_chat(chat_id, ctx.line))
    turn = Turn(
        ctx,
        event_id=getattr(event, "webhook_event_id", None) or "",
        chat_id=chat_id,
        reply_token=getattr(event, "reply_token", None) or "",
        timestamp_ms=int(getattr(event, "timestamp", 0) or 0),
        user_id=getattr(getattr(event, "source", None), "user_id", None) or "",
    )
    # Who spoke lately in a group or room: a みんな reminder mentions them.
    if message is not None and turn.user_id and chat_id[:1] in GROUP_PREFIXES and ctx.members:
        ctx.members.heard(chat_id, turn.user_id, turn.timestamp_ms)
    return handler(event, turn)


@on(MessageEvent, TextMessageContent)
def _on_text(event: MessageEvent, turn: Turn) -> str:
    assert isinstance(event.message, TextMessageContent)
    return handle_text(event.message.text, turn)


@on(PostbackEvent)
def _on_postback(event: PostbackEvent, turn: Turn) -> str:
    params = event.postback.params if isinstance(event.postback.params, dict) else None
    return handle_postback(event.postback.data or "", params, turn)


@on(MessageEvent, StickerMessageContent)
@on(MessageEvent, ImageMessageContent)
@on(MessageEvent, VideoMessageContent)
@on(MessageEvent, AudioMessageContent)
@on(MessageEvent, FileMessageContent)
@on(MessageEvent, LocationMessageContent)
@on(MessageEvent)
def _on_other_message(event: MessageEvent, turn: Turn) -> str:
    return turn.reply_once(texts.not_text(), "not_text")


@on(FollowEvent)
def _on_follow(event: FollowEvent, turn: Turn) -> str:
    if turn.ctx.followers is not None and turn.chat_id.startswith("U"):
        turn.ctx.followers.add(turn.chat_id, turn.timestamp_ms)  # a broadcast's audience
    return turn.reply_once(texts.welcome(), "follow")


@on(JoinEvent)
@on(MemberJoinedEvent)
def _on_join(event: Any, turn: Turn) -> str:
    return turn.reply_once(texts.group_welcome(), "join")


@on(UnfollowEvent)
@on(LeaveEvent)
def _on_goodbye(event: Any, turn: Turn) -> str:
    """Unfollow (1:1) or the bot left a group: that chat's reminders and settings go."""
    removed = turn.ctx.reminders.delete_chat(turn.chat_id)
    if turn.ctx.notify is not None:
        turn.ctx.notify.forget_chat(turn.chat_id)  # its API tokens and messages still waiting
    if turn.ctx.missed is not None:
        turn.ctx.missed.forget_chat(turn.chat_id)  # held for it: no longer to be pushed
    if turn.ctx.followers is not None:
        turn.ctx.followers.remove(turn.chat_id)  # unfollow is also what blocking sends
    if turn.ctx.calendars is not None:
        turn.ctx.calendars.revoke(turn.chat_id)  # its feed URL answers 404 from now on
    if turn.ctx.members is not None:
        turn.ctx.members.forget_chat(turn.chat_id)  # who spoke there
    log.info("chat forgotten: reminders=%d", removed)
    return "chat_deleted"
