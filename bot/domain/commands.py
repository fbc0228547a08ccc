"""Reading what a user typed into a command. Pure: no I/O, no clock."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum


class Unit(int, Enum):
    """A duration unit and how many seconds it holds."""

    SECOND = 1
    MINUTE = 60
    HOUR = 3600


_UNIT_WORDS: dict[str, Unit] = {
    "": Unit.SECOND,
    "秒": Unit.SECOND,
    "びょう": Unit.SECOND,
    "s": Unit.SECOND,
    "sec": Unit.SECOND,
    "secs": Unit.SECOND,
    "second": Unit.SECOND,
    "seconds": Unit.SECOND,
    "分": Unit.MINUTE,
    "ふん": Unit.MINUTE,
    "ぷん": Unit.MINUTE,
    "m": Unit.MINUTE,
    "min": Unit.MINUTE,
    "mins": Unit.MINUTE,
    "minute": Unit.MINUTE,
    "minutes": Unit.MINUTE,
    "時間": Unit.HOUR,
    "h": Unit.HOUR,
    "hr": Unit.HOUR,
    "hrs": Unit.HOUR,
    "hour": Unit.HOUR,
    "hours": Unit.HOUR,
}

# Longest words first so that "secs" is not read as "s" + "ecs".
_UNIT_PATTERN = "|".join(sorted((re.escape(w) for w in _UNIT_WORDS if w), key=len, reverse=True))
_DURATION = re.compile(
    rf"^(?P<sign>[-+]?)(?P<number>\d+)\s*(?P<unit>{_UNIT_PATTERN})?(?:\s+(?P<label>.+))?$",
    re.IGNORECASE | re.DOTALL,
)
_HELP_WORDS = frozenset({"help", "ヘルプ", "使い方", "つかいかた", "?", "menu", "メニュー"})
_ANALYZE_WORDS = ("解析", "analyze", "analyse")
MAX_LABEL_CHARS = 100
MAX_ANALYZE_CHARS = 1000


@dataclass(frozen=True, slots=True)
class SetTimer:
    """Notify the chat `seconds` after the message was sent."""

    seconds: int
    label: str = ""


@dataclass(frozen=True, slots=True)
class DurationOutOfRange:
    """A duration was typed but is zero, negative or longer than allowed."""

    max_seconds: int


@dataclass(frozen=True, slots=True)
class Analyze:
    """Morphological analysis of `text` (empty: the user forgot the sentence)."""

    text: str


@dataclass(frozen=True, slots=True)
class ShowHelp:
    """The user asked what the bot understands."""


@dataclass(frozen=True, slots=True)
class Unreadable:
    """Text the bot cannot read as any command."""


Command = SetTimer | DurationOutOfRange | Analyze | ShowHelp | Unreadable


def normalize(text: str) -> str:
    """Fold full-width digits, letters and spaces to ASCII and trim."""
    return unicodedata.normalize("NFKC", text).strip()


def parse(text: str, *, max_seconds: int) -> Command:
    """Read one chat message into the command it asks for."""
    folded = normalize(text)
    if not folded:
        return Unreadable()
    if folded.lower() in _HELP_WORDS:
        return ShowHelp()
    analyze = _parse_analyze(folded)
    if analyze is not None:
        return analyze
    return _parse_duration(folded, max_seconds)


def _parse_analyze(folded: str) -> Analyze | None:
    head, _, rest = folded.partition(" ")
    if head.lower() not in _ANALYZE_WORDS:
        return None
    return Analyze(rest.strip()[:MAX_ANALYZE_CHARS])


def _parse_duration(folded: str, max_seconds: int) -> Command:
    match = _DURATION.match(folded)
    if match is None:
        return Unreadable()
    unit = _UNIT_WORDS[(match["unit"] or "").lower()]
    number = match["number"]
    # A huge number is out of range whatever its unit; don't build a giant int from it.
    if len(number) > 12:
        return DurationOutOfRange(max_seconds)
    seconds = int(number) * unit.value
    if match["sign"] == "-" or seconds <= 0 or seconds > max_seconds:
        return DurationOutOfRange(max_seconds)
    label = (match["label"] or "").strip()[:MAX_LABEL_CHARS]
    return SetTimer(seconds=seconds, label=label)
