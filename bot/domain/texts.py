"""Everything the bot says. Japanese first, English after. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

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


_SUGGESTIONS: tuple[Button, ...] = (
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


@dataclass(frozen=True, slots=True)
class Token:
    """One token of a morphological analysis (janome's, read by bot.adapters.morphology)."""

    surface: str
    pos: tuple[str, ...]  # the levels of the part of speech, e.g. ("名詞", "一般")
    base: str
    reading: str  # katakana; "" when the dictionary has none (ASCII, unknown words)


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
}

_UNREADABLE = {
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
    return Reply(f"{ja}\n{en}", _SUGGESTIONS)


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
        _SUGGESTIONS,
    )


def unreadable(reason: str = "") -> Reply:
    if reason in _UNREADABLE:
        ja, en = _UNREADABLE[reason]
        return Reply(f"{ja}\n{en}", _SUGGESTIONS)
    return Reply(
        f"ごめんなさい、読み取れませんでした。{_EXAMPLES} のように送ってください。\n"
        'Sorry, I couldn\'t read that. Try "in 10 min", "tomorrow 9am" or "every day 7:30".',
        _SUGGESTIONS,
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
        (Button("解析してみる", text="解析 すもももももももものうち"),),
    )


def analysis(tokens: list[Token]) -> list[Reply]:
    """Every token on two short lines (a phone is ~20 characters wide): the surface and its
    part of speech, then its base form and reading; split over at most 5 messages."""
    lines = []
    for token in tokens:
        lines.append(f"{token.surface}【{'・'.join(token.pos[:2]) or '不明'}】")
        reading = hiragana(token.reading) if token.reading else "—"
        lines.append(f"　原形 {token.base}｜読み {reading}")
    if not lines:
        lines = ["（解析結果なし / nothing to analyse）"]
    return pages(f"🔎 形態素解析（{len(tokens)}語） / Morphological analysis", lines)


def welcome() -> Reply:
    return Reply(
        "友だち追加ありがとうございます！リマインダーとタイマーのボットです。\n"
        f"{_EXAMPLES} のように送ってください。「ヘルプ」で使い方を表示します。\n"
        "Thanks for adding me! Send a time and what to remind you of, or a number of seconds.",
        _SUGGESTIONS,
    )


# --- heavy replies (the RQ worker's) and broadcasts ---

MAX_MESSAGE_CHARS = 5000  # LINE: a text message holds at most 5,000 characters
MAX_MESSAGES = 5  # LINE: one reply or push carries at most 5 message objects
_TRUNCATED = "…（長いので省略しました / truncated）"
# Nouns that carry no topic of their own: pronouns, numbers, dependent nouns (こと, ため).
_NOT_KEYWORDS = frozenset({"代名詞", "数", "非自立", "接尾", "特殊"})
_ALONE_NOT_KEYWORDS = frozenset({"形容動詞語幹", "副詞可能"})


def hiragana(katakana: str) -> str:
    """Katakana to hiragana (ァ..ヶ shift by 0x60); anything else as is (ー stays)."""
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in katakana)


def pages(title: str, lines: list[str]) -> list[Reply]:
    """`title` and `lines` as at most 5 messages of at most 5,000 characters, cut between
    lines (a line longer than a message is cut itself); what does not fit is marked."""
    messages: list[str] = []
    current = title
    for line in lines:
        rest = line
        while rest:
            room = MAX_MESSAGE_CHARS - len(current) - 1
            if room > 0 and (len(rest) <= room or not current):
                piece, rest = rest[:room], rest[room:]
                current = f"{current}\n{piece}" if current else piece
                continue
            messages.append(current)
            current = ""
            if len(messages) == MAX_MESSAGES:
                keep = MAX_MESSAGE_CHARS - len(_TRUNCATED) - 1
                messages[-1] = messages[-1][:keep] + "\n" + _TRUNCATED
                return [Reply(m) for m in messages]
    messages.append(current)
    return [Reply(m) for m in messages]


def reading(tokens: list[Token]) -> list[Reply]:
    """The sentence in hiragana (a token the dictionary cannot read is kept as written)."""
    text = "".join(hiragana(t.reading) if t.reading else t.surface for t in tokens)
    return pages("📖 読み / Reading", [text or "（読める文字がありません / nothing to read）"])


def keywords(tokens: list[Token], limit: int = 20) -> list[Reply]:
    """The nouns that matter: runs of nouns joined (形態素 + 解析 → 形態素解析), pronouns and
    numbers left out, the most frequent first."""
    counts: dict[str, int] = {}
    run: list[Token] = []
    for token in [*tokens, Token("", (), "", "")]:
        head = token.pos[:1] == ("名詞",) and not _NOT_KEYWORDS & set(token.pos[1:])
        if head or (run and token.pos[:2] == ("名詞", "接尾")):
            run.append(token)
            continue
        # Alone, an adjectival or adverbial noun (好き, 今日) is no topic; in a run it is.
        if len(run) > 1 or (run and not _ALONE_NOT_KEYWORDS & set(run[0].pos[1:])):
            word = "".join(t.surface for t in run)
            counts[word] = counts.get(word, 0) + 1
        run = []
    ranked = sorted(counts, key=lambda w: -counts[w])[:limit]  # stable: first seen first
    lines = [f"・{w}" + (f" ×{counts[w]}" if counts[w] > 1 else "") for w in ranked]
    none = "（名詞が見つかりませんでした / none found）"
    return pages("🔑 キーワード / Keywords", lines or [none])


def heavy_needs_text(word: str, example: str) -> Reply:
    return Reply(
        f"「{word} {example}」のように、{word}の後に文を付けてください。\n"
        f'Put a sentence after {word}, e.g. "{word} {example}".',
        (Button(f"{word}してみる"[:20], text=f"{word} {example}"),),
    )


def heavy_busy(limit: int) -> Reply:
    return Reply(
        f"いま{limit}件を処理中です。終わってからもう一度送ってください 🙏\n"
        f"I'm still working on your last {limit} requests; send it again in a moment."
    )


def not_admin() -> Reply:
    return Reply(
        "配信は管理者だけが使えます。\nOnly the bot's operators can broadcast.", _SUGGESTIONS
    )


def broadcast_confirm(recipients: int, code: str) -> Reply:
    return Reply(
        f"{recipients}人に配信します（今月の送信数を{recipients}通使います）。"
        f"よろしければ「配信 確定 {code}」と送ってください（10分有効）。\n"
        f"This reaches {recipients} followers and costs {recipients} messages of the quota;"
        f' send "broadcast confirm {code}" to go ahead.',
        (Button("配信する / Send", text=f"配信 確定 {code}"),),
    )


def broadcast_unknown() -> Reply:
    return Reply("その配信は見つかりません（10分で期限切れ）。\nNo such broadcast (or it expired).")


def broadcast_started(recipients: int) -> Reply:
    return Reply(f"配信を始めました（{recipients}人）。\nBroadcast started ({recipients}).")
