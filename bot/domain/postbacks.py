"""The data the bot puts on its buttons, and reading it back strictly. Pure.

LINE sends a tapped button's `data` (≤ 300 characters) back in a postback event. Two taps are
two events with the same data, so whatever must happen once is keyed by the data (the
reminder, its occurrence, the question) — never by the event.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

MAX_DATA_CHARS = 300
_ID = r"[A-Za-z0-9_-]{8}"
_NONCE = r"[A-Za-z0-9_-]{6,12}"


class CardAction(StrEnum):
    """What a notification card offers; one of them acts per delivered occurrence."""

    DONE = "done"
    SNOOZE_5_MIN = "s5"
    SNOOZE_1_HOUR = "s60"
    TOMORROW = "s1d"
    SKIP_NEXT = "skip"  # recurring: skip the next occurrence only
    STOP = "stop"  # recurring: no more occurrences


SNOOZE_MINUTES = {CardAction.SNOOZE_5_MIN: 5, CardAction.SNOOZE_1_HOUR: 60}


@dataclass(frozen=True, slots=True)
class OnCard:
    """A button on the card of occurrence `occurrence_ms` of reminder `reminder_id`."""

    action: CardAction
    reminder_id: str
    occurrence_ms: int
    label: str  # carried so a snooze works after a one-shot's record is gone


@dataclass(frozen=True, slots=True)
class Undo:
    reminder_id: str


@dataclass(frozen=True, slots=True)
class CancelFromList:
    reminder_id: str


@dataclass(frozen=True, slots=True)
class EditFromList:
    reminder_id: str


@dataclass(frozen=True, slots=True)
class ListPage:
    page: int


@dataclass(frozen=True, slots=True)
class PickedMoment:
    """The answer of the 日時を選ぶ picker for question `nonce` (its moment is in `params`)."""

    nonce: str
    label: str


@dataclass(frozen=True, slots=True)
class PickedReading:
    """Reading `index` of those the bot offered when it asked about a message (question `nonce`);
    the reading itself is in the question, so the data cannot name a moment the bot did not show."""

    nonce: str
    index: int


Postback = OnCard | Undo | CancelFromList | EditFromList | ListPage | PickedMoment | PickedReading

_CARD = re.compile(rf"(done|s5|s60|s1d|skip|stop):({_ID}):(\d{{1,15}}):(.*)", re.DOTALL)
_SIMPLE = re.compile(rf"(undo|cancel|edit):({_ID})")
_PAGE = re.compile(r"list:([1-9]\d{0,2})")
_PICK = re.compile(rf"pick:({_NONCE}):(.*)", re.DOTALL)
# No leading zeros: one reading has exactly one data string.
_READING = re.compile(rf"ask:({_NONCE}):(0|[1-9]\d?)")
MAX_READINGS = 11  # a quick reply holds 13 buttons; 日時を選ぶ and キャンセル take two


def _fit(prefix: str, label: str) -> str:
    return (prefix + label)[:MAX_DATA_CHARS]


def on_card(action: CardAction, reminder_id: str, occurrence_ms: int, label: str) -> str:
    return _fit(f"{action.value}:{reminder_id}:{occurrence_ms}:", label)


def undo(reminder_id: str) -> str:
    return f"undo:{reminder_id}"


def cancel_from_list(reminder_id: str) -> str:
    return f"cancel:{reminder_id}"


def edit_from_list(reminder_id: str) -> str:
    return f"edit:{reminder_id}"


def list_page(page: int) -> str:
    return f"list:{page}"


def picked(nonce: str, label: str) -> str:
    return _fit(f"pick:{nonce}:", label)


def picked_reading(nonce: str, index: int) -> str:
    return f"ask:{nonce}:{index}"


def read(data: str) -> Postback | None:
    """The button a postback came from, or None for anything the bot did not send."""
    if not data or len(data) > MAX_DATA_CHARS:
        return None
    if match := _CARD.fullmatch(data):
        action, reminder_id, occurrence, label = match.groups()
        return OnCard(CardAction(action), reminder_id, int(occurrence), label)
    if match := _SIMPLE.fullmatch(data):
        kind, reminder_id = match.groups()
        if kind == "undo":
            return Undo(reminder_id)
        return CancelFromList(reminder_id) if kind == "cancel" else EditFromList(reminder_id)
    if match := _PAGE.fullmatch(data):
        return ListPage(int(match.group(1)))
    if match := _PICK.fullmatch(data):
        return PickedMoment(match.group(1), match.group(2))
    if (match := _READING.fullmatch(data)) and int(match.group(2)) < MAX_READINGS:
        return PickedReading(match.group(1), int(match.group(2)))
    return None
