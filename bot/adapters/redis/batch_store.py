"""Batches of notifications pushed together (bot.domain.batching), kept so that a batch sent
again is the same request: its messages and retry key, and which batch each occurrence was in.

Keys (TTL BATCH_TTL_MS, LINE's memory of a retry key: a repeat after that could not be
recognised anyway; nothing else deletes them):
    rem:batch:<retry key>                          JSON {"to", "messages"}
    rem:batch:of:<chat>:<reminder id>:<occurrence> the batch's retry key
Never read by the previous release: its workers push an occurrence claimed during a deploy's
overlap on its own, with the occurrence's own retry key.
"""

from __future__ import annotations

import json

import redis.asyncio as aioredis

from bot.domain.batching import SavedBatch
from bot.domain.reminders import Reminder

BATCH_TTL_MS = 24 * 3600 * 1000
BATCH_FORMAT = "rem:batch:{key}"
# "<prefix><chat>:<reminder id>:<occurrence>": the claim script reads it (reminder_scripts.py).
MEMBER_PREFIX = "rem:batch:of:"
MEMBER_FORMAT = MEMBER_PREFIX + "{chat_id}:{reminder_id}:{occurrence_ms}"


def _member_key(reminder: Reminder) -> str:
    return MEMBER_FORMAT.format(
        chat_id=reminder.chat_id, reminder_id=reminder.id, occurrence_ms=reminder.occurrence_ms
    )


__all__ = ["BatchStore", "SavedBatch"]


class BatchStore:
    def __init__(self, client: aioredis.Redis) -> None:
        self._redis = client

    async def save(self, batch: SavedBatch, members: list[Reminder]) -> None:
        """Before the first push of a batch: a retry, by any worker, sends the same request."""
        body = json.dumps({"to": batch.to, "messages": batch.messages}, ensure_ascii=False)
        pipe = self._redis.pipeline(transaction=True)
        pipe.set(BATCH_FORMAT.format(key=batch.key), body, px=BATCH_TTL_MS)
        for reminder in members:
            pipe.set(_member_key(reminder), batch.key, px=BATCH_TTL_MS)
        await pipe.execute()

    async def saved(self, batch_keys: list[str]) -> dict[str, SavedBatch]:
        """The saved batches of these retry keys (the claim named them), in one MGET; a batch
        whose body expired is left out."""
        if not batch_keys:
            return {}
        keys_ = sorted(set(batch_keys))
        bodies = await self._redis.mget([BATCH_FORMAT.format(key=k) for k in keys_])
        saved: dict[str, SavedBatch] = {}
        for key, body in zip(keys_, bodies, strict=True):
            if body:
                data = json.loads(_text(body))
                saved[key] = SavedBatch(key, str(data["to"]), list(data["messages"]))
        return saved


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
