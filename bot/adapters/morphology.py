"""Japanese morphological analysis with janome. The tokenizer is built once per process.

`tokens()` is the one call into janome; what the bot says about the tokens (layout, readings
in hiragana, keywords) is pure code in bot.domain.texts over `Token` values.
"""

from __future__ import annotations

import functools
from typing import Any

from bot.domain.heavy_texts import Token


@functools.cache
def tokenizer() -> Any:
    # Building the dictionary takes a while and lots of memory: do it once, before RQ forks
    # (janome maps its system dictionary, so forked workers share those pages).
    from janome.tokenizer import Tokenizer

    return Tokenizer()


def tokens(text: str) -> list[Token]:
    """Every token of `text`: surface, part of speech (its levels), base form, reading."""
    found = []
    for token in tokenizer().tokenize(text):
        pos = tuple(p for p in token.part_of_speech.split(",") if p != "*")
        base = token.base_form if token.base_form != "*" else token.surface
        reading = token.reading if token.reading != "*" else ""
        found.append(Token(token.surface, pos, base, reading))
    return found


def analyze(text: str) -> list[str]:
    """One line per token: surface, part of speech and reading (the previous layout)."""
    lines = []
    for token in tokens(text):
        reading = f"（{token.reading}）" if token.reading else ""
        lines.append(f"{token.surface}\t{'-'.join(token.pos)}{reading}")
    return lines
