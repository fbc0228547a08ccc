"""GroupMembers in memory, for the unit tier (the Redis adapter's contract:
bot.adapters.redis.group_members)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.adapters.redis import keys


@dataclass
class MemoryGroupMembers:
    spoke: dict[str, dict[str, int]] = field(default_factory=dict)
    confirmed: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def heard(self, chat_id: str, user_id: str, at_ms: int) -> None:
        chat = self.spoke.setdefault(chat_id, {})
        chat[user_id] = at_ms
        recent = sorted((t, u) for u, t in chat.items() if t >= at_ms - keys.SPEAKERS_TTL_MS)[
            -keys.SPEAKERS_MAX :
        ]
        self.spoke[chat_id] = {u: t for t, u in recent}

    def confirm(self, chat_id: str, token: str, name: str) -> list[str]:
        names = [n for n in self.confirmed.get((chat_id, token), []) if n != name]
        self.confirmed[(chat_id, token)] = [*names, name]
        return list(self.confirmed[(chat_id, token)])

    def forget_chat(self, chat_id: str) -> None:
        self.spoke.pop(chat_id, None)
