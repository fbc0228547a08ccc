"""カレンダー: a chat's pending reminders as a private iCalendar feed a calendar app subscribes to.

`カレンダー` issues the chat's token (a new one each time: one feed per chat, the old URL then
answers 404) and answers with `<public URL>/cal/<token>.ics`; `カレンダー 削除` revokes it.
`serve` is what GET /cal/<token>.ics does with a token: one Redis call, then 304 when the
calendar already holds this content, else the rendered calendar. The token is a capability:
it never goes into a log line, and only its SHA-256 is stored.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.domain import calendar_feed, calendar_texts, intents, texts
from bot.domain.calendar_feed import ChatSnapshot
from bot.domain.occurrences import zone_of
from bot.service.context import Turn

TOKEN_BYTES = 32  # 256 random bits: secrets.token_urlsafe(32) is 43 URL-safe characters
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")
FEED_PATH = "/cal/{token}.ics"


def handle_calendar(intent: intents.CalendarFeed, turn: Turn) -> str:
    """Answer カレンダー (a new URL, replacing the chat's old one) or カレンダー 削除."""
    book = turn.ctx.calendars
    if book is None:  # a process wired without feeds (none today): as if not understood
        return turn.reply_once(texts.unreadable(""), "unreadable")
    # Marked before acting: a redelivered event must not replace the token the first
    # delivery's reply already showed.
    if turn.event_id and not turn.ctx.reminders.mark_event_seen(turn.event_id):
        return "duplicate"
    if intent.revoke:
        had_one = book.revoke(turn.chat_id)
        return turn.reply(calendar_texts.revoked(had_one=had_one), "calendar_revoked")
    if not turn.ctx.public_url:
        return turn.reply(calendar_texts.no_public_url(), "calendar_no_url")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    replaced = book.issue(turn.chat_id, token)
    url = turn.ctx.public_url + FEED_PATH.format(token=token)
    return turn.reply(calendar_texts.feed_url(url, replaced=replaced), "calendar_issued")


class FeedSource(Protocol):
    def read(self, token: str) -> ChatSnapshot | None: ...


@dataclass(frozen=True, slots=True)
class Feed:
    """A feed answer: its (weak) ETag, and the body, or None when the caller's copy is
    current (304)."""

    etag: str
    body: bytes | None
    events: int = 0


def serve(
    source: FeedSource,
    token: str,
    *,
    host: str,
    default_zone: ZoneInfo,
    now: datetime,
    is_current: Callable[[str], bool],
) -> Feed | None:
    """The feed a token opens, None for a malformed, unknown or revoked token. `is_current`
    says whether the client already holds the content of an ETag (If-None-Match): then
    nothing is rendered."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None  # not one we could have issued: no Redis call
    snapshot = source.read(token)
    if snapshot is None:
        return None
    zone = zone_of(snapshot.timezone or "", default_zone)
    tag = calendar_feed.etag(snapshot.version, zone=zone.key, host=host)
    if is_current(tag):
        return Feed(tag, None)
    body = calendar_feed.render(snapshot.reminders, zone, host=host, now=now)
    return Feed(tag, body, len(snapshot.reminders))
