"""What the operators' commands ask of the reminder store (status counts, dead letters and
sending them again), apart from what the web process uses. ReminderStore inherits it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, cast

import redis

from bot.adapters.redis import keys
from bot.adapters.redis.delivery_store import DeadLetter
from bot.domain.reminders import (
    Kind,
    MalformedReminderError,
    Reminder,
    new_reminder_id,
    split_member,
)
from bot.domain.timers import MalformedTimerError, Timer


@dataclass(frozen=True, slots=True)
class StoredDeadLetter:
    raw: str  # exactly as stored, so requeueing removes exactly this one
    letter: DeadLetter
    legacy: bool


class ReminderOperations:
    """Needs `_redis` and the registered requeue scripts (set by ReminderStore.__init__)."""

    _redis: redis.Redis
    _requeue_dead: Any
    _requeue_dead_legacy: Any

    def counts(self) -> dict[str, int]:
        """Pending, claimed (in flight) and dead-lettered, both releases' keys together."""
        pipe = self._redis.pipeline(transaction=False)
        for key in (
            keys.REMINDERS_DUE,
            keys.LEGACY_TIMERS_DUE,
            keys.REMINDERS_LEASED,
            keys.LEGACY_TIMERS_LEASED,
            keys.REMINDERS_DEAD,
            keys.LEGACY_TIMERS_DEAD,
        ):
            pipe.zcard(key)
        due, old_due, leased, old_leased, dead, old_dead = (int(n) for n in pipe.execute())
        return {
            "pending": due + old_due,
            "in flight (leased)": leased + old_leased,
            "dead-lettered": dead + old_dead,
            "previous release's timers still pending": old_due + old_leased,
        }

    def next_due_ms(self) -> int | None:
        rows = cast(
            list[tuple[bytes, float]], self._redis.zrange(keys.REMINDERS_DUE, 0, 0, withscores=True)
        )
        return int(rows[0][1]) if rows else None

    def dead_letters(self, limit: int = 100) -> list[StoredDeadLetter]:
        letters: list[StoredDeadLetter] = []
        for key, legacy in ((keys.REMINDERS_DEAD, False), (keys.LEGACY_TIMERS_DEAD, True)):
            for raw in cast(list[bytes], self._redis.zrevrange(key, 0, limit - 1)):
                parsed = _parse_letter(raw.decode(), legacy)
                if parsed is not None:
                    letters.append(parsed)
        letters.sort(key=lambda s: s.letter.died_at_ms, reverse=True)
        return letters[:limit]

    def requeue_dead(self, now_ms: int) -> int:
        """Send every dead letter again now, each removing exactly the stored letter it came
        from. Returns how many were requeued."""
        count = 0
        for stored in self.dead_letters(limit=100_000):
            if stored.legacy:
                count += self._requeue_legacy(stored, now_ms)
                continue
            letter = stored.letter
            try:
                chat_id, reminder_id = split_member(letter.member)
                reminder = Reminder.decode(chat_id, reminder_id, letter.record)
            except MalformedReminderError:
                continue  # nothing to send; it expires with the dead-letter set
            if self._redis.hexists(keys.chat_key(chat_id), reminder_id):
                # A recurring reminder already re-armed: send the missed occurrence as its own.
                reminder = Reminder(
                    chat_id, new_reminder_id(), Kind.ONCE, reminder.occurrence_ms, reminder.label
                )
            reminder = reminder.rearmed(reminder.occurrence_ms)
            count += int(
                cast(
                    int,
                    self._requeue_dead(
                        keys=[keys.REMINDERS_DEAD, keys.REMINDERS_DUE, keys.chat_key(chat_id)],
                        args=[
                            stored.raw,
                            reminder.member,
                            reminder.id,
                            reminder.encode(),
                            now_ms,
                            keys.TIMERS_WAKE_CHANNEL,
                        ],
                    ),
                )
            )
        return count

    def _requeue_legacy(self, stored: StoredDeadLetter, now_ms: int) -> int:
        try:
            timer = Timer.decode(stored.letter.member)
        except MalformedTimerError:
            return 0
        member = Timer(timer.id, timer.chat_id, timer.due_ms, timer.seconds, timer.label).encode()
        return int(
            cast(
                int,
                self._requeue_dead_legacy(
                    keys=[keys.LEGACY_TIMERS_DEAD, keys.LEGACY_TIMERS_DUE],
                    args=[stored.raw, member, now_ms, keys.TIMERS_WAKE_CHANNEL],
                ),
            )
        )


def _parse_letter(raw: str, legacy: bool) -> StoredDeadLetter | None:
    try:
        data: dict[str, Any] = json.loads(raw)
        letter = DeadLetter(
            member=str(data["timer"] if legacy else data["member"]),
            record="" if legacy else str(data.get("record", "")),
            chat_id=str(data.get("chat_id", "")),
            reason=str(data.get("reason", "")),
            status=data.get("status"),
            request_id=data.get("request_id"),
            died_at_ms=int(data.get("died_at_ms", 0)),
        )
    except (ValueError, KeyError, TypeError):
        return None
    return StoredDeadLetter(raw, letter, legacy)
