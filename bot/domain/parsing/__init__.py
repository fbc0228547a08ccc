"""Reading a chat message into what it asks for: `read_message(text, now=...)`.

Pure: no I/O, no clock; `now` (the message's moment, aware in the chat's zone) is the
reference for every relative expression. Total: it never raises for any text.

How it reads (the shape of ja-timex and Duckling):
1. fold (`numbers`: NFKC, English number words, kanji numerals before units);
2. the bot's own commands (`commands`), on the whole message;
3. extract: every entry of the registry (`registry.Entry`: a pattern, the typed fragment it
   builds, a priority) runs over the whole text; overlaps settle by priority, then span.
   The entries live by area: `clock`, `days`, `durations`, `recurring`, `look_alikes`
   (look-alikes that must never match, the past, alerts before);
4. combine (`combine`): the fragments that fit together make one reading;
5. check (`leftovers`): a fragment the reading did not use, or an uncovered piece that still
   reads as time, makes the answer an `AskWhich` offering the reading instead of a guess;
6. the label (`labels`) is what no time fragment covered, trimmed of particles and asking
   words at its edges.

Adding a form: one `Entry` in the module of its area, one row in
tests/unit/test_parsing_table.py (and, for a look-alike, one in its negative table).

What it beat, measured (`python -m bench.parser_peers`: the table, natural.txt and
negative.txt, 888 rows; 2-core host), right / silently wrong / false positives / µs p50:
- this parser: 888 / 0 / 0 / 98 µs (p99 0.26 ms); the chain it replaced (751 rows then):
  553 / 96 / 46 / 24 µs;
- ja-timex 0.2.8: 281 / 190 / 11 / 211 µs; dateparser 1.5.0: 349 / 342 / 44 / 791 µs.
The peers' public suites (ja-timex, chrono, Duckling, Recognizers-Text) are rows of
tests/unit/parsing_corpus/peers.txt, resolved under this project's rules.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from bot.domain.intents import (
    AskWhich,
    EditReminder,
    Intent,
    RemindOnce,
    RemindRecurring,
    SetAgenda,
    SetDigest,
    ShowAgenda,
    StartTimer,
    Unreadable,
)
from bot.domain.parsing import alerts, clock, days, durations, look_alikes, recurring
from bot.domain.parsing.combine import combine
from bot.domain.parsing.commands import read_command
from bot.domain.parsing.fragments import (
    ClockTime,
    DateDay,
    Festival,
    MonthDay,
    NotTime,
    NthWeekday,
    RelativeDay,
    WeekdayDay,
)
from bot.domain.parsing.labels import MAX_LABEL_CHARS, label_of
from bot.domain.parsing.leftovers import time_like_spans
from bot.domain.parsing.moments import time_of_day
from bot.domain.parsing.numbers import digits_for_kanji, fold, fold_english
from bot.domain.parsing.pieces import Pieces
from bot.domain.parsing.registry import Found, extract
from bot.domain.parsing.requests import Request, read_request

__all__ = ["MAX_LABEL_CHARS", "read_message"]

# A reminder fits in a few words (its label keeps 100 characters): reading only the first
# 200 characters bounds the work per message (2,000 took 6.7 ms at p100, 200 under 1 ms).
_MAX_READ_CHARS = 200
REGISTRY = (
    *look_alikes.ENTRIES,
    *alerts.ENTRIES,
    *recurring.ENTRIES,
    *durations.ENTRIES,
    *days.ENTRIES,
    *clock.ENTRIES,
)


def read_message(text: str, *, now: datetime, max_ahead: timedelta = timedelta(days=365)) -> Intent:
    """What `text` asks for, read against `now`. Never raises for any `text`; `now` must be
    aware (ValueError otherwise)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    folded = fold(text)
    if not folded:
        return Unreadable("empty")
    command = read_command(folded)
    if command is not None:
        return command
    request = read_request(folded)
    if request is not None:
        answer = _with_reading(request, now, max_ahead)
        if answer is not None:
            return answer
    return _read(folded, now, max_ahead)[0]


def _with_reading(request: Request, now: datetime, max_ahead: timedelta) -> Intent | None:
    """An edit or an agenda request, with its time part read like any message."""
    if request.kind == "digest":
        return SetDigest(on=request.on)
    if request.kind == "agenda":
        return ShowAgenda(request.days_ahead)
    if request.kind == "agenda_stop":
        return SetAgenda(None)
    if not request.rest:
        return EditReminder(request.number) if request.kind == "edit" else SetAgenda(None)
    reading, pieces = _read(request.rest, now, max_ahead)
    if request.kind == "agenda_set":
        # 毎朝7時に今日の予定: an agenda on a rule; 明日10時 予定 is a reminder called 予定.
        if isinstance(reading, RemindRecurring) and not reading.label:
            return SetAgenda(reading.rule, reading.first)
        return None
    used = [pieces.found[i].fragment for i in sorted(pieces.used)]
    clocks = [f for f in used if isinstance(f, ClockTime)]
    clock = None
    if isinstance(reading, RemindOnce) and len(clocks) == 1 == len(used):
        # 変更 3 9時: the time of day as typed, for a recurring rule's later occurrences.
        hour, minute, _ = time_of_day(clocks[0], None)
        clock = (hour, minute)
    return EditReminder(request.number, reading, clock)


def _read(folded: str, now: datetime, max_ahead: timedelta) -> tuple[Intent, Pieces]:
    body = fold_english(digits_for_kanji(folded[:_MAX_READ_CHARS]))
    found = _festivals_settled(extract(body, REGISTRY))
    pieces = Pieces(found, body)
    reading = combine(pieces, now, max_ahead)
    leftover = _uncovered_time(body, found)
    time_spans = [(f.start, f.end) for f in found if not isinstance(f.fragment, NotTime)]
    label = label_of(body, time_spans + [span for span, _ in leftover])
    unread = pieces.unused_texts(body) + [text for _, text in leftover]
    if unread:
        readings = (_labelled(reading, label),) if _is_reminder(reading) else ()
        asked = AskWhich("unread_time", label, readings, tuple(unread))  # type: ignore[arg-type]
        return asked, pieces
    if reading is None:
        return Unreadable("no_time", label), pieces
    if isinstance(reading, AskWhich):
        labelled = tuple(_labelled(r, label) for r in reading.readings)
        return AskWhich(reading.reason, label, labelled, reading.unread), pieces  # type: ignore[arg-type]
    return _labelled(reading, label), pieces


def _is_reminder(intent: Intent | None) -> bool:
    return isinstance(intent, StartTimer | RemindOnce | RemindRecurring)


def _labelled(intent: Intent | None, label: str) -> Intent:
    if isinstance(intent, StartTimer | RemindOnce | RemindRecurring):
        return replace(intent, label=label)
    assert intent is not None
    return intent


def _uncovered_time(text: str, found: list[Found]) -> list[tuple[tuple[int, int], str]]:
    """The pieces no fragment covered that still read as time: (span, text)."""
    gaps: list[tuple[int, int]] = []
    cursor = 0
    for item in sorted(found, key=lambda f: f.start):
        gaps.append((cursor, item.start))
        cursor = max(cursor, item.end)
    gaps.append((cursor, len(text)))
    hits = []
    for start, end in gaps:
        for span in time_like_spans(text[start:end]):
            hits.append(
                ((start + span[0], start + span[1]), text[start + span[0] : start + span[1]])
            )
    return hits


def _festivals_settled(found: list[Found]) -> list[Found]:
    """A festival's name is its day when the message names no other day, else a word."""
    days = (DateDay, MonthDay, NthWeekday, RelativeDay, WeekdayDay)
    other_day = any(isinstance(f.fragment, days) for f in found)
    settled = []
    for item in found:
        if not isinstance(item.fragment, Festival):
            settled.append(item)
            continue
        month, day = item.fragment.month, item.fragment.day
        fragment: object = NotTime() if other_day else DateDay(None, month, day)
        settled.append(Found(item.start, item.end, fragment, item.entry))
    return settled
