"""Flex messages the bot sends: a notification card with its buttons, and 一覧 as a carousel.
Pure: plain LINE JSON (the tests check every shape against the SDK's models).

A card's altText is what the lock screen and the chat list show, so it reads well alone: the
label first, then when.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain import missed, postbacks
from bot.domain.postbacks import CardAction
from bot.domain.reminder_texts import local, moment_ja, moment_ja_at, notification, rule_ja
from bot.domain.reminders import Kind, Reminder
from bot.domain.texts import describe_duration

MAX_ALT_TEXT = 1500  # LINE's limit
LIST_PAGE_SIZE = 10  # a carousel holds 12 bubbles; 10 and a "more" bubble read better
GREY = "#888888"
LATE_RED = "#C0392B"
Json = dict[str, Any]


def _text(text: str, **style: Any) -> Json:
    return {"type": "text", "text": text, "wrap": True, **style}


def _button(label: str, data: str, *, primary: bool = False) -> Json:
    return {
        "type": "button",
        "style": "primary" if primary else "secondary",
        "height": "sm",
        "action": {"type": "postback", "label": label, "data": data, "displayText": label},
    }


def _row(*buttons: Json) -> Json:
    return {"type": "box", "layout": "horizontal", "spacing": "sm", "contents": list(buttons)}


def title_of(reminder: Reminder) -> str:
    if reminder.label:
        return reminder.label
    if reminder.kind is Kind.TIMER:
        return f"{describe_duration(reminder.seconds)}のタイマー"
    return "リマインダー"


def _subtitle(reminder: Reminder, zone: ZoneInfo) -> str:
    when = moment_ja_at(reminder.occurrence_ms, zone, seconds=reminder.kind is Kind.TIMER)
    if reminder.kind is Kind.RECURRING:
        return f"🔁 {rule_ja(reminder)}（{when}）"
    return f"{when} に設定"


def notification_message(reminder: Reminder, zone: ZoneInfo, now_ms: int | None = None) -> Json:
    """The pushed card: what it is, when it was set for, and what can be done about it. Sent
    more than a minute after its moment (`now_ms`), it says so, in the card and its altText:
    a user reading "7:00" at 9:30 should not think the clock is wrong."""
    occurrence = reminder.occurrence_ms
    late = None if now_ms is None else missed.late_notice(occurrence, now_ms, zone)

    def card_button(action: CardAction, label: str, *, primary: bool = False) -> Json:
        data = postbacks.on_card(action, reminder.id, occurrence, title_of(reminder))
        return _button(label, data, primary=primary)

    footer = [
        card_button(CardAction.DONE, "完了", primary=True),
        _row(
            card_button(CardAction.SNOOZE_5_MIN, "5分後"),
            card_button(CardAction.SNOOZE_1_HOUR, "1時間後"),
            card_button(CardAction.TOMORROW, "明日"),
        ),
    ]
    if reminder.kind is Kind.RECURRING:
        footer.append(
            _row(
                card_button(CardAction.SKIP_NEXT, "次回だけスキップ"),
                card_button(CardAction.STOP, "停止"),
            )
        )
    bubble = {
        "type": "bubble",
        "body": {
            "type": "box",
            "layout": "vertical",
            "spacing": "sm",
            "contents": [
                _text("⏰ お知らせ", size="sm", color=GREY),
                _text(title_of(reminder), weight="bold", size="xl"),
                _text(_subtitle(reminder, zone), size="sm", color=GREY),
                *([_text(late, size="sm", color=LATE_RED)] if late else []),
            ],
        },
        "footer": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": footer},
    }
    alt = notification(reminder, zone)
    if late:
        alt = f"{alt}\n{late}"
    return {"type": "flex", "altText": alt[:MAX_ALT_TEXT], "contents": bubble}


def is_group(chat_id: str) -> bool:
    """A group (C…) or a room (R…): several people read its notifications."""
    return chat_id[:1] in ("C", "R")


def mention_message(user_ids: list[str]) -> Json:
    """A text v2 message mentioning who set the notifications above it (in a group, the card
    alone does not say whose it is). No label in it: a label's braces would read as
    placeholders."""
    names = [f"u{i}" for i in range(len(user_ids))]
    return {
        "type": "textV2",
        "text": " ".join(f"{{{n}}}" for n in names) + " ⏰ お知らせです",
        "substitution": {
            n: {"type": "mention", "mentionee": {"type": "user", "userId": uid}}
            for n, uid in zip(names, user_ids, strict=True)
        },
    }


def _list_bubble(number: int, reminder: Reminder, zone: ZoneInfo) -> Json:
    when = moment_ja(local(reminder.occurrence_ms, zone), seconds=reminder.kind is Kind.TIMER)
    lines = [
        _text(f"{number}", size="sm", color=GREY),
        _text(title_of(reminder), weight="bold", size="lg"),
        _text(when if reminder.kind is not Kind.RECURRING else f"次回 {when}", size="sm"),
    ]
    if reminder.kind is Kind.RECURRING:
        lines.append(_text(f"🔁 {rule_ja(reminder)}", size="sm", color=GREY))
    return {
        "type": "bubble",
        "size": "kilo",
        "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": lines},
        "footer": _row(
            _button("取消", postbacks.cancel_from_list(reminder.id)),
            _button("変更", postbacks.edit_from_list(reminder.id)),
        ),
    }


def list_message(reminders: list[Reminder], zone: ZoneInfo, alt_text: str, page: int = 1) -> Json:
    """一覧 as a carousel, LIST_PAGE_SIZE reminders a page, numbered as in the text list."""
    start = (page - 1) * LIST_PAGE_SIZE
    shown = reminders[start : start + LIST_PAGE_SIZE]
    bubbles = [_list_bubble(start + i + 1, r, zone) for i, r in enumerate(shown)]
    rest = len(reminders) - start - len(shown)
    if rest > 0:
        bubbles.append(
            {
                "type": "bubble",
                "size": "kilo",
                "body": {
                    "type": "box",
                    "layout": "vertical",
                    "contents": [_text(f"ほかに {rest} 件あります", size="sm")],
                },
                "footer": _row(_button("次の10件", postbacks.list_page(page + 1), primary=True)),
            }
        )
    carousel = {"type": "carousel", "contents": bubbles}
    return {"type": "flex", "altText": alt_text[:MAX_ALT_TEXT], "contents": carousel}


def to_json(message: Json) -> str:
    """The container as a string: a Reply stays hashable (replies are cached by value)."""
    return json.dumps(message["contents"], ensure_ascii=False, separators=(",", ":"))


def picker_window(now: datetime, max_days: int) -> tuple[str, str, str]:
    """(initial, min, max) for the datetimepicker, in LINE's `YYYY-MM-DDTHH:MM`, in the chat's
    zone (the picker itself has none): an hour from now, now, and the furthest allowed."""
    fmt = "%Y-%m-%dT%H:%M"
    return (
        (now + timedelta(hours=1)).strftime(fmt),
        now.strftime(fmt),
        (now + timedelta(days=max_days)).strftime(fmt),
    )
