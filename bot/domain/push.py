"""A push as the service sees it: the message objects it sends (LINE's JSON) and what LINE
answered, classified. Pure; the HTTP is bot/adapters/line/pushes.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.domain.delivery import PushOutcome

MAX_TEXT_CHARS = 5000  # LINE: a text message holds 0–5,000 characters
# A message object in LINE's JSON (text, or Flex built by bot.domain.cards).
Message = dict[str, Any]


@dataclass(frozen=True, slots=True)
class PushResult:
    outcome: PushOutcome
    status: int | None = None
    request_id: str | None = None
    retry_after_s: float | None = None

    @property
    def done(self) -> bool:
        return self.outcome in (PushOutcome.DELIVERED, PushOutcome.ALREADY_DELIVERED)


def text_message(text: str) -> Message:
    return {"type": "text", "text": text[:MAX_TEXT_CHARS]}
