"""The parser against an outside corpus: tests/unit/parsing_corpus/{natural,peers,negative}.txt.

Each data line is `REF | text | kind | value | label` (`#` starts a comment line; blank lines
are skipped). REF names a reference moment in CORPUS_REFERENCES. kind is what the bot must
answer:

- timer / once / recurring: value is the first moment (ISO-8601 with its offset, checked);
  label is checked when the row gives one (an empty cell means "not checked"; write `""` for
  "the label must be empty");
- ask: only the kind is checked (value, when given, names the expected reason for readers);
- unreadable / out_of_range: value is the reason, checked when given;
- no_reminder: anything but timer, once or recurring (the bot must not store a reminder;
  unreadable, ask or out_of_range all pass).

negative.txt holds only no_reminder rows and `out_of_range | in_the_past` rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain.intents import Intent, OutOfRange, RemindOnce, RemindRecurring, StartTimer
from bot.domain.intents import Unreadable as UnreadableIntent
from bot.domain.parsing import read_message

CORPUS_DIR = Path(__file__).parent / "parsing_corpus"
TOKYO = "Asia/Tokyo"
NEW_YORK = "America/New_York"

CORPUS_REFERENCES: dict[str, tuple[str, str]] = {
    # natural.txt
    "SUN": ("2026-12-06T12:46", TOKYO),  # the Sunday afternoon
    "SUN_DAWN": ("2026-12-06T05:30", TOKYO),
    "SUN_4PM": ("2026-12-06T16:00", TOKYO),
    "TUE": ("2026-12-01T10:00", TOKYO),  # a Tuesday morning (as in the parser's table)
    "NY": ("2026-11-25T09:15", NEW_YORK),  # a Wednesday morning, EST (-05:00)
    # peers.txt: each source's own reference moment, read on a Tokyo wall clock
    "DUCK": ("2013-02-12T04:30", TOKYO),  # Duckling's testContext: Tuesday 04:30
    "CHRONO": ("2012-08-10T12:00", TOKYO),  # Friday noon
    "CHRONO_0": ("2012-08-10T00:00", TOKYO),  # Friday midnight
    "CHRONO_JAN": ("2012-01-10T00:00", TOKYO),  # Tuesday
    "CHRONO_2016": ("2016-09-02T00:00", TOKYO),  # Friday
    "CHRONO_2019": ("2019-08-10T00:00", TOKYO),  # Saturday
    "CHRONO_2025": ("2025-02-10T00:00", TOKYO),  # Monday
    "CHRONO_2025_12": ("2025-12-10T12:00", TOKYO),  # Wednesday
    "TIMEX": ("2021-07-18T00:00", TOKYO),  # ja-timex's reference: Sunday
    "RT_2016": ("2016-11-07T00:00", TOKYO),  # Recognizers-Text: Monday
    "RT_2016_PM": ("2016-11-07T14:07", TOKYO),
    "RT_2017": ("2017-03-22T00:00", TOKYO),  # Wednesday
    "RT_SET": ("2017-09-27T12:25", TOKYO),  # Wednesday
    "RT_2017_11": ("2017-11-23T19:00", TOKYO),  # Thursday
    "RT_2018_03": ("2018-03-20T10:45", TOKYO),  # Tuesday
    "RT_2018_09": ("2018-09-18T18:00", TOKYO),  # Tuesday
}

REMINDER_KINDS = frozenset({"timer", "once", "recurring"})
KINDS = REMINDER_KINDS | {"ask", "unreadable", "out_of_range", "no_reminder"}


@dataclass(frozen=True)
class Row:
    file: str
    line: int
    reference: str
    text: str
    kind: str
    value: str
    label: str | None  # None: not checked

    @property
    def id(self) -> str:
        return f"{self.file}:{self.line}:{self.reference}:{self.text}"


def load(name: str) -> list[Row]:
    rows: list[Row] = []
    path = CORPUS_DIR / name
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = [cell.strip() for cell in line.split("|")]
        if len(cells) != 5:
            raise ValueError(f"{name}:{number}: expected 5 cells, got {len(cells)}: {line!r}")
        reference, text, kind, value, label = cells
        checked_label = None if label == "" else ("" if label == '""' else label)
        rows.append(Row(name, number, reference, text, kind, value, checked_label))
    return rows


def reference_moment(name: str) -> datetime:
    moment, zone = CORPUS_REFERENCES[name]
    return datetime.fromisoformat(moment).replace(tzinfo=ZoneInfo(zone))


def first_moment(intent: Intent, now: datetime) -> datetime | None:
    """The first moment a reminding intent fires, in the reference's zone; None otherwise."""
    if isinstance(intent, StartTimer):
        return (now.astimezone(UTC) + timedelta(seconds=intent.seconds)).astimezone(now.tzinfo)
    if isinstance(intent, RemindOnce):
        return intent.at
    if isinstance(intent, RemindRecurring):
        return intent.first
    return None


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def verdict(row: Row, intent: Intent) -> str | None:
    """None when `intent` is what `row` expects, else what is wrong (one line)."""
    now = reference_moment(row.reference)
    got = intent.kind
    if row.kind == "no_reminder":
        return None if got not in REMINDER_KINDS else f"stored a {got}"
    if got != row.kind:
        return f"kind {got}, expected {row.kind}"
    if row.kind in REMINDER_KINDS:
        moment = first_moment(intent, now)
        expected = iso(datetime.fromisoformat(row.value))
        if moment is None or iso(moment) != expected:
            return f"moment {moment and iso(moment)}, expected {expected}"
        if row.label is not None and getattr(intent, "label", "") != row.label:
            return f"label {getattr(intent, 'label', '')!r}, expected {row.label!r}"
        return None
    reason = intent.reason if isinstance(intent, OutOfRange | UnreadableIntent) else None
    if row.value and reason is not None and reason != row.value:
        return f"reason {reason}, expected {row.value}"
    return None


NATURAL = load("natural.txt")
PEERS = load("peers.txt")
NEGATIVE = load("negative.txt")


def test_the_corpus_is_large_well_formed_and_has_no_repeats() -> None:
    assert len(NATURAL) >= 250
    assert len(PEERS) >= 200
    assert len(NEGATIVE) >= 80
    for rows in (NATURAL, PEERS, NEGATIVE):
        keys = [(row.reference, row.text) for row in rows]
        assert len(keys) == len(set(keys)), [key for key in keys if keys.count(key) > 1]
        for row in rows:
            assert row.reference in CORPUS_REFERENCES, row
            assert row.kind in KINDS, row
            if row.kind in REMINDER_KINDS:
                assert datetime.fromisoformat(row.value).tzinfo is not None, row
    for row in NEGATIVE:
        assert row.kind == "no_reminder" or (row.kind, row.value) == (
            "out_of_range", "in_the_past"
        ), row  # fmt: skip


def _check(row: Row) -> None:
    now = reference_moment(row.reference)
    intent = read_message(row.text, now=now)
    problem = verdict(row, intent)
    assert problem is None, f"{row.text!r} at {row.reference}: {problem} ({intent})"


@pytest.mark.parametrize("row", NATURAL, ids=[row.id for row in NATURAL])
def test_natural(row: Row) -> None:
    _check(row)


@pytest.mark.parametrize("row", PEERS, ids=[row.id for row in PEERS])
def test_peers(row: Row) -> None:
    _check(row)


@pytest.mark.parametrize("row", NEGATIVE, ids=[row.id for row in NEGATIVE])
def test_negative(row: Row) -> None:
    _check(row)
