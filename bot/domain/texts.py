"""Everything the bot says. Japanese first, English after. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain.timers import Timer


@dataclass(frozen=True, slots=True)
class Button:
    """A quick-reply button (label ≤ 20 characters): it sends `text` as the user, or, with
    `data`, a postback (≤ 300 characters) that shows `display_text` in the chat; with
    `picker` (date | time | datetime) too, LINE's date-time picker, whose answer comes back in
    the postback's params (`initial`, `min`, `max` in LINE's formats, in the chat's zone)."""

    label: str
    text: str = ""
    data: str = ""
    display_text: str = ""
    picker: str = ""
    initial: str = ""
    min: str = ""
    max: str = ""


SUGGESTIONS: tuple[Button, ...] = (
    Button("10秒", text="10"),
    Button("3分 カップ麺", text="3分 カップ麺"),
    Button("明日の朝7時", text="明日の朝7時 ゴミ出し"),
    Button("毎日 7:30", text="毎日 7:30 起きる"),
    Button("一覧", text="一覧"),
    Button("ヘルプ / Help", text="ヘルプ"),
)


@dataclass(frozen=True, slots=True)
class Reply:
    """One message, with optional quick-reply buttons: text, or with `flex_json` a Flex
    message (a bubble or carousel as JSON) whose altText is `text`."""

    text: str
    quick_replies: tuple[Button, ...] = field(default=())
    flex_json: str = ""


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


_OUT_OF_RANGE = {
    "too_far": (
        "1年より先のリマインダーは設定できません。",
        "Reminders can be set up to a year ahead.",
    ),
    "not_positive": (
        "0より長い時間を指定してください。",
        "Please choose a duration longer than zero.",
    ),
    "past": ("その日時はもう過ぎています。", "That moment has already passed."),
    "in_the_past": (
        "過去の日時のようです（昨日・先週・〜前など）。これから先の日時を送ってください。",
        "That speaks of the past (yesterday, last week, ... ago). Send a moment still ahead.",
    ),
}

_UNREADABLE = {
    "digest_not_yet": (
        "まとめて通知は準備中です。「毎朝7時に今日の予定」でその日の予定を1通で受け取れます。",
        "The digest is not available yet; 毎朝7時に今日の予定 sends the day's list in one push.",
    ),
    "invalid_interval": (
        "その間隔ではくり返せません。5分・10分・15分・20分・30分、1・2・3・4・6・8・12時間、N日ごとが使えます。",
        "That interval can't repeat: use 5, 10, 15, 20 or 30 minutes, 1, 2, 3, 4, 6, 8 or 12 "
        "hours, or N days.",
    ),
    "invalid_count": (
        "回数は1〜1000回で指定してください。",
        "Please give a number of times from 1 to 1000.",
    ),
    "invalid_date": (
        "その日付はありません（例: 2月30日）。日付を確かめてください。",
        "There is no such date.",
    ),
    "invalid_time": ("その時刻は読めませんでした（例: 25時）。", "That time does not exist."),
    "unknown_timezone": (
        "そのタイムゾーンは知りません。"
        "例: 「タイムゾーン Asia/Tokyo」「timezone America/New_York」",
        "Unknown time zone; e.g. timezone America/New_York.",
    ),
    "cancel_needs_number": (
        "「取消 2」のように番号を付けてください（番号は「一覧」で見られます）。",
        'Add the number from the list, e.g. "cancel 2".',
    ),
}

_EXAMPLES = "「10分後に電話」「明日の朝7時 ゴミ出し」「毎週月水金 7:00」「180」"


def out_of_range(reason: str = "too_far") -> Reply:
    ja, en = _OUT_OF_RANGE.get(reason, _OUT_OF_RANGE["too_far"])
    return Reply(f"{ja}\n{en}", SUGGESTIONS)


def greeting(*, thanks: bool) -> Reply:
    """The answer to a greeting or a thank-you: never a reminder."""
    if thanks:
        body = "どういたしまして！またいつでも呼んでください。\nYou're welcome!"
    else:
        body = (
            "こんにちは！「10分後に電話」「明日の朝7時 ゴミ出し」のように送ると、"
            'その時間にお知らせします。\nHello! Tell me what and when, e.g. "tomorrow 7am trash".'
        )
    return Reply(body, (Button("使い方", text="ヘルプ"), Button("一覧", text="一覧")))


def help_text() -> Reply:
    return Reply(
        "使い方 / How to use:\n"
        "・180 → 180秒後にお知らせ (a timer in seconds)\n"
        "・10分後に電話 / 1時間30分 / in 10 min → タイマー\n"
        "・明日の朝7時 ゴミ出し / 12月25日 18:00 / 来週月曜 10時 → その時刻に\n"
        "・毎日 7:30 / 平日 8:00 / 毎週月水金 7:00 / 毎月末 18:00 → くり返し\n"
        "・一覧 → 予定の一覧、取消 2 / 取消 全部 → 取り消し\n"
        "・タイムゾーン America/New_York → 時間帯の変更\n"
        "・解析 <文> → 形態素解析 (Japanese morphological analysis)",
        SUGGESTIONS,
    )


def unreadable(reason: str = "") -> Reply:
    if reason in _UNREADABLE:
        ja, en = _UNREADABLE[reason]
        return Reply(f"{ja}\n{en}", SUGGESTIONS)
    return Reply(
        f"ごめんなさい、読み取れませんでした。{_EXAMPLES} のように送ってください。\n"
        'Sorry, I couldn\'t read that. Try "in 10 min", "tomorrow 9am" or "every day 7:30".',
        SUGGESTIONS,
    )


def unknown_button() -> Reply:
    return Reply(
        "このボタンはもう使えません。「一覧」から操作してください。\n"
        "That button no longer works; try the list.",
        (Button("一覧", text="一覧"),),
    )


def group_welcome() -> Reply:
    return Reply(
        "グループに招待ありがとうございます！「10分後に電話」「毎週月曜 9:00 定例」のように送ると、"
        "このグループにお知らせします。\n"
        'Thanks for inviting me! Send e.g. "every monday 9:00" and I\'ll remind this group.',
        SUGGESTIONS,
    )


def not_text() -> Reply:
    return Reply(
        "スタンプや画像はまだ読めません。文字で送ってください（例: 180）。\n"
        "I can't read stickers or images yet; please send text (e.g. 180).",
        SUGGESTIONS,
    )


def analyze_needs_text() -> Reply:
    return Reply(
        "「解析 すもももももももものうち」のように、解析の後に文を付けてください。\n"
        'Put a sentence after 解析, e.g. "解析 すもももももももものうち".',
        (Button("解析してみる", text="解析 すもももももももものうち"),),
    )


def welcome() -> Reply:
    return Reply(
        "友だち追加ありがとうございます！リマインダーとタイマーのボットです。\n"
        f"{_EXAMPLES} のように送ってください。「ヘルプ」で使い方を表示します。\n"
        "Thanks for adding me! Send a time and what to remind you of, or a number of seconds.",
        SUGGESTIONS,
    )
