"""The Notify-style API, apart from HTTP: sign in by token, count, then queue a message or set
a reminder. bot/entrypoints/notify_web.py turns requests into these calls and `Answer`s back.

- Signed in by token only. An address that sent more than FAILED_TOKENS_PER_MINUTE missing,
  unknown or revoked tokens this minute is answered 429 for the rest of it, whatever it sends:
  a valid token must not answer differently there, or the limit would still be an oracle.
- Every call of a token counts towards its NOTIFY_RATE_PER_HOUR, as LINE Notify counted it;
  every answer carries X-RateLimit-Limit/-Remaining/-Reset — the token's hour once it is
  known, the address's failed-token minute before that.
- A message is never pushed from here: it is queued (one Lua call) for the timer worker's
  notify loop, which pushes with one retry key per message, so the answer is as fast as
  Redis and a message is pushed exactly once (see notify_store.py). A client that sends
  `X-Request-Id` (or `Idempotency-Key`) can retry a request whose answer it never got: the
  same id within 24 h changes nothing.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from bot.domain import intents, notify
from bot.domain.intent_json import describe
from bot.domain.notify import Answer, TokenUse, answer
from bot.domain.occurrences import zone_of
from bot.domain.parsing import read_message
from bot.domain.ports import Added
from bot.domain.reminders import Kind, Reminder, new_reminder_id, reminder_id_for_event
from bot.service.context import ReminderBook
from bot.settings import Settings

log = logging.getLogger(__name__)


class NotifyPort(Protocol):
    def use(self, token_digest: str, now_ms: int, *, limit: int) -> TokenUse | None: ...
    def failures(self, address: str, *, add: bool) -> tuple[int, int]: ...
    def enqueue(self, message: Reminder, *, request: str, max_waiting: int) -> Added: ...


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


def never_held() -> bool:
    # The hook for the month's quota hold (being added to the timer worker separately): while
    # it is held, pushes would only wait, so the API answers 429 instead of queueing them.
    return False


class NotifyApi:
    def __init__(
        self,
        store: NotifyPort,
        reminders: ReminderBook,
        settings: Settings,
        *,
        clock: Callable[[], int] = wall_ms,
        quota_held: Callable[[], bool] = never_held,
    ) -> None:
        self._store = store
        self._reminders = reminders
        self._settings = settings
        self._clock = clock
        self._quota_held = quota_held

    def notify(
        self, authorization: str, message: str | None, request_id: str, address: str
    ) -> Answer:
        """POST /api/notify: push `message` to the token's chat."""
        now = self._clock()
        signed = self._sign_in(authorization, address, now)
        if isinstance(signed, Answer):
            return signed
        use, headers = signed
        if not message:
            return answer(400, notify.MISSING_MESSAGE, headers)
        if len(message) > notify.MAX_MESSAGE_CHARS:
            return answer(400, notify.TOO_LONG, headers)
        request = notify.request_key(use.token_digest, request_id) if request_id else ""
        rid = reminder_id_for_event(f"notify:{request}") if request else new_reminder_id()
        queued = Reminder(use.chat_id, rid, Kind.NOTIFY, now, label=message)
        added = self._store.enqueue(
            queued, request=request, max_waiting=notify.MAX_WAITING_PER_CHAT
        )
        if added is Added.FULL:
            return answer(429, notify.QUEUE_FULL, headers)
        log.info("notify api: message %s", "repeated" if added is Added.DUPLICATE else "queued")
        return answer(200, notify.OK, headers)

    def remind(self, authorization: str, text: str | None, request_id: str, address: str) -> Answer:
        """POST /api/reminders: set what `text` reads as, as if typed in the chat."""
        now = self._clock()
        signed = self._sign_in(authorization, address, now)
        if isinstance(signed, Answer):
            return signed
        use, headers = signed
        if not text or not text.strip():
            return answer(400, notify.MISSING_TEXT, headers)
        settings = self._settings
        zone = zone_of(self._reminders.timezone(use.chat_id) or "", settings.tz)
        at = datetime.fromtimestamp(now / 1000, UTC).astimezone(zone)
        intent = read_message(text, now=at, max_ahead=timedelta(days=settings.reminder_max_days))
        described = describe(text, intent, at)
        request = notify.request_key(use.token_digest, request_id) if request_id else ""
        rid = reminder_id_for_event(f"api:{request}") if request else new_reminder_id()
        reminder = _reminder_for(intent, use.chat_id, rid, now)
        if reminder is None:  # an ask, the unreadable, anything but a reminder: nothing stored
            return Answer(400, described, headers)
        added = self._reminders.add(
            reminder,
            event_id=f"api:{request}" if request else None,
            max_pending=settings.max_reminders_per_chat,
        )
        if added is Added.FULL:
            return answer(409, notify.CHAT_FULL, headers)
        log.info("reminders api: %s %s", reminder.kind.name.lower(), added.value)
        return Answer(200, described, headers)

    def _sign_in(
        self, authorization: str, address: str, now: int
    ) -> tuple[_Signed, dict[str, str]] | Answer:
        """The token's chat and the rate-limit headers, or the answer that refuses the call."""
        store, cap = self._store, notify.FAILED_TOKENS_PER_MINUTE
        failed, left_ms = store.failures(address, add=False)
        if failed >= cap:
            log.info("notify api: refused, too many failed tokens from one address")
            return answer(429, notify.TOO_MANY_FAILURES, _headers(cap, failed, now, left_ms))
        token = notify.bearer_token(authorization)
        token_digest = notify.digest(token) if token else ""
        limit = self._settings.notify_rate_per_hour
        use = store.use(token_digest, now, limit=limit) if token else None
        if use is None:
            failed, left_ms = store.failures(address, add=True)
            log.info("notify api: invalid token")
            return answer(401, notify.INVALID_TOKEN, _headers(cap, failed, now, left_ms))
        headers = _headers(limit, use.calls, now, use.resets_in_ms)
        if use.calls > limit:
            log.info("notify api: token over its hourly limit")
            return answer(429, notify.RATE_LIMITED, headers)
        if self._quota_held():
            return answer(429, notify.QUOTA_HELD, headers)
        return _Signed(use.chat_id, token_digest), headers


@dataclass(frozen=True, slots=True)
class _Signed:
    chat_id: str
    token_digest: str


def _headers(limit: int, used: int, now_ms: int, left_ms: int) -> dict[str, str]:
    return notify.rate_headers(limit, used, math.ceil((now_ms + max(0, left_ms)) / 1000))


def _reminder_for(intent: intents.Intent, chat: str, rid: str, now_ms: int) -> Reminder | None:
    """The reminder a reading sets, as the chat command would (reminder_commands)."""
    if isinstance(intent, intents.StartTimer):
        due = now_ms + intent.seconds * 1000
        return Reminder(chat, rid, Kind.TIMER, due, intent.label, str(intent.seconds))
    if isinstance(intent, intents.RemindOnce):
        return Reminder(chat, rid, Kind.ONCE, int(intent.at.timestamp() * 1000), intent.label)
    if isinstance(intent, intents.RemindRecurring):
        first = int(intent.first.timestamp() * 1000)
        return Reminder.recurring(chat, rid, first, intent.label, intent.rule)
    return None
