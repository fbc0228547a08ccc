"""The hand-built push body is exactly what the SDK's model would send."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from linebot.v3.messaging import PushMessageRequest, TextMessage

from bot.adapters.line.messages import to_line_message
from bot.adapters.line.outcomes import ReplyOutcome, push_error, reply_outcome
from bot.adapters.line.pushes import push_body
from bot.domain import cards
from bot.domain.delivery import PushOutcome
from bot.domain.push import text_message
from bot.domain.reminders import Kind, Reminder
from bot.domain.texts import Button, Reply

TOKYO = ZoneInfo("Asia/Tokyo")


def test_push_body_matches_the_sdk_model() -> None:
    texts = ["⏰ 3秒たちました！", "second"]
    sdk = PushMessageRequest(to="Uabc", messages=[TextMessage(text=t) for t in texts])
    assert push_body("Uabc", [text_message(t) for t in texts]) == sdk.to_dict()


def test_notification_cards_are_what_the_sdk_model_would_send() -> None:
    for kind, arg in (
        (Kind.TIMER, "180"),
        (Kind.ONCE, ""),
        (Kind.RECURRING, "FREQ=DAILY;BYHOUR=7;BYMINUTE=0"),
    ):
        reminder = Reminder(
            "U" + "a" * 32, "abcdefgh", kind, 1_796_335_200_000, "ゴミ出し" * 25, arg
        )
        body = push_body(reminder.chat_id, [cards.notification_message(reminder, TOKYO)])
        assert PushMessageRequest.from_dict(body).to_dict() == body
        data = [
            button["action"]["data"]
            for row in body["messages"][0]["contents"]["footer"]["contents"]
            for button in row.get("contents", [row])
        ]
        assert all(len(d) <= 300 for d in data)
        assert len(body["messages"][0]["altText"]) <= 1500


def test_a_flex_reply_keeps_its_quick_replies_and_alt_text() -> None:
    reminder = Reminder("Uabc", "abcdefgh", Kind.ONCE, 1_796_335_200_000, "歯医者")
    carousel = cards.list_message([reminder] * 11, TOKYO, alt_text="一覧の文章")
    reply = Reply("一覧の文章", (Button("一覧", text="一覧"),), flex_json=cards.to_json(carousel))
    message = to_line_message(reply).to_dict()
    assert message["altText"] == "一覧の文章"
    assert message["contents"] == carousel["contents"]
    assert len(message["contents"]["contents"]) == 11  # 10 reminders and a "more" bubble
    assert message["quickReply"]["items"][0]["action"]["text"] == "一覧"


def test_quick_replies_become_message_and_postback_actions() -> None:
    buttons = (
        Button("a label longer than twenty", text="10"),
        Button("取り消す", data="undo:abcdefgh", display_text="取り消す"),
    )
    data = to_line_message(Reply("hi", buttons)).to_dict()
    message_item, postback_item = data["quickReply"]["items"]
    assert message_item["action"] == {
        "type": "message",
        "label": "a label longer than ",
        "text": "10",
    }
    assert postback_item["action"] == {
        "type": "postback",
        "label": "取り消す",
        "data": "undo:abcdefgh",
        "displayText": "取り消す",
    }


def test_error_answers_are_classified() -> None:
    accepted = push_error(409, {"X-Line-Accepted-Request-Id": "r1"}, b"{}")
    assert (accepted.outcome, accepted.request_id) == (PushOutcome.ALREADY_DELIVERED, "r1")
    limited = push_error(429, {"Retry-After": "3"}, b'{"message":"The API rate limit"}')
    assert (limited.outcome, limited.retry_after_s) == (PushOutcome.RATE_LIMITED, 3.0)
    monthly = push_error(429, {}, b'{"message":"You have reached your monthly limit."}')
    assert monthly.outcome is PushOutcome.MONTHLY_LIMIT
    assert push_error(500, {}, b"").outcome is PushOutcome.RETRY
    assert push_error(403, {}, b"").outcome is PushOutcome.REJECTED
    assert push_error(400, {}, b"").outcome is PushOutcome.REJECTED


def test_reply_answers_are_classified() -> None:
    assert reply_outcome(200) is ReplyOutcome.SENT
    for status in (500, 502, 408, 429):
        assert reply_outcome(status) is ReplyOutcome.RETRY, status
    for status in (400, 401, 403, 404, 413):  # an expired or used token is a 400
        assert reply_outcome(status) is ReplyOutcome.REFUSED, status
