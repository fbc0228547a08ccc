"""In a group or room, the reply to a card's 完了 or snooze says who tapped it (the member's
display name, from bot.service.context.MemberNames); without a name it still goes out."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.adapters.memory.group_members import MemoryGroupMembers
from bot.adapters.memory.member_names import MemoryMemberNames
from bot.domain import postbacks
from bot.domain.postbacks import CardAction
from bot.domain.reminders import new_reminder_id
from bot.service.webhook_events import EventContext, handle_event
from tests.unit.service_support import USER, at, book_of, ctx, postback, replies_of, text

__all__ = ["ctx"]  # the fixture
GROUP = "C" + "5" * 32
T = at(2026, 12, 1, 9, 0)
TARO = "U" + "7" * 32


@pytest.fixture
def named(ctx: EventContext) -> EventContext:
    names = MemoryMemberNames()
    names.know(GROUP, USER, "花子")
    return replace(ctx, names=names)


def card(action: CardAction, label: str = "ゴミ出し") -> str:
    return postbacks.on_card(action, new_reminder_id(), T, label)


def test_done_in_a_group_names_who_tapped(named: EventContext) -> None:
    assert handle_event(postback(card(CardAction.DONE), T, GROUP), named) == "done"
    assert replies_of(named).last.startswith("✓ 完了: 花子\n✅ 「ゴミ出し」完了にしました。")


def test_a_snooze_in_a_group_says_who_before_its_confirmation(named: EventContext) -> None:
    assert handle_event(postback(card(CardAction.SNOOZE_5_MIN), T, GROUP), named) == "snoozed"
    note, confirmation = (r.text for _, r in replies_of(named).replies)
    assert note == "⏰ 5分後に再通知: 花子"
    assert "9:05" in confirmation
    handle_event(postback(card(CardAction.TOMORROW), T, GROUP), named)
    assert replies_of(named).replies[-2][1].text == "⏰ 明日に再通知: 花子"


def test_an_unknown_member_still_gets_the_reply_without_a_name(named: EventContext) -> None:
    assert isinstance(named.names, MemoryMemberNames)
    named.names.names.clear()
    assert handle_event(postback(card(CardAction.DONE), T, GROUP), named) == "done"
    assert replies_of(named).last.startswith("✅ 「ゴミ出し」完了にしました。")
    assert handle_event(postback(card(CardAction.SNOOZE_5_MIN), T, GROUP), named) == "snoozed"
    assert len(replies_of(named).replies) == 2  # the confirmation only


def test_a_one_to_one_chat_asks_no_name(named: EventContext) -> None:
    assert handle_event(postback(card(CardAction.DONE), T), named) == "done"
    assert replies_of(named).last.startswith("✅")
    assert isinstance(named.names, MemoryMemberNames)
    assert named.names.asked == []


def test_a_second_tap_asks_no_name(named: EventContext) -> None:
    data = card(CardAction.DONE)
    handle_event(postback(data, T, GROUP), named)
    assert handle_event(postback(data, T + 1_000, GROUP), named) == "card_again"
    assert isinstance(named.names, MemoryMemberNames)
    assert len(named.names.asked) == 1


@pytest.fixture
def group(named: EventContext) -> EventContext:
    return replace(named, members=MemoryGroupMembers())


def test_each_member_may_confirm_and_the_reply_lists_who_did(group: EventContext) -> None:
    assert isinstance(group.names, MemoryMemberNames)
    group.names.know(GROUP, TARO, "太郎")
    data = card(CardAction.DONE, "集合")
    assert handle_event(postback(data, T, GROUP), group) == "done"
    assert replies_of(group).last.startswith("✓ 完了: 花子\n")
    assert handle_event(postback(data, T + 1_000, GROUP, member=TARO), group) == "done_too"
    assert replies_of(group).last.startswith("✓ 完了: 花子, 太郎\n")
    assert handle_event(postback(data, T + 2_000, GROUP, member=TARO), group) == "card_again"
    assert handle_event(postback(data, T + 3_000, GROUP), group) == "card_again"


def test_speakers_are_heard_and_a_minna_reminder_is_set_for_everyone(
    group: EventContext,
) -> None:
    assert handle_event(text("明日9時 みんな 集合", T, GROUP, TARO), group) == "once"
    (reminder,) = group.reminders.pending(GROUP)
    assert reminder.label == "みんな 集合"  # the word stays: it is part of what to remind
    assert book_of(group).setters[(GROUP, reminder.id)] == "*"
    handle_event(text("10分後 お茶", T + 1_000, GROUP, USER), group)
    assert set(book_of(group).setters.values()) == {"*", USER}
    assert isinstance(group.members, MemoryGroupMembers)
    assert group.members.spoke[GROUP] == {TARO: T, USER: T + 1_000}
    handle_event(text("10分後 お茶", T + 2_000), group)  # 1:1: nobody is kept
    assert list(group.members.spoke) == [GROUP]
