"""Helpers for the end-to-end tests: ids, bounded waits on the simulator, Redis peeks."""

from __future__ import annotations

import time
import uuid
from typing import Any

import redis

from bot.adapters.redis import keys
from bot.adapters.redis.reminder_store import ReminderStore
from linesim.client import SimClient
from localdev.harness import now_ms

Record = dict[str, Any]

# Small timeouts so lease take-overs and shutdowns happen within a test's patience.
E2E_ENV = {
    "TIMER_LEASE_MS": "3000",
    "PUSH_TIMEOUT_S": "1",
    "SHUTDOWN_GRACE_S": "2",
}
# How long "nothing more arrives" is watched for.
QUIET_S = 1.5


def new_user_id() -> str:
    return "U" + uuid.uuid4().hex


def new_group_id() -> str:
    return "C" + uuid.uuid4().hex


def seconds_until(epoch_ms: int) -> float:
    return max(0.0, (epoch_ms - now_ms()) / 1000)


def wait_one(sim: SimClient, since: int, chat: str, timeout: float) -> Record:
    """The next message the bot sent to `chat` after seq `since`; fails after `timeout`."""
    found = sim.wait_messages(1, since=since, chat=chat, timeout=timeout)
    assert found, f"the bot sent nothing to {chat} within {timeout:.1f}s"
    return found[0]


def assert_quiet(sim: SimClient, since: int, chat: str, seconds: float = QUIET_S) -> None:
    """Nothing more is sent to `chat` after seq `since` for `seconds`."""
    extra = sim.wait_messages(1, since=since, chat=chat, timeout=seconds)
    assert extra == [], f"unexpected message(s) to {chat}: {extra}"


def text_of(record: Record) -> str:
    """A message's text, or a Flex message's altText (what the chat list shows)."""
    message = record["messages"][0]
    return str(message.get("text") or message.get("altText"))


def quick_reply_items(record: Record) -> list[Any]:
    return list(record["messages"][0].get("quickReply", {}).get("items", []))


def is_uuid(value: object) -> bool:
    try:
        return str(uuid.UUID(str(value))) == str(value).lower()
    except ValueError:
        return False


def _members_of(client: redis.Redis, key: str, chat: str) -> list[str]:
    members = (m.decode() if isinstance(m, bytes) else str(m) for m in client.zrange(key, 0, -1))
    return [m for m in members if m.startswith(f"{chat}:")]


def pending_timers(client: redis.Redis, chat: str) -> list[str]:
    """Queue entries (due or leased) of one chat's reminders."""
    return [
        m
        for key in (keys.REMINDERS_DUE, keys.REMINDERS_LEASED)
        for m in _members_of(client, key, chat)
    ]


def drop_timers(client: redis.Redis, chat: str) -> None:
    """Forget a chat's pending reminders so a long one does not outlive its test."""
    ReminderStore(client).delete_chat(chat)


def wait_leased(client: redis.Redis, chat: str, timeout: float) -> None:
    """Until a worker holds one of the chat's reminders under a lease (a claim in progress)."""
    deadline = time.monotonic() + timeout
    while not _members_of(client, keys.REMINDERS_LEASED, chat):
        assert time.monotonic() < deadline, f"no timer of {chat} was claimed in {timeout}s"
        time.sleep(0.005)  # Redis has no notification for this; a short poll is the event
