"""What the bot says (bot.domain.texts.Reply) as LINE message objects, through the SDK's models."""

from __future__ import annotations

from linebot.v3.messaging import (
    Action,
    DatetimePickerAction,
    FlexContainer,
    FlexMessage,
    Message,
    MessageAction,
    PostbackAction,
    QuickReply,
    QuickReplyItem,
    TextMessage,
)

from bot.domain.push import MAX_TEXT_CHARS
from bot.domain.texts import Button, Reply

MAX_QUICK_REPLIES = 13  # LINE's limit per message
MAX_LABEL_CHARS = 20
MAX_POSTBACK_DATA_CHARS = 300
MAX_ALT_TEXT_CHARS = 1500


def to_action(button: Button) -> Action:
    label = button.label[:MAX_LABEL_CHARS]
    if button.picker:
        return DatetimePickerAction(
            label=label,
            data=button.data[:MAX_POSTBACK_DATA_CHARS],
            mode=button.picker,
            initial=button.initial or None,
            min=button.min or None,
            max=button.max or None,
        )
    if button.data:
        return PostbackAction(
            label=label,
            data=button.data[:MAX_POSTBACK_DATA_CHARS],
            display_text=button.display_text or None,
        )
    return MessageAction(label=label, text=button.text or button.label)


def to_line_message(reply: Reply) -> Message:
    quick = None
    if reply.quick_replies:
        quick = QuickReply(
            items=[
                QuickReplyItem(action=to_action(b)) for b in reply.quick_replies[:MAX_QUICK_REPLIES]
            ]
        )
    if reply.flex_json:
        return FlexMessage(
            alt_text=reply.text[:MAX_ALT_TEXT_CHARS],
            contents=FlexContainer.from_json(reply.flex_json),
            quick_reply=quick,
        )
    return TextMessage(text=reply.text[:MAX_TEXT_CHARS], quick_reply=quick)
