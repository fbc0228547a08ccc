"""The pattern registry: every time form is one entry, run over the whole message.

An `Entry` is a compiled pattern, the function that builds a typed fragment from a match
(or None when the match is not what the form means), and a priority. `extract` runs every
entry, then settles overlaps: the higher priority first, then the longer span, then the
earlier one. Look-alikes (毎日新聞, 十分な, 朝食, a phone number) are entries too, of the
highest priority, whose fragment is `NotTime`: they claim their span so no time form can read
inside it, and their text stays in the label.

Adding a form: one `Entry` in the module of its area (clock, days, durations, recurring,
look_alikes) and one row in tests/unit/test_parsing_table.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

# Priorities: look-alikes beat everything; the rest settle by span length.
NOT_TIME = 100
NORMAL = 0


@dataclass(frozen=True, slots=True)
class Entry:
    name: str
    pattern: re.Pattern[str]
    build: Callable[[re.Match[str]], Any]
    priority: int = NORMAL


@dataclass(frozen=True, slots=True)
class Found:
    """A fragment and the span of the message it was read from."""

    start: int
    end: int
    fragment: Any
    entry: str

    def overlaps(self, other: Found) -> bool:
        return self.start < other.end and other.start < self.end


def extract(text: str, entries: Sequence[Entry]) -> list[Found]:
    """Every entry's candidates, settled into non-overlapping fragments in text order."""
    candidates: list[tuple[int, Found]] = []
    for entry in entries:
        for match in entry.pattern.finditer(text):
            if match.end() <= match.start():
                continue
            fragment = entry.build(match)
            if fragment is not None:
                candidates.append(
                    (entry.priority, Found(match.start(), match.end(), fragment, entry.name))
                )
    candidates.sort(key=lambda item: (-item[0], -(item[1].end - item[1].start), item[1].start))
    kept: list[Found] = []
    for _, found in candidates:
        if not any(found.overlaps(other) for other in kept):
            kept.append(found)
    kept.sort(key=lambda found: found.start)
    return kept
