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
class Nag:
    """完了するまで: notify again every `every_minutes` until 完了 is tapped, at most `times`
    more times."""

    every_minutes: int = 10
    times: int = 6


@dataclass(frozen=True, slots=True)
class StartTimer:
    """Notify `seconds` of elapsed time after the message was sent."""

    kind: ClassVar[str] = "timer"
    seconds: int
    label: str
    alerts: tuple[int, ...] = ()
    nag: Nag | None = None


@dataclass(frozen=True, slots=True)
class RemindOnce:
    """Notify once at `at`, an aware datetime in the chat's zone. `alerts`: seconds before
    `at` to notify as well (30分前にも), largest first; `nag`: until it is marked done."""

    kind: ClassVar[str] = "once"
    at: datetime
    label: str
    alerts: tuple[int, ...] = ()
    nag: Nag | None = None


@dataclass(frozen=True, slots=True)
class RemindRecurring:
    """Notify on every occurrence of `rule`; `first` is the first one after the message.
    `alerts` and `nag` as for RemindOnce, for every occurrence."""

    kind: ClassVar[str] = "recurring"
    rule: Recurrence
    first: datetime
    label: str
    alerts: tuple[int, ...] = ()
    nag: Nag | None = None


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
class ShowTimezone:
    """タイムゾーン alone: which zone the chat's times are read in."""

    kind: ClassVar[str] = "timezone_shown"


@dataclass(frozen=True, slots=True)
class Greeting:
    """こんにちは, ありがとう, hello: answered, never a reminder; `thanks` for a thank-you."""

    kind: ClassVar[str] = "greeting"
    thanks: bool = False


@dataclass(frozen=True, slots=True)
class Abandon:
    """キャンセル, やめる, 中止 alone: drops the open question; with none open, which reminder
    to cancel is not said (取消 N)."""

    kind: ClassVar[str] = "abandon"


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
class EditReminder:
    """変更 3 9時 / 3番を明日の9時に / change 3 to friday 10am: move reminder `number` of the
    last 一覧. `reading`: what the new time reads as (None: no time given, ask when);
    `clock`: (hour, minute) when only a clock time was given, so a recurring rule keeps its
    days and changes its time."""

    kind: ClassVar[str] = "edit"
    number: int
    reading: Intent | None = None
    clock: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class ShowAgenda:
    """今日の予定 / 明日の予定: the chat's reminders of that day (`days_ahead` 0 or 1)."""

    kind: ClassVar[str] = "agenda"
    days_ahead: int = 0


@dataclass(frozen=True, slots=True)
class SetAgenda:
    """毎朝7時に今日の予定 / 予定 毎朝7時 / agenda daily 7am: push the day's reminders on
    `rule` (first at `first`); rule None (予定 停止) stops it."""

    kind: ClassVar[str] = "agenda_set"
    rule: Recurrence | None
    first: datetime | None = None


@dataclass(frozen=True, slots=True)
class SetDigest:
    """まとめて通知 (on) / まとめて通知 オフ: the day's one-shot reminders before noon go out in
    the agenda push instead of one push each."""

    kind: ClassVar[str] = "digest"
    on: bool = True


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
    | ShowTimezone
    | Greeting
    | Abandon
    | ShowHelp
    | Analyze
    | Unreadable
    | OutOfRange
    | AskWhich
    | CalendarFeed
    | NotifyToken
    | EditReminder
    | ShowAgenda
    | SetAgenda
    | SetDigest
    | Reading
    | Keywords
    | Broadcast
)


# The commands answered by the RQ worker (janome) or, for Broadcast, by a long job.
HeavyIntent = Analyze | Reading | Keywords | Broadcast
