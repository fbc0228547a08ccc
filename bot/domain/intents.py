"""What a chat message asks the bot to do: the result of `bot.domain.parsing.read_message`.

Every type is a frozen, slotted dataclass with a class-level `kind`, the string the operator
view (`python -m bot parse`) prints and the service layer can switch on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from bot.domain.recurrence import Recurrence


@dataclass(frozen=True, slots=True)
class StartTimer:
    """Notify `seconds` of elapsed time after the message was sent."""

    kind: ClassVar[str] = "timer"
    seconds: int
    label: str


@dataclass(frozen=True, slots=True)
class RemindOnce:
    """Notify once at `at`, an aware datetime in the chat's zone."""

    kind: ClassVar[str] = "once"
    at: datetime
    label: str


@dataclass(frozen=True, slots=True)
class RemindRecurring:
    """Notify on every occurrence of `rule`; `first` is the first one after the message."""

    kind: ClassVar[str] = "recurring"
    rule: Recurrence
    first: datetime
    label: str


@dataclass(frozen=True, slots=True)
class ListReminders:
    """Show the chat's pending reminders, numbered."""

    kind: ClassVar[str] = "list"


@dataclass(frozen=True, slots=True)
class CancelReminder:
    """Cancel reminder `number` of the list; None cancels all of them."""

    kind: ClassVar[str] = "cancel"
    number: int | None


@dataclass(frozen=True, slots=True)
class SetTimezone:
    """Use `zone` (an IANA name zoneinfo knows) for this chat's wall clock."""

    kind: ClassVar[str] = "timezone"
    zone: str


@dataclass(frozen=True, slots=True)
class ShowHelp:
    """The user asked what the bot understands."""

    kind: ClassVar[str] = "help"


@dataclass(frozen=True, slots=True)
class Analyze:
    """Morphological analysis of `text` (empty: the user forgot the sentence)."""

    kind: ClassVar[str] = "analyze"
    text: str


@dataclass(frozen=True, slots=True)
class Unreadable:
    """Text the bot cannot act on.

    `reason`: "empty", "no_time", "invalid_date", "invalid_time", "unknown_timezone",
    "cancel_needs_number" (bare キャンセル), "no_such_number" (取消 0). With "no_time",
    `label` keeps what the user wanted to be reminded of, so the bot can ask when.
    """

    kind: ClassVar[str] = "unreadable"
    reason: str
    label: str = ""


@dataclass(frozen=True, slots=True)
class OutOfRange:
    """A time was read but cannot be scheduled: "too_far", "not_positive", "past" (the moment
    read has passed) or "in_the_past" (the message speaks of the past: 昨日, 先週, 3日前, ago)."""

    kind: ClassVar[str] = "out_of_range"
    reason: str


Reminding = StartTimer | RemindOnce | RemindRecurring


@dataclass(frozen=True, slots=True)
class AskWhich:
    """The message holds something that reads as time which no reading used, or that
    contradicts itself (`6月3日(木)` when the 3rd is a Saturday): the bot does not guess.

    It answers with what it could read and offers `readings` (each one a complete reminder,
    possibly none) plus the date-time picker; nothing is stored until the user taps one.
    `reason`: "unread_time" (a time-like piece was left over), "weekday_mismatch",
    "ambiguous" (two readings are equally likely). `unread`: the pieces left over, as typed.
    """

    kind: ClassVar[str] = "ask"
    reason: str
    label: str
    readings: tuple[Reminding, ...] = ()
    unread: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CalendarFeed:
    """カレンダー: the chat's private iCalendar subscription URL; `revoke` (カレンダー 削除)
    withdraws it."""

    kind: ClassVar[str] = "calendar"
    revoke: bool = False


@dataclass(frozen=True, slots=True)
class NotifyToken:
    """通知トークン: a LINE Notify-style token for this chat. `action`: "issue" (shown once),
    "revoke" (通知トークン 削除) or "list" (通知トークン 一覧: count and last use)."""

    kind: ClassVar[str] = "notify_token"
    action: str = "issue"


@dataclass(frozen=True, slots=True)
class Reading:
    """The reading of `text` in hiragana (empty: the user forgot the sentence)."""

    kind: ClassVar[str] = "reading"
    text: str


@dataclass(frozen=True, slots=True)
class Keywords:
    """The nouns that matter in `text` (empty: the user forgot the sentence)."""

    kind: ClassVar[str] = "keywords"
    text: str


@dataclass(frozen=True, slots=True)
class Broadcast:
    """An operator's broadcast to every follower: `text` to send, or `confirm`, the code of
    a broadcast already described and waiting for its go-ahead. Only for ADMIN_USER_IDS."""

    kind: ClassVar[str] = "broadcast"
    text: str
    confirm: str = ""


Intent = (
    StartTimer
    | RemindOnce
    | RemindRecurring
    | ListReminders
    | CancelReminder
    | SetTimezone
    | ShowHelp
    | Analyze
    | Unreadable
    | OutOfRange
    | AskWhich
    | CalendarFeed
    | NotifyToken
    | Reading
    | Keywords
    | Broadcast
)


# The commands answered by the RQ worker (janome) or, for Broadcast, by a long job.
HeavyIntent = Analyze | Reading | Keywords | Broadcast
