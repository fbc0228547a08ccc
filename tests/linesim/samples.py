"""Messages a reminder bot sends for tapping: a Flex carousel of cards and a picker quick reply."""

from __future__ import annotations

from typing import Any


def picker_action(data: str = "pick", **extra: str) -> dict[str, Any]:
    return {
        "type": "datetimepicker",
        "label": "日時を選ぶ",
        "data": data,
        "mode": "datetime",
        **extra,
    }


def quick_reply(*actions: dict[str, Any]) -> dict[str, Any]:
    return {"items": [{"type": "action", "action": a} for a in actions]}


def card(title: str, when: str, data: str) -> dict[str, Any]:
    """One reminder as a Flex bubble: title, time, a separator and a postback button."""
    return {
        "type": "bubble",
        "body": {
            "type": "box",
            "layout": "vertical",
            "spacing": "sm",
            "contents": [
                {"type": "text", "text": title, "weight": "bold", "size": "lg"},
                {
                    "type": "box",
                    "layout": "horizontal",
                    "contents": [
                        {"type": "text", "text": "日時", "color": "#888888", "flex": 1},
                        {"type": "text", "text": when, "flex": 3},
                    ],
                },
                {"type": "separator"},
                {"type": "image", "url": "https://example.com/trash.png", "size": "sm"},
            ],
        },
        "footer": {
            "type": "box",
            "layout": "vertical",
            "contents": [
                {
                    "type": "button",
                    "style": "primary",
                    "action": {
                        "type": "postback",
                        "label": "取消",
                        "data": data,
                        "displayText": f"{title}を取消",
                    },
                }
            ],
        },
    }


def carousel(n: int = 2) -> dict[str, Any]:
    """A Flex carousel of `n` reminder cards (postback data `cancel:<i>`) plus a picker."""
    titles = ["ゴミ出し", "薬を飲む", "会議", "買い物", "電話", "散歩"]
    bubbles = [
        card(titles[i % len(titles)], f"12月{i + 2}日 7:00", f"cancel:{i}") for i in range(n)
    ]
    return {
        "type": "flex",
        "altText": "リマインダー一覧",
        "contents": {"type": "carousel", "contents": bubbles},
        "quickReply": quick_reply(
            picker_action("new", min="2000-01-01T00:00", max="2099-12-31T23:59"),
            {"type": "message", "label": "一覧", "text": "一覧"},
        ),
    }
