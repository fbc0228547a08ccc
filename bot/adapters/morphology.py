"""Japanese morphological analysis with janome. The tokenizer is built once per process."""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def tokenizer() -> Any:
    # Building the dictionary takes a while and lots of memory: do it once, before RQ forks.
    from janome.tokenizer import Tokenizer

    return Tokenizer()


def analyze(text: str) -> list[str]:
    """One line per token: surface, part of speech and reading."""
    lines = []
    for token in tokenizer().tokenize(text):
        pos = "-".join(p for p in token.part_of_speech.split(",") if p != "*")
        reading = token.reading if token.reading != "*" else ""
        lines.append(f"{token.surface}\t{pos}" + (f"（{reading}）" if reading else ""))
    return lines
