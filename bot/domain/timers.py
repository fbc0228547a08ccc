"""The timer a user set, and its compact wire form. Pure: no I/O, no clock."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, replace

# Derives a timer's id from the LINE event that set it, so a redelivered event names the same timer.
_TIMER_NAMESPACE = uuid.UUID("5b0f3c9e-2a4d-4f7e-9c61-3d8a0e1f7b42")
_SEPARATOR = "|"
_FORMAT_VERSION = "1"


class MalformedTimerError(ValueError):
    """A stored timer could not be read back."""


@dataclass(frozen=True, slots=True)
class Timer:
    """A notification due at `due_ms` (epoch milliseconds) for one chat.

    `id` is 22 characters of URL-safe base64 holding a UUID, which doubles as the LINE
    `X-Line-Retry-Key` of every attempt to deliver it; `attempt` counts failed attempts.
    """

    id: str
    chat_id: str
    due_ms: int
    seconds: int
    label: str = ""
    attempt: int = 0

    @property
    def retry_key(self) -> str:
        return str(uuid.UUID(bytes=base64.urlsafe_b64decode(self.id + "==")))

    def next_attempt(self) -> Timer:
        return replace(self, attempt=self.attempt + 1)

    def encode(self) -> str:
        """The sorted-set member: every field in one short string (memory per timer matters)."""
        return _SEPARATOR.join(
            (
                _FORMAT_VERSION,
                self.id,
                str(self.due_ms),
                str(self.attempt),
                str(self.seconds),
                self.chat_id,
                self.label,  # last: it may itself contain the separator
            )
        )

    @classmethod
    def decode(cls, member: str | bytes) -> Timer:
        text = member.decode() if isinstance(member, bytes) else member
        parts = text.split(_SEPARATOR, 6)
        if len(parts) != 7 or parts[0] != _FORMAT_VERSION:
            raise MalformedTimerError(text[:40])
        _, timer_id, due_ms, attempt, seconds, chat_id, label = parts
        try:
            return cls(timer_id, chat_id, int(due_ms), int(seconds), label, int(attempt))
        except ValueError as exc:
            raise MalformedTimerError(text[:40]) from exc


def timer_id_for_event(webhook_event_id: str) -> str:
    """A stable timer id for the event that set it."""
    raw = uuid.uuid5(_TIMER_NAMESPACE, webhook_event_id).bytes
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def new_timer_id() -> str:
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
