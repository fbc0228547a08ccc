"""The parser's ask (AskWhich), in-process (see handler_support): the reply and its buttons,
nothing stored before a tap, a tap stored once, an expired question, キャンセル, and the
in_the_past answer.

The parser that returns AskWhich and OutOfRange("in_the_past") is being rewritten elsewhere, so
the `reads` fixture hands handle_text the intent a text is to be read as (every other text goes
to the real parser): what is tested is what the bot does with the intent.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from bot.adapters.memory.reminder_book import QUESTION_TTL_S
from bot.domain import postbacks, texts
from bot.domain.intents import AskWhich, Intent, OutOfRange, RemindOnce, StartTimer
from bot.domain.parsing import read_message
from bot.domain.reminders import Kind
from bot.domain.texts import Button
from bot.service import reminder_commands
from bot.service.asking import Question
from bot.service.webhook_events import EventContext, handle_event
from tests.unit.service_support import (
    TOKYO,
    USER,
    at,
    book_of,
    ctx,
    postback,
    replies_of,
    text,
)

__all__ = ["ctx"]  # the fixture
T = at(2026, 12, 6, 10, 0)
MEETING = "6月4日(木) 10時 会議"
JUNE_4 = datetime(2027, 6, 4, 10, 0, tzinfo=TOKYO)  # a Friday
JUNE_3 = datetime(2027, 6, 3, 10, 0, tzinfo=TOKYO)
MISMATCH = AskWhich(
    "weekday_mismatch", "会議", (RemindOnce(JUNE_4, "会議"), RemindOnce(JUNE_3, "会議"))
)
UNREAD = AskWhich("unread_time", "会議", (), ("来月",))


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> dict[str, Intent]:
    """Texts → the intent the parser is to return for them (others: the real parser)."""
    table: dict[str, Intent] = {}

    def read(message: str, **kwargs: Any) -> Intent:
        return table[message] if message in table else read_message(message, **kwargs)

    monkeypatch.setattr(reminder_commands, "read_message", read)
    return table


def buttons(ctx: EventContext) -> tuple[Button, ...]:
    return replies_of(ctx).replies[-1][1].quick_replies


def reading_data(ctx: EventContext, index: int) -> str:
    return [b.data for b in buttons(ctx) if b.data.startswith("ask:")][index]


def test_a_weekday_that_contradicts_the_date_is_asked_with_a_button_per_reading(
    ctx: EventContext, reads: dict[str, Intent]
) -> None:
    reads[MEETING] = MISMATCH
    event = text(MEETING, T)
    assert handle_event(event, ctx) == "ask_which"
    (token, reply) = replies_of(ctx).replies[-1]
    assert token == event.reply_token  # answered through the reply token, never a push
    assert "6月4日は金曜日です。" in reply.text
    assert "どちらですか?" in reply.text
    assert "June 4 is a Friday." in reply.text
    labels = [b.label for b in reply.quick_replies]
    assert labels == ["2027/6/4(金) 10:00", "2027/6/3(木) 10:00", "日時を選ぶ", "キャンセル"]
    assert all(len(label) <= 20 for label in labels)
    first, second, picker, cancel = reply.quick_replies
    assert first.display_text == first.label  # what the chat shows as the user's tap
    question = Question.decode(ctx.reminders.question(USER, USER))
    assert question is not None
    assert (question.label, len(question.readings)) == ("会議", 2)
    nonce = question.nonce
    assert postbacks.read(first.data) == postbacks.PickedReading(nonce, 0)
    assert postbacks.read(second.data) == postbacks.PickedReading(nonce, 1)
    assert (picker.picker, picker.min) == ("datetime", "2026-12-06T10:00")
    assert postbacks.read(picker.data) == postbacks.PickedMoment(nonce, "会議")
    assert (cancel.text, cancel.data) == ("キャンセル", "")
    # Nothing but the question is stored, and it expires.
    assert ctx.reminders.pending(USER) == []
    assert 0 < book_of(ctx).expires_in(f"ask:{USER}:{USER}") <= QUESTION_TTL_S
    assert handle_event(event, ctx) == "duplicate"  # a redelivery asks nothing twice


def test_a_tapped_reading_is_stored_once(ctx: EventContext, reads: dict[str, Intent]) -> None:
    reads[MEETING] = MISMATCH
    handle_event(text(MEETING, T), ctx)
    data, other = reading_data(ctx, 1), reading_data(ctx, 0)
    picker = next(b.data for b in buttons(ctx) if b.picker)
    tap = postback(data, T + 5_000)
    assert handle_event(tap, ctx) == "once"
    assert "2027年6月3日(木) 10:00 に「会議」をリマインドします" in replies_of(ctx).last
    answered = len(replies_of(ctx).replies)
    assert handle_event(tap, ctx) == "duplicate"  # the same event redelivered: no reply
    assert len(replies_of(ctx).replies) == answered
    assert handle_event(postback(data, T + 6_000), ctx) == "ask_closed"  # a second tap
    assert handle_event(postback(other, T + 7_000), ctx) == "ask_closed"
    params = {"datetime": "2026-12-24T18:00"}
    assert handle_event(postback(picker, T + 8_000, params=params), ctx) == "pick_again"
    (reminder,) = ctx.reminders.pending(USER)
    assert (reminder.kind, reminder.label) == (Kind.ONCE, "会議")
    assert reminder.occurrence_ms == int(JUNE_3.timestamp() * 1000)
    assert ctx.reminders.question(USER, USER) is None


def test_an_unread_time_asks_when_and_the_picker_or_a_typed_time_answers(
    ctx: EventContext, reads: dict[str, Intent]
) -> None:
    reads["来月 会議"] = UNREAD
    assert handle_event(text("来月 会議", T), ctx) == "ask_which"
    assert '"来月"の部分が読み取れませんでした。「会議」をいつお知らせしますか?' in (
        replies_of(ctx).last
    )
    assert 'I couldn\'t read "来月".' in replies_of(ctx).last
    assert [b.label for b in buttons(ctx)] == ["日時を選ぶ", "キャンセル"]
    picker = buttons(ctx)[0].data
    params = {"datetime": "2027-01-05T09:30"}
    assert handle_event(postback(picker, T + 5_000, params=params), ctx) == "once"
    assert handle_event(text("来月 会議", T + 6_000), ctx) == "ask_which"
    assert handle_event(text("12月10日 9時", T + 7_000), ctx) == "once"  # typed: answers it
    pending = {r.occurrence_ms: r.label for r in ctx.reminders.pending(USER)}
    assert pending == {at(2027, 1, 5, 9, 30): "会議", at(2026, 12, 10, 9, 0): "会議"}
    assert ctx.reminders.question(USER, USER) is None


def test_a_tap_on_an_expired_or_someone_elses_question_stores_nothing(
    ctx: EventContext, reads: dict[str, Intent]
) -> None:
    group, other = "C" + "5" * 32, "U" + "6" * 32
    reads[MEETING] = MISMATCH
    handle_event(text(MEETING, T, chat=group, member=USER), ctx)
    data = reading_data(ctx, 0)
    tap_by_other = postback(data, T + 1_000, chat=group)
    assert tap_by_other.source.user_id == USER  # handler_support's postbacks come from USER
    ctx.reminders.forget_question(group, USER)  # what the 30-minute TTL does
    assert handle_event(tap_by_other, ctx) == "ask_closed"
    assert "この質問はもう終わっています" in replies_of(ctx).last
    handle_event(text(MEETING, T + 2_000, chat=group, member=other), ctx)
    assert handle_event(postback(reading_data(ctx, 0), T + 3_000, chat=group), ctx) == (
        "ask_closed"  # USER tapped what the bot asked `other`
    )
    assert ctx.reminders.pending(group) == []


def test_cancel_abandons_the_ask_and_a_later_tap_stores_nothing(
    ctx: EventContext, reads: dict[str, Intent]
) -> None:
    reads[MEETING] = MISMATCH
    handle_event(text(MEETING, T), ctx)
    data = reading_data(ctx, 0)
    assert handle_event(text("キャンセル", T + 1_000), ctx) == "question_abandoned"
    assert "キャンセルしました" in replies_of(ctx).last
    assert handle_event(postback(data, T + 2_000), ctx) == "ask_closed"
    assert ctx.reminders.pending(USER) == []
    assert ctx.reminders.question(USER, USER) is None


def test_at_most_thirteen_buttons_and_no_reading_already_past(
    ctx: EventContext, reads: dict[str, Intent]
) -> None:
    now = datetime.fromtimestamp(T / 1000, TOKYO)
    past = RemindOnce(now.replace(hour=9), "会議")
    many = tuple(RemindOnce(now.replace(day=7 + d), "会議") for d in range(14))
    reads["たくさん"] = AskWhich("ambiguous", "会議", (past, StartTimer(90, ""), *many))
    assert handle_event(text("たくさん", T), ctx) == "ask_which"
    labels = [b.label for b in buttons(ctx)]
    assert len(labels) == 13
    assert labels[:2] == ["1分30秒後 10:01", "12/7(月) 10:00"]
    assert labels[-2:] == ["日時を選ぶ", "キャンセル"]
    assert all(len(b.data) <= postbacks.MAX_DATA_CHARS for b in buttons(ctx))
    assert handle_event(postback(reading_data(ctx, 0), T + 5_000), ctx) == "timer"
    (timer,) = ctx.reminders.pending(USER)
    assert (timer.occurrence_ms, timer.label) == (T + 90_000, "会議")  # from the message


def test_a_message_about_the_past_is_answered_as_such(
    ctx: EventContext, reads: dict[str, Intent]
) -> None:
    reads["昨日 10時"] = OutOfRange("in_the_past")
    assert handle_event(text("昨日 10時", T), ctx) == "out_of_range"
    assert replies_of(ctx).last == texts.out_of_range("in_the_past").text
    assert replies_of(ctx).last.startswith("過去の日時のようです")
    assert ctx.reminders.pending(USER) == []
    assert ctx.reminders.question(USER, USER) is None


def test_an_ask_while_a_question_is_open_keeps_its_label_and_its_change(
    ctx: EventContext, reads: dict[str, Intent]
) -> None:
    unlabelled = AskWhich("weekday_mismatch", "", (RemindOnce(JUNE_4, ""), RemindOnce(JUNE_3, "")))
    reads["6月4日(木) 10時"] = unlabelled
    handle_event(text("2時間後 歯医者", T), ctx)
    assert handle_event(text("一覧", T + 1_000), ctx) == "list"
    bubble = json.loads(replies_of(ctx).replies[-1][1].flex_json)["contents"][0]
    change = bubble["footer"]["contents"][1]["action"]
    assert handle_event(postback(change["data"], T + 2_000), ctx) == "edit_ask"
    assert handle_event(text("6月4日(木) 10時", T + 3_000), ctx) == "ask_which"
    assert "「歯医者」はどちらですか?" in replies_of(ctx).last
    assert handle_event(postback(reading_data(ctx, 0), T + 4_000), ctx) == "once"
    (moved,) = ctx.reminders.pending(USER)  # changed, not added
    assert (moved.label, moved.occurrence_ms) == ("歯医者", int(JUNE_4.timestamp() * 1000))


def test_a_reading_tapped_after_its_moment_leaves_the_question_open(
    ctx: EventContext, reads: dict[str, Intent]
) -> None:
    readings = (StartTimer(60, "会議"), MISMATCH.readings[0])
    reads["1分 会議"] = AskWhich("ambiguous", "会議", readings)
    handle_event(text("1分 会議", T), ctx)
    soon, later = reading_data(ctx, 0), reading_data(ctx, 1)
    assert handle_event(postback(soon, T + 61_000), ctx) == "out_of_range"
    assert replies_of(ctx).last == texts.out_of_range("past").text
    assert handle_event(postback(later, T + 62_000), ctx) == "once"
    assert [r.label for r in ctx.reminders.pending(USER)] == ["会議"]
