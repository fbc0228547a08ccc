"""What the bot does with each webhook event. Quick answers go through the reply token;
heavy work is enqueued; timers are stored. No HTTP framework here."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from linebot.v3.webhooks import (
    Event,
    FollowEvent,
    GroupSource,
    MessageEvent,
    RoomSource,
    TextMessageContent,
    UserSource,
)

from bot.domain import commands, texts
from bot.domain.texts import Reply
from bot.domain.timers import Timer, timer_id_for_event
from bot.settings import Settings

log = logging.getLogger(__name__)


class TimerAdder(Protocol):
    def add(self, timer: Timer, *, event_id: str | None = None) -> bool: ...
    def mark_event_seen(self, event_id: str) -> bool: ...


class Replier(Protocol):
    def reply(self, reply_token: str, replies: list[Reply]) -> bool: ...


class Jobs(Protocol):
    def enqueue_analysis(
        self, *, chat_id: str, reply_token: str, text: str, received_ms: int
    ) -> str: ...


@dataclass(frozen=True, slots=True)
class EventContext:
    settings: Settings
    timers: TimerAdder
    line: Replier
    jobs: Jobs


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
        return "standby"
    event_id = getattr(event, "webhook_event_id", None) or ""
    reply_token = getattr(event, "reply_token", None) or ""
    chat_id = chat_id_of(getattr(event, "source", None))
    if isinstance(event, MessageEvent) and chat_id:
        if isinstance(event.message, TextMessageContent):
            return _handle_text(event, event.message.text, chat_id, ctx)
        return _reply_once(ctx, event_id, reply_token, texts.not_text(), "not_text")
    if isinstance(event, FollowEvent):
        return _reply_once(ctx, event_id, reply_token, texts.welcome(), "follow")
    return "ignored"


def _handle_text(event: MessageEvent, text: str, chat_id: str, ctx: EventContext) -> str:
    event_id = event.webhook_event_id
    command = commands.parse(text, max_seconds=ctx.settings.max_timer_seconds)
    if isinstance(command, commands.SetTimer):
        timer = Timer(
            id=timer_id_for_event(event_id),
            chat_id=chat_id,
            due_ms=event.timestamp + command.seconds * 1000,
            seconds=command.seconds,
            label=command.label,
        )
        if not ctx.timers.add(timer, event_id=event_id):
            return "duplicate"
        fires_at = datetime.fromtimestamp(timer.due_ms / 1000, ctx.settings.tz)
        ctx.line.reply(
            event.reply_token or "", [texts.timer_set(timer.seconds, timer.label, fires_at)]
        )
        return "timer"
    if isinstance(command, commands.Analyze) and command.text:
        if not ctx.timers.mark_event_seen(event_id):
            return "duplicate"
        ctx.jobs.enqueue_analysis(
            chat_id=chat_id,
            reply_token=event.reply_token or "",
            text=command.text,
            received_ms=event.timestamp,
        )
        return "analysis_enqueued"
    reply, kind = _quick_answer(command)
    return _reply_once(ctx, event_id, event.reply_token or "", reply, kind)


def _quick_answer(command: commands.Command) -> tuple[Reply, str]:
    if isinstance(command, commands.DurationOutOfRange):
        return texts.out_of_range(command.max_seconds), "out_of_range"
    if isinstance(command, commands.ShowHelp):
        return texts.help_text(), "help"
    if isinstance(command, commands.Analyze):
        return texts.analyze_needs_text(), "analyze_needs_text"
    return texts.unreadable(), "unreadable"


def _reply_once(ctx: EventContext, event_id: str, reply_token: str, reply: Reply, kind: str) -> str:
    if event_id and not ctx.timers.mark_event_seen(event_id):
        return "duplicate"
    ctx.line.reply(reply_token, [reply])
    return kind
