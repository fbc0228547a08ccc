"""What the bot says when it asks instead of guessing (the parser's AskWhich). Pure.

The bot never stores a reminder it is not sure of: it says what it could read and what stopped
it, and offers each reading as a button whose label is the moment, so the tap is the answer.
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.reminder_texts import LIST_BUTTON, WEEKDAYS_JA, rule_ja
from bot.domain.reminders import Kind, Reminder
from bot.domain.texts import Reply, describe_duration

LABEL_MAX = 20  # LINE's limit for a quick-reply label


def _fit(label: str) -> str:
    return label if len(label) <= LABEL_MAX else label[: LABEL_MAX - 1] + "…"


def _clock(moment: datetime) -> str:
    return f"{moment.hour}:{moment.minute:02d}"


def button_label(reading: Reminder, when: datetime, now: datetime) -> str:
    """`12/14(月) 10:00` (the year only when it is not this one), `10分後 12:34`, or the rule."""
    if reading.kind is Kind.TIMER:
        return _fit(f"{describe_duration(reading.seconds)}後 {_clock(when)}")
    if reading.kind is Kind.RECURRING:
        return _fit(rule_ja(reading))
    year = f"{when.year}/" if when.year != now.year else ""
    day = f"{year}{when.month}/{when.day}({WEEKDAYS_JA[when.weekday()]})"
    return _fit(f"{day} {_clock(when)}")


def _quoted(pieces: tuple[str, ...]) -> str:
    return "・".join(f'"{piece}"' for piece in pieces)


def question(
    reason: str, label: str, unread: tuple[str, ...], first: datetime | None, offered: bool
) -> str:
    """The text of the ask (its buttons are the service's): what stopped the bot, then the
    question. `first`: the first reading's moment, the date as typed for weekday_mismatch."""
    what_ja = f"「{label}」を" if label else ""
    what_en = f" of {label}" if label else ""
    if reason == "weekday_mismatch" and first is not None:
        weekday_ja = WEEKDAYS_JA[first.weekday()]
        problem_ja = f"{first.month}月{first.day}日は{weekday_ja}曜日です。"
        problem_en = f"{first:%B} {first.day} is a {first:%A}. "
    elif reason == "unread_time" and unread:
        problem_ja = f"{_quoted(unread)}の部分が読み取れませんでした。"
        problem_en = f"I couldn't read {_quoted(unread)}. "
    else:
        problem_ja = "いつのことか、はっきりしませんでした。"
        problem_en = "I'm not sure which time you mean. "
    if offered:
        ask_ja = f"「{label}」はどちらですか?" if label else "どちらですか?"
        ask_en = f"Which one did you mean{f' for {label}' if label else ''}?"
    else:
        ask_ja, ask_en = f"{what_ja}いつお知らせしますか?", f"When should I remind you{what_en}?"
    return f"{problem_ja}{ask_ja}\n{problem_en}{ask_en}"


def closed() -> Reply:
    """A reading tapped after its question expired (30 min) or was answered."""
    return Reply(
        "この質問はもう終わっています（答え済みか、30分たちました）。もう一度送ってください。\n"
        "That question is closed (answered, or 30 minutes passed). Please send it again.",
        (LIST_BUTTON,),
    )
