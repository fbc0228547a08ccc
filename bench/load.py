"""Making reminders, storing them, and turning arrivals into lateness figures.

Benches write reminders the way the web process does (`ReminderStore.add`), or, for counts
where one script call per reminder would dominate the run, with `bulk_add`: the same keys and
record format as reminder_scripts.ADD, pipelined.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import redis

from bench.endpoints import Push
from bot.adapters.redis import keys
from bot.adapters.redis.reminder_store import Added, ReminderStore
from bot.domain.reminders import Kind, Reminder, new_reminder_id
from localdev.harness import now_ms

PIPELINE_CHUNK = 5_000  # reminders per pipeline round trip
NO_LIMIT = 1 << 30  # max_pending for benches: the per-chat limit is not what they measure


def user_id(n: int) -> str:
    """A LINE-shaped user id (U + 32 hex digits)."""
    return f"U{n:032x}"


def timer(chat_id: str, due_ms: int, seconds: int, label: str = "") -> Reminder:
    return Reminder(chat_id, new_reminder_id(), Kind.TIMER, due_ms, label, str(max(1, seconds)))


def make_timers(dues: Iterable[int], now: int) -> list[Reminder]:
    """One timer reminder per due time, each for its own chat."""
    return [timer(user_id(i), due, (due - now) // 1000) for i, due in enumerate(dues)]


def spread(count: int, start_ms: int, end_ms: int, rng: random.Random) -> list[int]:
    """`count` due times drawn uniformly from [start_ms, end_ms)."""
    return [rng.randrange(start_ms, end_ms) for _ in range(count)]


def add_via_store(client: redis.Redis, reminders: Sequence[Reminder]) -> float:
    """Add one by one as the web process does (ADD script + wake-up); returns seconds taken."""
    store = ReminderStore(client)
    started = time.perf_counter()
    for reminder in reminders:
        if store.add(reminder, event_id=None, max_pending=NO_LIMIT) is not Added.ADDED:
            raise RuntimeError(f"reminder {reminder.member} was not added")
    return time.perf_counter() - started


def bulk_add(client: redis.Redis, reminders: Iterable[Reminder], *, wake: bool = True) -> float:
    """Pipelined equivalent of reminder_scripts.ADD (no event id, no per-chat limit): the record
    into the chat's hash, the identity into rem:due at its occurrence; one wake-up at the end.
    Returns seconds taken."""
    started = time.perf_counter()
    pipe = client.pipeline(transaction=False)
    due: dict[str, int] = {}
    for reminder in reminders:
        pipe.hset(keys.chat_key(reminder.chat_id), reminder.id, reminder.encode())
        due[reminder.member] = reminder.occurrence_ms
        if len(due) >= PIPELINE_CHUNK:
            pipe.zadd(keys.REMINDERS_DUE, due)
            pipe.execute()
            due = {}
    if due:
        pipe.zadd(keys.REMINDERS_DUE, due)
    pipe.execute()
    if wake:
        client.publish(keys.TIMERS_WAKE_CHANNEL, str(now_ms()))
    return time.perf_counter() - started


def far_future_timers(count: int, rng: random.Random) -> Iterable[Reminder]:
    """Timers due 1 to 8 days from now, made lazily (a million would be ~300 MB as a list)."""
    now = now_ms()
    day = 24 * 3600 * 1000
    for i in range(count):
        due = now + day + rng.randrange(7 * day)
        yield timer(user_id(i), due, (due - now) // 1000)


@dataclass(frozen=True, slots=True)
class Lateness:
    """Lateness of each delivered timer in ms (arrival or start minus due), and what was off."""

    values: list[float]
    expected: int
    duplicates: int = 0
    dues: list[int] = field(default_factory=list)  # due time of each value, same order

    def outliers(self, over_ms: float) -> tuple[int, float]:
        """How many were later than `over_ms`, and the span (ms) of their due times: a small
        span means one stall of the host or the worker, a large one a systematic delay."""
        late = [due for due, value in zip(self.dues, self.values, strict=True) if value > over_ms]
        return len(late), float(max(late) - min(late)) if late else 0.0

    @property
    def missing(self) -> int:
        return self.expected - len(self.values)

    @property
    def early(self) -> int:
        return sum(1 for v in self.values if v < 0)

    def pct(self, p: float) -> float:
        return percentile(self.values, p)


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def lateness_of(reminders: Sequence[Reminder], pushes: Sequence[Push]) -> Lateness:
    """Match pushes to reminders by retry key; first arrival counts, repeats are duplicates."""
    due_by_key = {r.retry_key: r.occurrence_ms for r in reminders}
    seen: set[str] = set()
    values: list[float] = []
    dues: list[int] = []
    duplicates = 0
    for push in pushes:
        due = due_by_key.get(push.retry_key.lower())
        if due is None:
            continue
        if push.retry_key in seen:
            duplicates += 1
            continue
        seen.add(push.retry_key)
        values.append(push.received_at_ms - due)
        dues.append(due)
    return Lateness(values, len(reminders), duplicates, dues)
