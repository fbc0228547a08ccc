"""The hand-built push body is exactly what the SDK's model would send."""

from __future__ import annotations

from linebot.v3.messaging import PushMessageRequest, TextMessage

from bot.adapters.line_api import to_line_message
from bot.adapters.line_push import PushOutcome, classify_error, push_body
from bot.domain.texts import Button, Reply


def test_push_body_matches_the_sdk_model() -> None:
    texts = ["⏰ 3秒たちました！", "second"]
    sdk = PushMessageRequest(to="Uabc", messages=[TextMessage(text=t) for t in texts])
    assert push_body("Uabc", texts) == sdk.to_dict()


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
    accepted = classify_error(409, {"X-Line-Accepted-Request-Id": "r1"}, b"{}")
    assert (accepted.outcome, accepted.request_id) == (PushOutcome.ALREADY_DELIVERED, "r1")
    limited = classify_error(429, {"Retry-After": "3"}, b'{"message":"The API rate limit"}')
    assert (limited.outcome, limited.retry_after_s) == (PushOutcome.RATE_LIMITED, 3.0)
    monthly = classify_error(429, {}, b'{"message":"You have reached your monthly limit."}')
    assert monthly.outcome is PushOutcome.MONTHLY_LIMIT
    assert classify_error(500, {}, b"").outcome is PushOutcome.RETRY
    assert classify_error(403, {}, b"").outcome is PushOutcome.REJECTED
    assert classify_error(400, {}, b"").outcome is PushOutcome.REJECTED
