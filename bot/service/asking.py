"""The two-step way of setting a reminder: what first (`ゴミ出し`), then 「いつ?」.

The open question lives in Redis with a TTL and belongs to the member who asked (in a group,
another member's answer is theirs, not an answer). The next text with a time, or the
date-time picker's postback, completes it; キャンセル abandons it.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain import cards, postbacks
from bot.domain.recurrence import localize
from bot.domain.texts import Button, Reply
from bot.service.context import Turn

LABEL_CHARS = 100  # a question's label, as kept in Redis
CANCEL_BUTTON = Button("キャンセル", text="キャンセル")


@dataclass(frozen=True, slots=True)
class Question:
    nonce: str
    label: str
    edit_id: str = ""  # the reminder whose time this question changes, if any
    # The readings offered as buttons (stored reminder records, tapped by index): the
    # postback carries only the index, so what a tap arms is what the bot showed.
    readings: tuple[str, ...] = ()

    def encode(self) -> str:
        data: dict[str, object] = {"n": self.nonce, "l": self.label, "e": self.edit_id}
        if self.readings:
            # A field of its own: the previous release's decode ignores what it does not know.
            data["r"] = list(self.readings)
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def decode(cls, raw: str | None) -> Question | None:
        try:
            data = json.loads(raw or "")
            offered = data.get("r", [])
            readings = tuple(str(r) for r in offered) if isinstance(offered, list) else ()
            return cls(str(data["n"]), str(data["l"]), str(data.get("e", "")), readings)
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


def open_question(turn: Turn) -> Question | None:
    if not turn.user_id:
        return None
    return Question.decode(turn.ctx.reminders.question(turn.chat_id, turn.user_id))


def ask_when(turn: Turn, label: str, zone: ZoneInfo, *, edit_id: str = "") -> Reply:
    """Store the question and say 「いつ?」 with one-tap answers and the date-time picker."""
    question = Question(new_nonce(), label[:LABEL_CHARS], edit_id)
    if turn.user_id:
        turn.ctx.reminders.ask(turn.chat_id, turn.user_id, question.encode())
    now = datetime.fromtimestamp(turn.timestamp_ms / 1000, UTC).astimezone(zone)
    buttons = [Button("10分後", text="10分後"), Button("1時間後", text="1時間後")]
    if now.hour < 20:
        buttons.append(Button("今夜 20:00", text="今夜 20:00"))
    buttons += [
        Button("明日の朝 8:00", text="明日の朝 8:00"),
        picker_button(question, now, turn.ctx.settings.reminder_max_days),
        CANCEL_BUTTON,
    ]
    what = f"「{label}」を" if label else ""
    verb = "いつに変更しますか?" if edit_id else "いつお知らせしますか?"
    return Reply(f"{what}{verb}\nWhen should I remind you?", tuple(buttons))


def new_nonce() -> str:
    return secrets.token_urlsafe(6)


def picker_button(question: Question, now: datetime, max_days: int) -> Button:
    """日時を選ぶ: LINE's date-time picker, its window on the chat's wall clock (`now`)."""
    initial, earliest, latest = cards.picker_window(now, max_days)
    return Button(
        "日時を選ぶ",
        data=postbacks.picked(question.nonce, question.label),
        picker="datetime",
        initial=initial,
        min=earliest,
        max=latest,
    )


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
