"""The ReminderBook contract, as cases any implementation must pass: the Redis store (with
its Lua scripts) in tests/integration/test_reminder_book_contract.py and the in-memory fake
in tests/unit/test_reminder_book_fake.py. A case is a function of a fresh book; the same
cases against both keep the fake from drifting."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.domain.ports import Added
from bot.domain.recurrence import Recurrence
from bot.domain.reminders import Kind, Reminder

CHAT = "C" + "a" * 32
OTHER = "C" + "b" * 32
USER = "U" + "1" * 32
Case = Callable[[Any], None]
CASES: dict[str, Case] = {}


def case(function: Case) -> Case:
    CASES[function.__name__] = function
    return function


def once(rid: str, due_ms: int, chat: str = CHAT, label: str = "") -> Reminder:
    return Reminder(chat, rid, Kind.ONCE, due_ms, label)


@case
def an_event_arms_once(book: Any) -> None:
    assert book.add(once("aaaaaaaa", 1000), event_id="ev1", max_pending=5) is Added.ADDED
    assert book.add(once("aaaaaaaa", 1000), event_id="ev1", max_pending=5) is Added.DUPLICATE
    assert [r.id for r in book.pending(CHAT)] == ["aaaaaaaa"]


@case
def a_full_chat_refuses_and_keeps_what_it_has(book: Any) -> None:
    book.set_timezone(CHAT, "Asia/Tokyo")  # a setting is not a reminder
    for index in range(2):
        assert book.add(once(f"id{index:06d}", 1000 + index), event_id=None, max_pending=2) is (
            Added.ADDED
        )
    assert book.add(once("id000009", 5000), event_id=None, max_pending=2) is Added.FULL
    assert len(book.pending(CHAT)) == 2


@case
def pending_is_soonest_first_per_chat(book: Any) -> None:
    book.add(once("later___", 3000), event_id=None, max_pending=9)
    book.add(once("sooner__", 2000), event_id=None, max_pending=9)
    book.add(once("elsewher", 1000, chat=OTHER), event_id=None, max_pending=9)
    assert [r.id for r in book.pending(CHAT)] == ["sooner__", "later___"]
    assert [r.id for r in book.pending(OTHER)] == ["elsewher"]


@case
def a_record_round_trips_with_its_rule_and_label(book: Any) -> None:
    rule = Recurrence("FREQ=DAILY;BYHOUR=7,19;BYMINUTE=0;UNTIL=20271231T235959")
    stored = Reminder.recurring(CHAT, "recur___", 7000, "薬|飲む", rule)
    book.add(stored, event_id=None, max_pending=9)
    got = book.get(CHAT, "recur___")
    assert got == stored
    assert got.rule() == rule


@case
def seen_marks_an_event_once(book: Any) -> None:
    assert book.mark_event_seen("ev-seen")
    assert not book.mark_event_seen("ev-seen")


@case
def cancel_removes_only_what_it_names(book: Any) -> None:
    for rid in ("keep____", "drop____"):
        book.add(once(rid, 1000), event_id=None, max_pending=9)
    assert book.cancel(CHAT, ["drop____", "missing_"]) == 1
    assert [r.id for r in book.pending(CHAT)] == ["keep____"]
    assert book.get(CHAT, "drop____") is None
    assert book.cancel(CHAT, []) == 0


@case
def listed_remembers_the_order_shown(book: Any) -> None:
    assert book.listed(CHAT) == []
    book.remember_listed(CHAT, ["b", "a", "c"])
    assert book.listed(CHAT) == ["b", "a", "c"]
    book.remember_listed(CHAT, [])
    assert book.listed(CHAT) == []


@case
def delete_chat_forgets_reminders_and_settings(book: Any) -> None:
    book.add(once("gone____", 1000), event_id=None, max_pending=9)
    book.set_timezone(CHAT, "America/New_York")
    book.remember_listed(CHAT, ["gone____"])
    book.add(once("stays___", 1000, chat=OTHER), event_id=None, max_pending=9)
    assert book.delete_chat(CHAT) == 1
    assert book.pending(CHAT) == []
    assert book.timezone(CHAT) is None
    assert book.listed(CHAT) == []
    assert [r.id for r in book.pending(OTHER)] == ["stays___"]


@case
def the_timezone_is_a_setting(book: Any) -> None:
    assert book.timezone(CHAT) is None
    book.set_timezone(CHAT, "Europe/Paris")
    assert book.timezone(CHAT) == "Europe/Paris"
    assert book.pending(CHAT) == []
    assert book.get(CHAT, "_tz") is None


@case
def rearm_moves_only_the_occurrence_it_read(book: Any) -> None:
    current = once("snooze__", 1000, label="x")
    book.add(current, event_id=None, max_pending=9)
    moved = current.rearmed(9000)
    assert book.rearm(current, moved)
    assert book.get(CHAT, "snooze__").occurrence_ms == 9000
    # A caller that read the old occurrence changes nothing now.
    assert not book.rearm(current, current.rearmed(5000))
    assert book.get(CHAT, "snooze__").occurrence_ms == 9000


@case
def rearm_of_a_cancelled_reminder_does_nothing(book: Any) -> None:
    current = once("vanished", 1000)
    book.add(current, event_id=None, max_pending=9)
    book.cancel(CHAT, ["vanished"])
    assert not book.rearm(current, current.rearmed(2000))
    assert book.get(CHAT, "vanished") is None


@case
def act_once_is_per_chat_and_token(book: Any) -> None:
    assert book.act_once(CHAT, "done:abc:1000")
    assert not book.act_once(CHAT, "done:abc:1000")
    assert book.act_once(OTHER, "done:abc:1000")
    assert book.act_once(CHAT, "done:abc:2000")


@case
def a_question_belongs_to_its_member(book: Any) -> None:
    assert book.question(CHAT, USER) is None
    book.ask(CHAT, USER, '{"n": "abc"}')
    assert book.question(CHAT, USER) == '{"n": "abc"}'
    assert book.question(CHAT, "U" + "2" * 32) is None
    assert book.forget_question(CHAT, USER)
    assert not book.forget_question(CHAT, USER)
    assert book.question(CHAT, USER) is None


@case
def a_group_arms_all_or_none_once(book: Any) -> None:
    group = [once("parent__", 5000), once("alert___", 4000), once("repeat__", 6000)]
    links = '{"a":[["alert___",1]],"n":[["repeat__",1]],"e":1}'
    assert book.add_group(group, links, event_id="ev-g", max_pending=9) is Added.ADDED
    assert book.add_group(group, links, event_id="ev-g", max_pending=9) is Added.DUPLICATE
    assert [r.id for r in book.pending(CHAT)] == ["alert___", "parent__", "repeat__"]
    assert book.links(CHAT) == {"parent__": links}
    book.forget_links(CHAT, ["parent__"])
    assert book.links(CHAT) == {}


@case
def a_group_that_does_not_fit_arms_nothing(book: Any) -> None:
    book.add(once("already_", 1000), event_id=None, max_pending=9)
    group = [once("parent__", 5000), once("alert___", 4000)]
    assert book.add_group(group, "{}", event_id="ev-full", max_pending=2) is Added.FULL
    assert [r.id for r in book.pending(CHAT)] == ["already_"]
    assert book.links(CHAT) == {}


@case
def delete_chat_forgets_the_links_too(book: Any) -> None:
    book.add_group([once("parent__", 5000), once("alert___", 4000)], "{}", event_id=None,
                   max_pending=9)  # fmt: skip
    assert book.delete_chat(CHAT) == 2
    assert book.links(CHAT) == {}
