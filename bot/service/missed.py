"""The chat's next reply carries what it missed while the month's quota was spent.

Replies are free, so the first reply the bot makes to a chat holding notifications (to any
message: text, sticker, postback...) starts with one message listing them (label, when due),
then the answer itself — one reply request, LINE's five messages at most. Exactly once: the
notifications are taken under a lease (no push carries them meanwhile), done when LINE took
the reply, released when it did not (then a later reply or push carries them).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.domain import missed
from bot.domain.line_limits import DUMMY_REPLY_TOKENS, MAX_MESSAGES_PER_REQUEST
from bot.domain.ports import StoreErrors
from bot.domain.reminders import Reminder
from bot.domain.texts import Reply
from bot.service.context import Replier

log = logging.getLogger(__name__)


class HeldNotifications(Protocol):
    """bot.adapters.redis.held_store.HeldBook."""

    def take(self, chat_id: str, now_ms: int, at_most: int) -> list[Reminder]: ...
    def done(self, chat_id: str, reminders: list[Reminder]) -> None: ...
    def release(self, chat_id: str, reminders: list[Reminder], at_ms: int) -> None: ...
    def forget_chat(self, chat_id: str) -> int: ...


class SettlingReplier(Protocol):
    """bot.adapters.line.replies.ReplySender: a reply, and later whether LINE took it."""

    def reply(
        self,
        reply_token: str,
        replies: list[Reply],
        on_settled: Callable[[bool], None] | None = None,
    ) -> bool: ...


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


class MissedReplies:
    """Built once per web process; `for_chat` gives each event its own replier."""

    def __init__(
        self,
        held: HeldNotifications,
        sender: SettlingReplier,
        zone_of: Callable[[str], ZoneInfo],
        clock: Callable[[], int] = wall_ms,
        store_errors: StoreErrors = (OSError,),
    ) -> None:
        self._held, self._sender, self._zone_of, self._clock = held, sender, zone_of, clock
        self.store_errors = store_errors

    def forget_chat(self, chat_id: str) -> int:
        """Unfollow (block) or leave: nothing held for that chat is sent any more."""
        return self._held.forget_chat(chat_id)

    def for_chat(self, chat_id: str, inner: Replier) -> MissedFirst:
        """`inner`: the event's own replier, for replies that carry nothing held (in
        production the same sender; the reply with held ones needs its on_settled)."""
        return MissedFirst(self, chat_id, inner)

    def reply(self, chat_id: str, reply_token: str, replies: list[Reply], inner: Replier) -> bool:
        no_room = len(replies) >= MAX_MESSAGES_PER_REQUEST
        if no_room or not reply_token or reply_token in DUMMY_REPLY_TOKENS:
            return inner.reply(reply_token, replies)
        now = self._clock()
        try:
            taken = self._held.take(chat_id, now, missed.MAX_LISTED)
        except self.store_errors as exc:
            log.warning("held notifications unreadable (%s)", type(exc).__name__)
            taken = []
        if not taken:
            return inner.reply(reply_token, replies)
        try:
            first = missed.missed_reply(taken, self._zone_of(chat_id))
        except self.store_errors:  # the chat's zone unreadable: they wait for the next one
            self._held.release(chat_id, taken, now)
            return inner.reply(reply_token, replies)

        def settled(sent: bool) -> None:
            if sent:
                self._held.done(chat_id, taken)
                log.info("held notifications delivered by reply count=%d", len(taken))
            else:
                self._held.release(chat_id, taken, self._clock())

        queued = self._sender.reply(reply_token, [first, *replies], on_settled=settled)
        if not queued:
            settled(False)
        return queued


class MissedFirst:
    """The Replier of one event: its first reply carries what the chat missed."""

    def __init__(self, replies: MissedReplies, chat_id: str, inner: Replier) -> None:
        self._replies, self._chat_id, self._inner = replies, chat_id, inner
        self._used = False

    def show_loading(self, chat_id: str, seconds: int) -> bool:
        """The inner replier's loading animation, when it has one (heavy commands ask)."""
        shows = getattr(self._inner, "show_loading", None)
        return bool(shows(chat_id, seconds)) if shows is not None else False

    def reply(self, reply_token: str, replies: list[Reply]) -> bool:
        if self._used:
            return self._inner.reply(reply_token, replies)
        self._used = True  # a reply token is single use: only the first reply can carry them
        return self._replies.reply(self._chat_id, reply_token, replies, self._inner)
