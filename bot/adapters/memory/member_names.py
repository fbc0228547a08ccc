"""MemberNames in memory, for the unit tier: the names a test gives it, None for the rest
(as the Redis adapter answers for a member LINE does not know or did not answer for)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class MemoryMemberNames:
    names: dict[tuple[str, str], str] = field(default_factory=dict)
    asked: list[tuple[str, str]] = field(default_factory=list)

    def know(self, chat_id: str, user_id: str, name: str) -> None:
        self.names[(chat_id, user_id)] = name

    def name_of(self, chat_id: str, user_id: str) -> str | None:
        self.asked.append((chat_id, user_id))
        return self.names.get((chat_id, user_id))
