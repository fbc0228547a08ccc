"""Everything the bot says. Japanese first, English after. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.timers import Timer

# Quick-reply buttons: (label ≤ 20 chars, text sent when tapped).
QuickReply = tuple[str, str]

_SUGGESTIONS: tuple[QuickReply, ...] = (
    ("10秒", "10"),
    ("3分 カップ麺", "3分 カップ麺"),
    ("解析してみる", "解析 すもももももももものうち"),
    ("ヘルプ / Help", "ヘルプ"),
)


@dataclass(frozen=True, slots=True)
class Reply:
    """One text message, with optional quick-reply buttons."""

    text: str
    quick_replies: tuple[QuickReply, ...] = field(default=())


def describe_duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{hours}時間" if hours else "",
        f"{minutes}分" if minutes else "",
        f"{secs}秒" if secs else "",
    ]
    return "".join(parts)


def describe_duration_en(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{n} {unit}{'s' if n != 1 else ''}"
        for n, unit in ((hours, "hour"), (minutes, "minute"), (secs, "second"))
        if n
    ]
    return " ".join(parts)


def timer_set(seconds: int, label: str, fires_at: datetime) -> Reply:
    clock = fires_at.strftime("%H:%M:%S")
    what = f"「{label}」" if label else ""
    return Reply(
        f"⏱ {describe_duration(seconds)}のタイマー{what}をセットしました。"
        f"{clock} にお知らせします。\n"
        f"Timer set for {describe_duration_en(seconds)}; I'll notify you at {clock}."
    )


def timer_done(timer: Timer) -> str:
    if timer.label:
        return (
            f"⏰ {timer.label}の時間です！（{describe_duration(timer.seconds)}）\n"
            f"Time for {timer.label}! ({describe_duration_en(timer.seconds)})"
        )
    return (
        f"⏰ {describe_duration(timer.seconds)}たちました！\n"
        f"{describe_duration_en(timer.seconds)} are up!"
    )


def out_of_range(max_seconds: int) -> Reply:
    return Reply(
        f"1秒から{describe_duration(max_seconds)}までの時間を指定してください。\n"
        f"Please choose a duration between 1 second and {describe_duration_en(max_seconds)}.",
        _SUGGESTIONS,
    )


def help_text() -> Reply:
    return Reply(
        "使い方 / How to use:\n"
        "・180 → 180秒後にお知らせ (180 seconds)\n"
        "・3分 カップ麺 → 3分後に「カップ麺」 (3 minutes, with a label)\n"
        "・1時間 → 1時間後 (1 hour)\n"
        "・解析 <文> → 形態素解析 (Japanese morphological analysis)",
        _SUGGESTIONS,
    )


def unreadable() -> Reply:
    return Reply(
        "ごめんなさい、読み取れませんでした。"
        "秒数（例: 180）か「3分 カップ麺」のように送ってください。\n"
        'Sorry, I couldn\'t read that. Send a number of seconds (e.g. 180) or "3分 カップ麺".',
        _SUGGESTIONS,
    )


def not_text() -> Reply:
    return Reply(
        "スタンプや画像はまだ読めません。文字で送ってください（例: 180）。\n"
        "I can't read stickers or images yet; please send text (e.g. 180).",
        _SUGGESTIONS,
    )


def analyze_needs_text() -> Reply:
    return Reply(
        "「解析 すもももももももものうち」のように、解析の後に文を付けてください。\n"
        'Put a sentence after 解析, e.g. "解析 すもももももももものうち".',
        (("解析してみる", "解析 すもももももももものうち"),),
    )


def analysis(lines: list[str]) -> Reply:
    body = "\n".join(lines) if lines else "（解析結果なし / nothing to analyse）"
    return Reply(f"🔎 形態素解析 / Morphological analysis:\n{body}")


def welcome() -> Reply:
    return Reply(
        "友だち追加ありがとうございます！秒数を送るとタイマーになります。\n"
        "Thanks for adding me! Send a number of seconds to start a timer.",
        _SUGGESTIONS,
    )
