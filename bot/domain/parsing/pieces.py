"""The fragments one message was read into, and which of them its reading used."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar, cast

from bot.domain.parsing.fragments import NotTime
from bot.domain.parsing.registry import Found

T = TypeVar("T")


@dataclass
class Pieces:
    """The fragments of one message, and which of them the reading used."""

    found: list[Found]
    text: str = ""
    used: set[int] = field(default_factory=set)

    def of(self, kind: type[T] | tuple[type, ...]) -> list[tuple[int, T]]:
        # isinstance holds each fragment to `kind`: a T.
        return [
            (i, cast(T, f.fragment))
            for i, f in enumerate(self.found)
            if isinstance(f.fragment, kind)
        ]

    def use(self, *groups: Sequence[tuple[int, object]]) -> None:
        for items in groups:
            self.used.update(index for index, _ in items)

    def unused_texts(self, text: str) -> list[str]:
        return [
            text[f.start : f.end]
            for i, f in enumerate(self.found)
            if i not in self.used and not isinstance(f.fragment, NotTime)
        ]
