"""What the bot says for heavy replies (the RQ worker's 解析, 読み, キーワード) and broadcasts,
laid out for a phone and split to LINE's limits. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.texts import SUGGESTIONS, Button, Reply

__all__ = ["Button", "Reply", "Token"]


@dataclass(frozen=True, slots=True)
class Token:
    """One token of a morphological analysis (janome's, read by bot.adapters.morphology)."""

    surface: str
    pos: tuple[str, ...]  # the levels of the part of speech, e.g. ("名詞", "一般")
    base: str
    reading: str  # katakana; "" when the dictionary has none (ASCII, unknown words)


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
        "配信は管理者だけが使えます。\nOnly the bot's operators can broadcast.", SUGGESTIONS
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
