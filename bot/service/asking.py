"""The two-step way of setting a reminder: what first (`ゴミ出し`), then 「いつ?」.

The open question lives in Redis with a TTL and belongs to the member who asked (in a group,
another member's answer is theirs, not an answer). The next text with a time, or the
date-time picker's postback, completes it; キャンセル abandons it.
"""

from __future__ import annotations

import json
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain import cards, postbacks
from bot.domain.recurrence import localize
from bot.domain.texts import Button, Reply
from bot.service.context import Turn

_GREETINGS = frozenset(
    {
        "こんにちは",
        "こんばんは",
        "おはよう",
        "おはようございます",
        "ありがとう",
        "ありがとうございます",
        "ありがと",
        "どうも",
        "よろしく",
        "よろしくお願いします",
        "おやすみ",
        "おやすみなさい",
        "サンキュー",
        "thanks",
        "thank you",
        "thx",
        "hello",
        "hi",
        "hey",
        "good morning",
        "good night",
        "はじめまして",
    }
)
_ABANDON = frozenset({"キャンセル", "cancel", "やめる", "やめ", "中止", "いらない"})
_THANKS = ("ありがと", "thank", "thx", "サンキュー", "どうも")


@dataclass(frozen=True, slots=True)
class Question:
    nonce: str
    label: str
    edit_id: str = ""  # the reminder whose time this question changes, if any

    def encode(self) -> str:
        return json.dumps({"n": self.nonce, "l": self.label, "e": self.edit_id}, ensure_ascii=False)

    @classmethod
    def decode(cls, raw: str | None) -> Question | None:
        try:
            data = json.loads(raw or "")
            return cls(str(data["n"]), str(data["l"]), str(data.get("e", "")))
        except (ValueError, KeyError, TypeError):
            return None


def _plain(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).strip().lower()
    return folded.rstrip("!！。.~〜ー♪?？ 　")


def is_greeting(text: str) -> bool:
    return _plain(text) in _GREETINGS


def is_abandon(text: str) -> bool:
    return _plain(text) in _ABANDON


def greeting_reply(text: str) -> Reply:
    if any(word in _plain(text) for word in _THANKS):
        body = "どういたしまして！またいつでも呼んでください。\nYou're welcome!"
    else:
        body = (
            "こんにちは！「10分後に電話」「明日の朝7時 ゴミ出し」のように送ると、"
            'その時間にお知らせします。\nHello! Tell me what and when, e.g. "tomorrow 7am trash".'
        )
    return Reply(body, (Button("使い方", text="ヘルプ"), Button("一覧", text="一覧")))


def open_question(turn: Turn) -> Question | None:
    if not turn.user_id:
        return None
    return Question.decode(turn.ctx.reminders.question(turn.chat_id, turn.user_id))


def ask_when(turn: Turn, label: str, zone: ZoneInfo, *, edit_id: str = "") -> Reply:
    """Store the question and say 「いつ?」 with one-tap answers and the date-time picker."""
    question = Question(secrets.token_urlsafe(6), label[:100], edit_id)
    if turn.user_id:
        turn.ctx.reminders.ask(turn.chat_id, turn.user_id, question.encode())
    now = datetime.fromtimestamp(turn.timestamp_ms / 1000, UTC).astimezone(zone)
    initial, earliest, latest = cards.picker_window(now, turn.ctx.settings.reminder_max_days)
    buttons = [Button("10分後", text="10分後"), Button("1時間後", text="1時間後")]
    if now.hour < 20:
        buttons.append(Button("今夜 20:00", text="今夜 20:00"))
    buttons += [
        Button("明日の朝 8:00", text="明日の朝 8:00"),
        Button(
            "日時を選ぶ",
            data=postbacks.picked(question.nonce, question.label),
            picker="datetime",
            initial=initial,
            min=earliest,
            max=latest,
        ),
        Button("キャンセル", text="キャンセル"),
    ]
    what = f"「{label}」を" if label else ""
    verb = "いつに変更しますか?" if edit_id else "いつお知らせしますか?"
    return Reply(f"{what}{verb}\nWhen should I remind you?", tuple(buttons))


def picked_moment(params: dict[str, str] | None, zone: ZoneInfo) -> datetime | None:
    """The picker's `datetime` (YYYY-MM-DDTHH:MM, no zone) read on the chat's wall clock."""
    raw = (params or {}).get("datetime", "")
    try:
        naive = datetime.strptime(raw, "%Y-%m-%dT%H:%M")
    except ValueError:
        return None
    return localize(naive, zone)


def abandoned() -> Reply:
    return Reply("キャンセルしました。\nOK, cancelled.", (Button("一覧", text="一覧"),))


def within(moment: datetime, now: datetime, max_days: int) -> str | None:
    """None if `moment` can be set, else the out-of-range reason."""
    if moment <= now:
        return "past"
    if moment - now > timedelta(days=max_days):
        return "too_far"
    return None
