"""What event handlers are given: the ports they talk through, and the event being handled."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.domain.ports import Added
from bot.domain.reminders import Reminder
from bot.domain.texts import Reply
from bot.settings import Settings


class ReminderBook(Protocol):
    """The reminders of each chat, as the web process needs them (ReminderStore)."""

    def add(
        self, reminder: Reminder, *, event_id: str | None, max_pending: int, setter: str = ""
    ) -> Added: ...
    def add_group(
        self,
        reminders: list[Reminder],
        links: str,
        *,
        event_id: str | None,
        max_pending: int,
        setter: str = "",
    ) -> Added: ...
    def links(self, chat_id: str) -> dict[str, str]: ...
    def forget_links(self, chat_id: str, reminder_ids: list[str]) -> None: ...
    def mark_event_seen(self, event_id: str) -> bool: ...
    def pending(self, chat_id: str) -> list[Reminder]: ...
    def remember_listed(self, chat_id: str, reminder_ids: list[str]) -> None: ...
    def listed(self, chat_id: str) -> list[str]: ...
    def cancel(self, chat_id: str, reminder_ids: list[str]) -> int: ...
    def delete_chat(self, chat_id: str) -> int: ...
    def timezone(self, chat_id: str) -> str | None: ...
    def timezone_and_question(
        self, chat_id: str, user_id: str
    ) -> tuple[str | None, str | None]: ...
    def set_timezone(self, chat_id: str, zone: str) -> None: ...
    def get(self, chat_id: str, reminder_id: str) -> Reminder | None: ...
    def rearm(self, current: Reminder, moved: Reminder) -> bool: ...
    def act_once(self, chat_id: str, token: str) -> bool: ...
    def ask(self, chat_id: str, user_id: str, question: str) -> None: ...
    def question(self, chat_id: str, user_id: str) -> str | None: ...
    def forget_question(self, chat_id: str, user_id: str) -> bool: ...


class MemberNames(Protocol):
    """The display names of a group's or room's members (bot.adapters.line.member_names): cached,
    None when unknown or when LINE does not answer within a short bound; never raises."""

    def name_of(self, chat_id: str, user_id: str) -> str | None: ...


class GroupMembers(Protocol):
    """A group's recent speakers and who confirmed an occurrence (adapters/redis/group_members)."""

    def heard(self, chat_id: str, user_id: str, at_ms: int) -> None: ...
    def confirm(self, chat_id: str, token: str, name: str) -> list[str]: ...
    def forget_chat(self, chat_id: str) -> None: ...


class Replier(Protocol):
    def reply(self, reply_token: str, replies: list[Reply]) -> bool: ...


class Jobs(Protocol):
    def enqueue_analysis(
        self, *, chat_id: str, reply_token: str, text: str, received_ms: int
    ) -> str: ...


class FollowerBook(Protocol):
    """Who follows the bot 1:1, the audience of a broadcast (bot.adapters.redis.followers)."""

    def add(self, user_id: str, at_ms: int) -> bool: ...
    def remove(self, user_id: str) -> bool: ...


class CalendarBook(Protocol):
    """Each chat's private calendar feed token (bot.adapters.redis.calendar_feeds)."""

    def issue(self, chat_id: str, token: str) -> bool: ...
    def revoke(self, chat_id: str) -> bool: ...


class HeavyJobs(Protocol):
    """Heavy replies and broadcasts, done by the RQ worker (bot.service.heavy_commands)."""

    @property
    def per_chat(self) -> int: ...
    def enqueue_heavy(
        self,
        command: str,
        *,
        chat_id: str,
        event_id: str,
        reply_token: str,
        text: str,
        received_ms: int,
    ) -> str | None: ...
    def describe_broadcast(self, text: str, *, by: str) -> tuple[str, int]: ...
    def start_broadcast(self, code: str) -> int | None: ...


class NotifyTokens(Protocol):
    """A chat's Notify-style API tokens (bot.adapters.redis.notify_store)."""

    def issue(self, chat_id: str, token_digest: str, now_ms: int, *, cap: int) -> int | None: ...
    def revoke_all(self, chat_id: str) -> int: ...
    def last_uses(self, chat_id: str) -> list[int]: ...
    def forget_chat(self, chat_id: str) -> int: ...


class MissedRepliesPort(Protocol):
    def for_chat(self, chat_id: str, inner: Replier) -> Replier: ...
    def forget_chat(self, chat_id: str) -> int: ...


@dataclass(frozen=True, slots=True)
class EventContext:
    settings: Settings
    reminders: ReminderBook
    line: Replier
    jobs: Jobs
    followers: FollowerBook | None = None
    heavy: HeavyJobs | None = None
    notify: NotifyTokens | None = None
    calendars: CalendarBook | None = None
    # The public base URL (scheme://host) of the webhook being handled, set per request by
    # the web entrypoint (BOT_PUBLIC_URL when set): where links the bot hands out point.
    public_url: str = ""
    # Held notifications go first in a chat's next reply (bot.service.missed.MissedReplies).
    missed: MissedRepliesPort | None = None
    # Who tapped a card in a group or room: its reply names them (bot.service.members).
    names: MemberNames | None = None
    # Who spoke lately (a みんな reminder mentions them) and who confirmed each occurrence.
    members: GroupMembers | None = None


@dataclass(frozen=True, slots=True)
class Turn:
    """One event being handled: where it came from and how to answer it."""

    ctx: EventContext
    event_id: str
    chat_id: str
    reply_token: str
    timestamp_ms: int
    user_id: str = ""  # who acted (in a group: the member), "" when LINE does not say

    def reply_once(self, reply: Reply, outcome: str) -> str:
        """Answer, at most once per webhook event."""
        if self.event_id and not self.ctx.reminders.mark_event_seen(self.event_id):
            return "duplicate"
        self.ctx.line.reply(self.reply_token, [reply])
        return outcome

    def reply(self, reply: Reply, outcome: str) -> str:
        """Answer an event already marked as seen (by the store's own once-per-event write)."""
        self.ctx.line.reply(self.reply_token, [reply])
        return outcome
