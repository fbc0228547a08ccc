"""The label: what no time fragment covered, without the words that joined it to the time or
asked for the reminder (`10分後に電話` → 電話, `明日の15時から会議` → 会議, `7時に起こして
って教えて` → 起こして, `remind me to call mom at 5pm` → call mom). Particles inside it stay.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

MAX_LABEL_CHARS = 100
_EDGE = r"[\s、,。.:!！?？~〜・]"
# Joined to a time on its right (明日の, 10分後に, 15時から) or asking for the reminder.
_LEADING = re.compile(
    rf"^(?:{_EDGE}|から|までに|まで|には|にて|に|の|で|は|を|と|ごろ|頃|ぐらい|くらい|ちょうど"
    r"|(?:please\s+)?remind\s+me\s+(?:to\s+|about\s+|of\s+)?|please\b|remind(?:er)?\b|to\b"
    r"|リマインド(?:して)?|ﾘﾏｲﾝﾄﾞ)+",
    re.IGNORECASE,
)
_TRAILING = re.compile(
    rf"(?:{_EDGE}|(?:を|に|で)?(?:リマインド|お知らせ|通知)(?:して)?(?:ください|下さい|ね|ほしい|欲しい)?"
    r"|って教えて(?:ください|下さい|ね)?|と教えて(?:ください|下さい|ね)?"
    r"|(?:を|に)?(?:教えて|知らせて|起こして)(?:ください|下さい|ね|ほしい|欲しい)?"
    r"|(?:を|で)?お願い(?:します|いたします|致します|ね)?|よろしく(?:お願いします)?"
    r"|してね|です|だよ|までに|まで|から|には|(?<=\S\S)(?:に|は|を|で|と|の|ね|よ)|ごろ|頃|ぐらい|くらい"
    r"|\b(?:please\s+)?remind\s+me\b|\bplease\b|\bthanks?\b|\bpls\b|\bat\b|\bon\b|\bin\b)+$",
    re.IGNORECASE,
)
_ONLY_JOINERS = re.compile(r"^(?:[\s、,。.:~〜]|から|まで|には|に|の|で|は|と|at|in|on|by)*$", re.I)


def label_of(text: str, taken: Sequence[tuple[int, int]]) -> str:
    """The pieces of `text` outside the `taken` spans, each trimmed at its edges, joined."""
    pieces: list[str] = []
    cursor = 0
    for start, end in sorted(taken):
        pieces.append(text[cursor:start])
        cursor = max(cursor, end)
    pieces.append(text[cursor:])
    kept = []
    for raw in pieces:
        piece = _trim(raw)
        if piece and not _ONLY_JOINERS.match(piece):
            kept.append(piece)
    return " ".join(kept)[:MAX_LABEL_CHARS].strip()


def _trim(piece: str) -> str:
    before = None
    while before != piece:
        before = piece
        piece = _LEADING.sub("", piece)
        piece = _TRAILING.sub("", piece)
        piece = piece.strip()
    return piece
