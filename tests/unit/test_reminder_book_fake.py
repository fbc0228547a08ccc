"""The in-memory ReminderBook passes the store's contract (tests/contract), plus its clock."""

from __future__ import annotations

import pytest

from bot.adapters.memory.reminder_book import (
    EVENT_SEEN_TTL_S,
    LISTED_TTL_S,
    QUESTION_TTL_S,
    MemoryReminderBook,
)
from tests.contract.reminder_book_cases import CASES, CHAT, USER, Case


@pytest.mark.parametrize("check", CASES.values(), ids=list(CASES))
def test_the_fake_keeps_the_contract(check: Case) -> None:
    check(MemoryReminderBook())


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_ttl_keys_expire_on_the_injected_clock() -> None:
    clock = Clock()
    book = MemoryReminderBook(clock=clock)
    book.mark_event_seen("ev")
    book.remember_listed(CHAT, ["a"])
    book.ask(CHAT, USER, "q")
    clock.now += LISTED_TTL_S + 1
    assert book.listed(CHAT) == []
    assert book.question(CHAT, USER) == "q"
    clock.now += QUESTION_TTL_S
    assert book.question(CHAT, USER) is None
    assert not book.forget_question(CHAT, USER)
    assert not book.mark_event_seen("ev")
    clock.now += EVENT_SEEN_TTL_S
    assert book.mark_event_seen("ev")


def test_a_leased_reminder_is_not_rearmed() -> None:
    from tests.contract.reminder_book_cases import once

    book = MemoryReminderBook()
    current = once("inflight", 1000)
    book.add(current, event_id=None, max_pending=9)
    book.claim(CHAT, "inflight")
    assert not book.rearm(current, current.rearmed(2000))
