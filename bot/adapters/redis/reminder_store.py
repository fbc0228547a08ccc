"""Reminders as the web process and the operator commands see them (synchronous redis-py).

Everything about one chat is in that chat's hash (keys.chat_key), so listing, cancelling and
forgetting a chat cost what the chat holds, never a scan.
"""

from __future__ import annotations

from typing import cast

import redis

from bot.adapters.redis import keys, legacy_scripts, reminder_scripts
from bot.adapters.redis.reminder_operations import ReminderOperations, StoredDeadLetter
from bot.domain.ports import Added, StoreFullError
from bot.domain.reminders import (
    MalformedReminderError,
    Reminder,
)

__all__ = ["Added", "ReminderStore", "StoredDeadLetter"]


class ReminderStore(ReminderOperations):
    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._add = client.register_script(reminder_scripts.ADD)
        self._add_group = client.register_script(reminder_scripts.ADD_GROUP)
        self._cancel = client.register_script(reminder_scripts.CANCEL)
        self._delete_chat = client.register_script(reminder_scripts.DELETE_CHAT)
        self._requeue_dead = client.register_script(reminder_scripts.REQUEUE_DEAD)
        self._rearm = client.register_script(reminder_scripts.REARM)
        self._requeue_dead_legacy = client.register_script(legacy_scripts.REQUEUE_DEAD)

    def add(
        self, reminder: Reminder, *, event_id: str | None, max_pending: int, setter: str = ""
    ) -> Added:
        """Arm a reminder once per webhook event, within the chat's limit (`setter`: who set
        it in a group, mentioned by its notification)."""
        seen = keys.event_seen_key(event_id) if event_id else ""
        try:
            return self._add_script(reminder, seen, max_pending, setter)
        except redis.exceptions.ResponseError as exc:
            # redis-py maps the server's "-OOM ..." to OutOfMemoryError and drops the prefix
            # (inside a script it may still arrive as a plain ResponseError naming OOM).
            if isinstance(exc, redis.exceptions.OutOfMemoryError) or "OOM" in str(exc):
                raise StoreFullError(str(exc)) from exc
            raise

    def _add_script(self, reminder: Reminder, seen: str, max_pending: int, setter: str) -> Added:
        result = int(
            cast(
                int,
                self._add(
                    keys=[
                        keys.REMINDERS_DUE,
                        keys.chat_key(reminder.chat_id),
                        seen,
                        keys.setters_key(reminder.chat_id),
                    ],
                    args=[
                        reminder.member,
                        reminder.id,
                        reminder.encode(),
                        reminder.occurrence_ms,
                        keys.EVENT_SEEN_TTL_S,
                        keys.TIMERS_WAKE_CHANNEL,
                        max_pending,
                        keys.SETTING_TIMEZONE,
                        setter,
                        keys.SETTERS_TTL_MS,
                    ],
                ),
            )
        )
        return {1: Added.ADDED, 0: Added.DUPLICATE}.get(result, Added.FULL)

    def add_group(
        self,
        reminders: list[Reminder],
        links: str,
        *,
        event_id: str | None,
        max_pending: int,
        setter: str = "",
    ) -> Added:
        """Arm a reminder (the first) and its follow-ups as one, once per webhook event."""
        parent = reminders[0]
        seen = keys.event_seen_key(event_id) if event_id else ""
        args: list[str | int] = [
            keys.TIMERS_WAKE_CHANNEL,
            max_pending,
            keys.SETTING_TIMEZONE,
            keys.EVENT_SEEN_TTL_S,
            setter,
            keys.SETTERS_TTL_MS,
            parent.id,
            links,
            keys.LINKS_TTL_MS,
        ]
        for reminder in reminders:
            args += [reminder.member, reminder.id, reminder.encode(), reminder.occurrence_ms]
        group_keys = [
            keys.REMINDERS_DUE,
            keys.chat_key(parent.chat_id),
            seen,
            keys.setters_key(parent.chat_id),
            keys.links_key(parent.chat_id),
        ]
        try:
            result = int(cast(int, self._add_group(keys=group_keys, args=args)))
        except redis.exceptions.ResponseError as exc:
            if isinstance(exc, redis.exceptions.OutOfMemoryError) or "OOM" in str(exc):
                raise StoreFullError(str(exc)) from exc
            raise
        return {1: Added.ADDED, 0: Added.DUPLICATE}.get(result, Added.FULL)

    def links(self, chat_id: str) -> dict[str, str]:
        """Every reminder's follow-ups in this chat: reminder id → Links JSON."""
        raw = cast(dict[bytes, bytes], self._redis.hgetall(keys.links_key(chat_id)))
        return {k.decode(): v.decode() for k, v in raw.items()}

    def forget_links(self, chat_id: str, reminder_ids: list[str]) -> None:
        if reminder_ids:
            self._redis.hdel(keys.links_key(chat_id), *reminder_ids)

    def mark_event_seen(self, event_id: str) -> bool:
        """True the first time an event is seen (SET NX with a TTL)."""
        return bool(
            self._redis.set(keys.event_seen_key(event_id), "1", nx=True, ex=keys.EVENT_SEEN_TTL_S)
        )

    def pending(self, chat_id: str) -> list[Reminder]:
        """The chat's reminders, soonest first."""
        fields = cast(dict[bytes, bytes], self._redis.hgetall(keys.chat_key(chat_id)))
        reminders = []
        for field, record in fields.items():
            name = field.decode()
            if name in keys.SETTING_FIELDS:
                continue
            try:
                reminders.append(Reminder.decode(chat_id, name, record))
            except MalformedReminderError:
                continue
        return sorted(reminders, key=lambda r: (r.occurrence_ms, r.id))

    def remember_listed(self, chat_id: str, reminder_ids: list[str]) -> None:
        """What `一覧` showed, in order, so `取消 N` means the N the user saw."""
        key = keys.listed_key(chat_id)
        pipe = self._redis.pipeline()
        pipe.delete(key)
        if reminder_ids:
            pipe.rpush(key, *reminder_ids)
            pipe.expire(key, keys.LISTED_TTL_S)
        pipe.execute()

    def listed(self, chat_id: str) -> list[str]:
        return [
            i.decode()
            for i in cast(list[bytes], self._redis.lrange(keys.listed_key(chat_id), 0, -1))
        ]

    def cancel(self, chat_id: str, reminder_ids: list[str]) -> int:
        if not reminder_ids:
            return 0
        return int(
            cast(
                int,
                self._cancel(
                    keys=[keys.REMINDERS_DUE, keys.REMINDERS_LEASED, keys.chat_key(chat_id)],
                    args=[chat_id, *reminder_ids],
                ),
            )
        )

    def delete_chat(self, chat_id: str) -> int:
        """Forget a chat: its reminders and its settings. Returns how many reminders went."""
        return int(
            cast(
                int,
                self._delete_chat(
                    keys=[
                        keys.REMINDERS_DUE,
                        keys.REMINDERS_LEASED,
                        keys.chat_key(chat_id),
                        keys.listed_key(chat_id),
                        keys.setters_key(chat_id),
                        keys.links_key(chat_id),
                    ],
                    args=[chat_id, keys.SETTING_TIMEZONE],
                ),
            )
        )

    def get(self, chat_id: str, reminder_id: str) -> Reminder | None:
        record = self._redis.hget(keys.chat_key(chat_id), reminder_id)
        if not isinstance(record, bytes) or reminder_id in keys.SETTING_FIELDS:
            return None
        try:
            return Reminder.decode(chat_id, reminder_id, record)
        except MalformedReminderError:
            return None

    def rearm(self, current: Reminder, moved: Reminder) -> bool:
        """Move a pending reminder to another occurrence; False if a worker holds it now or it
        is no longer armed for `current`'s occurrence."""
        return bool(
            self._rearm(
                keys=[keys.REMINDERS_DUE, keys.REMINDERS_LEASED, keys.chat_key(current.chat_id)],
                args=[
                    current.member,
                    current.id,
                    current.occurrence_ms,
                    moved.encode(),
                    moved.occurrence_ms,
                    keys.TIMERS_WAKE_CHANNEL,
                ],
            )
        )

    def act_once(self, chat_id: str, token: str) -> bool:
        """True the first time `token` (e.g. a card's occurrence) is acted on in this chat."""
        key = keys.acted_key(chat_id, token)
        return bool(self._redis.set(key, "1", nx=True, ex=keys.ACTED_TTL_S))

    def ask(self, chat_id: str, user_id: str, question: str) -> None:
        self._redis.set(keys.question_key(chat_id, user_id), question, ex=keys.QUESTION_TTL_S)

    def question(self, chat_id: str, user_id: str) -> str | None:
        raw = self._redis.get(keys.question_key(chat_id, user_id))
        return raw.decode() if isinstance(raw, bytes) else None

    def forget_question(self, chat_id: str, user_id: str) -> bool:
        return bool(self._redis.delete(keys.question_key(chat_id, user_id)))

    def timezone(self, chat_id: str) -> str | None:
        raw = self._redis.hget(keys.chat_key(chat_id), keys.SETTING_TIMEZONE)
        return raw.decode() if isinstance(raw, bytes) else None

    def timezone_and_question(self, chat_id: str, user_id: str) -> tuple[str | None, str | None]:
        """`timezone` and (with a user) `question` in one round trip: every text message
        needs both before anything else."""
        with self._redis.pipeline(transaction=False) as pipe:
            pipe.hget(keys.chat_key(chat_id), keys.SETTING_TIMEZONE)
            if user_id:
                pipe.get(keys.question_key(chat_id, user_id))
            raw = [r.decode() if isinstance(r, bytes) else None for r in pipe.execute()]
        return raw[0], raw[1] if user_id else None

    def set_timezone(self, chat_id: str, zone: str) -> None:
        self._redis.hset(keys.chat_key(chat_id), keys.SETTING_TIMEZONE, zone)
