"""The text a time expression was cut out of: taking expressions, and what is left (the label).

A `Scanner` finds each kind of expression in turn; what one took is masked so the next cannot
read it again. The label is what no expression took, without the particles that joined it to
the time (`10分後に電話` → 電話, `明日の15時から会議` → 会議); particles inside it stay.
"""

from __future__ import annotations

import re
from collections.abc import Callable

MAX_LABEL_CHARS = 100
# Masked characters: no pattern matches them, and they are not digits, so a number next to a
# taken expression is still a separate number.
_MASK = "\x00"
_LEADING_PARTICLES = re.compile(r"^(?:[\s、,。.:]|から|までに|まで|には|にて|に|の|で|は|を|と)+")
_TRAILING_JOINERS = re.compile(r"[\s、,。]+$")
_TRAILING_TOPIC = re.compile(r"(?:[\s、,。]|は)+$")
_ONLY_JOINERS = re.compile(r"^(?:[\s、,。.:~〜]|から|まで|には|に|の|で|は|と|at|in|on)*$", re.I)


class Scanner:
    """Takes expressions out of a message, left to right within each pattern."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._masked = text.replace(_MASK, " ")

    def take(
        self,
        pattern: re.Pattern[str],
        accept: Callable[[re.Match[str]], bool] | None = None,
    ) -> re.Match[str] | None:
        """The first non-empty match of `pattern` in what is left (that `accept` accepts),
        which it then takes."""
        for match in pattern.finditer(self._masked):
            if match.end() > match.start() and (accept is None or accept(match)):
                self._mask(match.start(), match.end())
                return match
        return None

    def peek(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        """Like `take` but leaves the text as it is."""
        for match in pattern.finditer(self._masked):
            if match.end() > match.start():
                return match
        return None

    def taken_any(self) -> bool:
        return _MASK in self._masked

    def _mask(self, start: int, end: int) -> None:
        self._masked = self._masked[:start] + _MASK * (end - start) + self._masked[end:]

    def label(self) -> str:
        """What no expression took, particles at the cut edges removed, at most 100 chars."""
        pieces: list[str] = []
        split = self._masked.split(_MASK)
        for index, raw in enumerate(split):
            piece = raw
            if index > 0:
                # The piece follows a taken expression: drop the particle that joined them.
                piece = _LEADING_PARTICLES.sub("", piece)
            # Before a taken expression, "会議は 明日10時": the topic particle goes too.
            trailing = _TRAILING_TOPIC if index < len(split) - 1 else _TRAILING_JOINERS
            piece = trailing.sub("", piece).strip()
            if piece and not _ONLY_JOINERS.match(piece):
                pieces.append(piece)
        return " ".join(pieces)[:MAX_LABEL_CHARS].strip()
