"""The reminder book in memory: the same contract as the Redis ReminderStore, for the unit
tier (handler and service tests in-process, no redis-server) and for a Redis-less dry run.

It is a fake, not a mock: it keeps state and holds the store's rules — an event acts once, a
chat holds at most `max_pending`, a re-arm only moves a reminder still armed for the
occurrence the caller read and not held by a worker, settings are named fields, and TTL'd
keys expire on the injected clock. tests/contract runs the same cases against both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.domain.ports import Added, StoreFullError
from bot.domain.reminders import Reminder

# The store's TTLs (seconds), as keys.py sets them.
EVENT_SEEN_TTL_S = 6 * 3600
LISTED_TTL_S = 15 * 60
ACTED_TTL_S = 3 * 24 * 3600
QUESTION_TTL_S = 30 * 60


def _wall_clock() -> float:
    import time

    return time.time()


@dataclass
class MemoryReminderBook:
    """Chats' reminders, settings, questions and once-only marks, in dictionaries."""

    clock: Callable[[], float] = _wall_clock
    chats: dict[str, dict[str, Reminder]] = field(default_factory=dict)
    zones: dict[str, str] = field(default_factory=dict)
    due: dict[tuple[str, str], int] = field(default_factory=dict)
    leased: set[tuple[str, str]] = field(default_factory=set)
    setters: dict[tuple[str, str], str] = field(default_factory=dict)  # who set it (groups)
    link_table: dict[str, dict[str, str]] = field(default_factory=dict)  # follow-ups' links
    out_of_memory: bool = False  # as Redis under noeviction at maxmemory: writes refused
    _expiring: dict[str, tuple[float, object]] = field(default_factory=dict)

    # --- keys with a TTL ---

    def _put(self, key: str, value: object, ttl_s: int, *, only_new: bool = False) -> bool:
        if only_new and self._live(key) is not None:
            return False
        self._expiring[key] = (self.clock() + ttl_s, value)
        return True

    def _live(self, key: str) -> object | None:
        entry = self._expiring.get(key)
        if entry is None:
            return None
        if entry[0] <= self.clock():
            del self._expiring[key]
            return None
        return entry[1]

    # --- the ReminderBook contract ---

    def add(
        self, reminder: Reminder, *, event_id: str | None, max_pending: int, setter: str = ""
    ) -> Added:
        if self.out_of_memory:
            raise StoreFullError("OOM command not allowed when used memory > 'maxmemory'")
        if event_id and not self._put(f"seen:{event_id}", 1, EVENT_SEEN_TTL_S, only_new=True):
            return Added.DUPLICATE
        book = self.chats.setdefault(reminder.chat_id, {})
        if len(book) >= max_pending:
            return Added.FULL
        book[reminder.id] = reminder
        self.due[(reminder.chat_id, reminder.id)] = reminder.occurrence_ms
        if setter:
            self.setters[(reminder.chat_id, reminder.id)] = setter
        return Added.ADDED

    def add_group(
        self,
        reminders: list[Reminder],
        links: str,
        *,
        event_id: str | None,
        max_pending: int,
        setter: str = "",
    ) -> Added:
        if self.out_of_memory:
            raise StoreFullError("OOM command not allowed when used memory > 'maxmemory'")
        if event_id and not self._put(f"seen:{event_id}", 1, EVENT_SEEN_TTL_S, only_new=True):
            return Added.DUPLICATE
        parent = reminders[0]
        book = self.chats.setdefault(parent.chat_id, {})
        if len(book) + len(reminders) > max_pending:
            if not book:
                self.chats.pop(parent.chat_id, None)
            return Added.FULL
        for reminder in reminders:
            book[reminder.id] = reminder
            self.due[(reminder.chat_id, reminder.id)] = reminder.occurrence_ms
            if setter:
                self.setters[(reminder.chat_id, reminder.id)] = setter
        self.link_table.setdefault(parent.chat_id, {})[parent.id] = links
        return Added.ADDED

    def links(self, chat_id: str) -> dict[str, str]:
        return dict(self.link_table.get(chat_id, {}))

    def forget_links(self, chat_id: str, reminder_ids: list[str]) -> None:
        table = self.link_table.get(chat_id, {})
        for reminder_id in reminder_ids:
            table.pop(reminder_id, None)

    def mark_event_seen(self, event_id: str) -> bool:
        return self._put(f"seen:{event_id}", 1, EVENT_SEEN_TTL_S, only_new=True)

    def pending(self, chat_id: str) -> list[Reminder]:
        return sorted(self.chats.get(chat_id, {}).values(), key=lambda r: (r.occurrence_ms, r.id))

    def remember_listed(self, chat_id: str, reminder_ids: list[str]) -> None:
        self._expiring.pop(f"listed:{chat_id}", None)
        if reminder_ids:
            self._put(f"listed:{chat_id}", list(reminder_ids), LISTED_TTL_S)

    def listed(self, chat_id: str) -> list[str]:
        value = self._live(f"listed:{chat_id}")
        return list(value) if isinstance(value, list) else []

    def cancel(self, chat_id: str, reminder_ids: list[str]) -> int:
        book = self.chats.get(chat_id, {})
        gone = 0
        for reminder_id in reminder_ids:
            if book.pop(reminder_id, None) is not None:
                gone += 1
            self.due.pop((chat_id, reminder_id), None)
            self.leased.discard((chat_id, reminder_id))
        if not book:
            self.chats.pop(chat_id, None)
        return gone

    def delete_chat(self, chat_id: str) -> int:
        book = self.chats.get(chat_id, {})
        gone = self.cancel(chat_id, list(book))
        self.zones.pop(chat_id, None)
        self.link_table.pop(chat_id, None)
        self._expiring.pop(f"listed:{chat_id}", None)
        return gone

    def timezone(self, chat_id: str) -> str | None:
        return self.zones.get(chat_id)

    def timezone_and_question(self, chat_id: str, user_id: str) -> tuple[str | None, str | None]:
        return self.timezone(chat_id), self.question(chat_id, user_id) if user_id else None

    def set_timezone(self, chat_id: str, zone: str) -> None:
        self.zones[chat_id] = zone

    def get(self, chat_id: str, reminder_id: str) -> Reminder | None:
        return self.chats.get(chat_id, {}).get(reminder_id)

    def rearm(self, current: Reminder, moved: Reminder) -> bool:
        identity = (current.chat_id, current.id)
        stored = self.get(current.chat_id, current.id)
        if stored is None or stored.occurrence_ms != current.occurrence_ms:
            return False
        if identity in self.leased:
            return False
        self.chats[current.chat_id][current.id] = moved
        self.due[identity] = moved.occurrence_ms
        return True

    def act_once(self, chat_id: str, token: str) -> bool:
        return self._put(f"acted:{chat_id}:{token}", 1, ACTED_TTL_S, only_new=True)

    def ask(self, chat_id: str, user_id: str, question: str) -> None:
        self._put(f"ask:{chat_id}:{user_id}", question, QUESTION_TTL_S)

    def question(self, chat_id: str, user_id: str) -> str | None:
        value = self._live(f"ask:{chat_id}:{user_id}")
        return value if isinstance(value, str) else None

    def forget_question(self, chat_id: str, user_id: str) -> bool:
        key = f"ask:{chat_id}:{user_id}"
        return self._live(key) is not None and self._expiring.pop(key, None) is not None

    # --- for tests: what is stored, and what a timer worker would do ---

    def is_empty(self) -> bool:
        """Nothing stored at all: no reminder, setting, question or once-only mark."""
        live = [key for key in list(self._expiring) if self._live(key) is not None]
        return (
            not self.chats and not self.zones and not self.due and not live and not self.link_table
        )

    def expires_in(self, key: str) -> float:
        """Seconds until a TTL'd key (e.g. "ask:<chat>:<user>") expires; 0 if it is gone."""
        entry = self._expiring.get(key)
        return max(0.0, entry[0] - self.clock()) if entry else 0.0

    def claim(self, chat_id: str, reminder_id: str) -> None:
        """A worker took this reminder's occurrence (it is leased, not due)."""
        self.due.pop((chat_id, reminder_id), None)
        self.leased.add((chat_id, reminder_id))
