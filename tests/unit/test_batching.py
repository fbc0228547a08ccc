"""Which due notifications share a push (bot.domain.batching)."""

from __future__ import annotations

from bot.domain import batching
from bot.domain.reminders import Kind, Reminder


def r(chat: str, rid: str, due: int) -> Reminder:
    return Reminder(chat, rid, Kind.ONCE, due)


def group(items: list[Reminder], window_ms: int = 1_000) -> list[list[str]]:
    groups = batching.group(items, lambda x: x.chat_id, lambda x: x.occurrence_ms, window_ms)
    return [[x.id for x in g] for g in groups]


def test_one_chats_notifications_within_the_window_share_a_push_five_at_most() -> None:
    items = [r("A", f"a{i}", 100 * i) for i in range(7)] + [r("B", "b", 0), r("A", "z", 1601)]
    assert group(items) == [
        ["a0", "a1", "a2", "a3", "a4"],
        ["a5", "a6"],  # the window counts from a5 (500 ms): z (1,601) is past it
        ["z"],
        ["b"],
    ]


def test_the_window_counts_from_the_groups_first_and_zero_never_batches() -> None:
    items = [r("A", "x", 0), r("A", "y", 1_000), r("A", "z", 1_001)]
    assert group(items) == [["x", "y"], ["z"]]
    assert group(items, window_ms=0) == [["x"], ["y"], ["z"]]


def test_a_batch_key_depends_on_its_occurrences_not_their_order() -> None:
    a, b = r("A", "x", 0), r("A", "y", 5)
    assert batching.batch_key([a, b]) == batching.batch_key([b, a])
    assert batching.batch_key([a, b]) != batching.batch_key([a, r("A", "y", 6)])
    assert batching.batch_key([a]) != a.retry_key
