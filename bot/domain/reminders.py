"""A reminder as stored: its identity, its current occurrence and how to re-arm it. Pure.

A reminder's identity (`chat_id`, `id`) never changes; what changes is its record: the
occurrence it is armed for, the failed attempts of that occurrence, and (for recurring ones)
the rule that gives the next occurrence. The queue entry points at the identity only, so a
retry or a re-arm rewrites the record and the entry's score, never the entry.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import lru_cache

from bot.domain.recurrence import Recurrence

# Derives ids from the LINE event that set a reminder, so a redelivered event names the same one.
_ID_NAMESPACE = uuid.UUID("8d3c4f0e-7a61-4b2e-9f15-6c0a2d9e4b73")
# Derives a retry key for each occurrence: a recurring reminder's next occurrence is a new
# message for LINE (a reused key would be answered 409 and the message silently dropped).
_RETRY_NAMESPACE = uuid.UUID("1f6b2a8c-3e47-4d90-b5a2-7c8e0f4d1a36")
_SEPARATOR = "|"
MEMBER_SEPARATOR = ":"
ID_BYTES = 6  # 48 bits, unique within one chat; 8 characters of URL-safe base64


class MalformedReminderError(ValueError):
    """A stored record could not be read back."""


class Kind(StrEnum):
    TIMER = "t"  # a duration: `arg` is its length in seconds
    ONCE = "o"  # a moment
    RECURRING = "r"  # `arg` is the encoded Recurrence
    # A Notify-style API message: the label is the text, pushed as it is. Stored only on the
    # notify:* keys (keys.py), which the previous release never reads: its decoder refuses an
    # unknown kind and would dead-letter the message.
    NOTIFY = "n"


@dataclass(frozen=True, slots=True)
class Reminder:
    """One reminder of one chat, armed for `occurrence_ms` (epoch ms, the moment it is due)."""

    chat_id: str
    id: str
    kind: Kind
    occurrence_ms: int
    label: str = ""
    arg: str = ""
    attempt: int = 0

    @property
    def member(self) -> str:
        """The queue entry: the identity, and nothing that changes."""
        return member_of(self.chat_id, self.id)

    @property
    def retry_key(self) -> str:
        """One X-Line-Retry-Key per occurrence, the same on every attempt by any worker."""
        name = f"{self.chat_id}{MEMBER_SEPARATOR}{self.id}{MEMBER_SEPARATOR}{self.occurrence_ms}"
        return str(uuid.uuid5(_RETRY_NAMESPACE, name))

    @property
    def seconds(self) -> int:
        return int(self.arg) if self.kind is Kind.TIMER and self.arg.isdigit() else 0

    @classmethod
    def recurring(
        cls, chat_id: str, reminder_id: str, occurrence_ms: int, label: str, rule: Recurrence
    ) -> Reminder:
        return cls(chat_id, reminder_id, Kind.RECURRING, occurrence_ms, label, compact_rule(rule))

    def rule(self) -> Recurrence:
        """The recurring rule (ValueError if this is not a recurring reminder's record)."""
        return _rule_of(self.arg)

    def next_attempt(self) -> Reminder:
        return replace(self, attempt=self.attempt + 1)

    def rearmed(self, occurrence_ms: int) -> Reminder:
        """The same reminder armed for another occurrence (a new retry key, no attempts)."""
        return replace(self, occurrence_ms=occurrence_ms, attempt=0)

    def encode(self) -> str:
        """The stored record (the chat and id are where it is stored, not in it)."""
        return _SEPARATOR.join(
            (str(self.occurrence_ms), str(self.attempt), self.kind.value, self.arg, self.label)
        )

    @classmethod
    def decode(cls, chat_id: str, reminder_id: str, record: str | bytes) -> Reminder:
        text = record.decode() if isinstance(record, bytes) else record
        parts = text.split(_SEPARATOR, 4)  # the label is last: it may contain the separator
        if len(parts) != 5:
            raise MalformedReminderError(reminder_id)
        occurrence, attempt, kind, arg, label = parts
        try:
            return cls(chat_id, reminder_id, Kind(kind), int(occurrence), label, arg, int(attempt))
        except ValueError as exc:
            raise MalformedReminderError(reminder_id) from exc


def member_of(chat_id: str, reminder_id: str) -> str:
    return f"{chat_id}{MEMBER_SEPARATOR}{reminder_id}"


def split_member(member: str) -> tuple[str, str]:
    """(chat_id, id) of a queue entry; LINE ids never contain the separator."""
    chat_id, sep, reminder_id = member.rpartition(MEMBER_SEPARATOR)
    if not sep or not chat_id or not reminder_id:
        raise MalformedReminderError(member[:40])
    return chat_id, reminder_id


def reminder_id_for_event(webhook_event_id: str, index: int = 0) -> str:
    """A stable id for the reminder an event set (`index`: several from one event)."""
    raw = uuid.uuid5(_ID_NAMESPACE, f"{webhook_event_id}/{index}").bytes[:ID_BYTES]
    return base64.urlsafe_b64encode(raw).decode()


def new_reminder_id() -> str:
    return base64.urlsafe_b64encode(uuid.uuid4().bytes[:ID_BYTES]).decode()


# A recurring record's rule in short tokens: Redis keeps a chat's hash as a compact listpack
# only while every value is at most 64 bytes (hash-max-listpack-value), and
# "FREQ=DAILY;BYHOUR=7;BYMINUTE=0" alone took 31 of them (measured: 474 B per daily reminder
# at one a chat as a hashtable). Longest prefixes first, so "md" is not read as "m" + "d".
_RULE_TOKENS = (
    ("FREQ=DAILY", "D"),
    ("FREQ=WEEKLY", "W"),
    ("FREQ=MONTHLY", "M"),
    ("FREQ=YEARLY", "Y"),
    ("BYMONTHDAY=", "md"),
    ("BYMONTH=", "mo"),
    ("BYMINUTE=", "m"),
    ("BYHOUR=", "h"),
    ("BYDAY=", "d"),
    ("BYSETPOS=", "s"),
    ("INTERVAL=", "i"),
    ("COUNT=", "c"),
    ("UNTIL=", "u"),
    ("WKST=", "w"),
    ("X-FROM=", "a"),
    ("X-HOL", "x"),
)
_EXPAND = sorted(((short, long) for long, short in _RULE_TOKENS), key=lambda t: -len(t[0]))


def _shorten(part: str) -> str:
    for long, short in _RULE_TOKENS:
        if part == long or (long.endswith("=") and part.startswith(long)):
            return short + part[len(long) :]
    return part


def _lengthen(part: str) -> str:
    if "=" in part or part.startswith("X-"):
        return part  # a long form already
    for short, long in _EXPAND:
        if part.startswith(short) and (long.endswith("=") or part == short):
            return long + part[len(short) :]
    return part


@lru_cache(maxsize=1024)
def _rule_of(stored: str) -> Recurrence:
    # A recurring push reads its rule three or four times (what comes next, the card, its
    # altText), and 100,000 chats often share one: decode each stored rule once. Recurrence
    # is frozen, so one instance serves every caller.
    return Recurrence.decode(expand_rule(stored))


def compact_rule(rule: Recurrence) -> str:
    return ";".join(_shorten(part) for part in rule.encode().split(";"))


def expand_rule(text: str) -> str:
    """The Recurrence encoding of a stored rule (long forms pass through unchanged)."""
    return ";".join(_lengthen(part) for part in text.split(";"))
