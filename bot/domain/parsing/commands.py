"""The bot's own commands: 一覧, 取消 N, タイムゾーン, ヘルプ, 解析. Read before any time
expression, on the whole (NFKC-folded) message."""

from __future__ import annotations

import re
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.intents import (
    Abandon,
    Analyze,
    Broadcast,
    CalendarFeed,
    CancelReminder,
    Greeting,
    Intent,
    Keywords,
    ListReminders,
    NotifyToken,
    Reading,
    SetTimezone,
    ShowHelp,
    ShowTimezone,
    Unreadable,
)

MAX_ANALYZE_CHARS = 1000
_HELP_WORDS = frozenset({"help", "ヘルプ", "使い方", "つかいかた", "?", "menu", "メニュー"})
_LIST_WORDS = frozenset({"一覧", "list", "リスト", "いちらん"})
_ANALYZE_WORDS = ("解析", "analyze", "analyse")
_READING_WORDS = ("読み", "よみ", "reading", "yomi")
_KEYWORD_WORDS = ("キーワード", "keywords", "keyword")
_BROADCAST_WORDS = ("配信", "broadcast")
MAX_BROADCAST_CHARS = 5000  # one LINE text message
_CONFIRM = re.compile(r"(?:確定|confirm)\s+(?P<code>[0-9a-f]{8})", re.IGNORECASE)
_CANCEL_WORDS = r"取消|取り消し|取消し|キャンセル|cancel|削除|delete"
_ALL_WORDS = r"全部|すべて|全て|all"
_CANCEL = re.compile(
    rf"(?:{_CANCEL_WORDS})\s*(?:(?P<all>{_ALL_WORDS})|#?(?P<number>\d+)\s*番?)"
    rf"|(?:{_ALL_WORDS})\s*(?:を\s*)?(?:{_CANCEL_WORDS})",
    re.IGNORECASE,
)
_CANCEL_ALONE = re.compile(rf"(?:{_CANCEL_WORDS})", re.IGNORECASE)
_TIMEZONE = re.compile(
    r"(?:タイムゾーン|時間帯|timezone|time\s+zone|tz)(?:\s+(?P<zone>\S*))?", re.IGNORECASE
)
_REVOKE_WORDS = r"削除|取消|取り消し|解除|停止|revoke|delete|remove"
_CALENDAR = re.compile(
    rf"(?:カレンダー|calendar|ical|ics)(?:\s*(?P<revoke>{_REVOKE_WORDS}))?", re.IGNORECASE
)
_NOTIFY_TOKEN = re.compile(
    rf"(?:通知トークン|notify\s*token|トークン)(?:\s*(?:(?P<revoke>{_REVOKE_WORDS})"
    r"|(?P<list>一覧|list|リスト)))?",
    re.IGNORECASE,
)
_ABANDON_WORDS = frozenset({"キャンセル", "cancel", "やめる", "やめ", "中止", "いらない"})
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
        "また明日",
        "またあした",
        "じゃあまた明日",
        "ではまた明日",
        "また来週",
        "またね",
        "また後で",
        "お疲れ様です",
        "お疲れさまです",
        "おつかれさま",
        "お疲れ様でした",
        "see you tomorrow",
    }
)
_THANKS = ("ありがと", "thank", "thx", "サンキュー", "どうも")
# A list number longer than this is no list entry; answered as unreadable, not built.
_MAX_NUMBER_DIGITS = 6


def read_command(folded: str) -> Intent | None:
    """The command `folded` (whole, NFKC-folded, trimmed) names, or None for anything else."""
    lowered = folded.lower()
    if lowered in _HELP_WORDS:
        return ShowHelp()
    if lowered in _LIST_WORDS:
        return ListReminders()
    head, _, rest = folded.partition(" ")
    if head.lower() in _ANALYZE_WORDS:
        return Analyze(rest.strip()[:MAX_ANALYZE_CHARS])
    heavy = _read_heavy(head.lower(), rest.strip())
    if heavy is not None:
        return heavy
    cancel = _CANCEL.fullmatch(folded)
    if cancel is not None:
        number = cancel["number"]
        if number is None:
            return CancelReminder(None)
        if len(number) > _MAX_NUMBER_DIGITS or int(number) == 0:
            return Unreadable("no_such_number")
        return CancelReminder(int(number))
    plain = _plain(folded)
    if _CANCEL_ALONE.fullmatch(folded) or plain in _ABANDON_WORDS:
        # Bare キャンセル: drops an open question; else which reminder is not said, and
        # cancelling everything would be a guess.
        return Abandon()
    if plain in _GREETINGS:
        return Greeting(thanks=any(word in plain for word in _THANKS))
    calendar = _CALENDAR.fullmatch(folded)
    if calendar is not None:
        return CalendarFeed(revoke=calendar["revoke"] is not None)
    token = _NOTIFY_TOKEN.fullmatch(folded)
    if token is not None:
        action = "revoke" if token["revoke"] else "list" if token["list"] else "issue"
        return NotifyToken(action)
    timezone = _TIMEZONE.fullmatch(folded)
    if timezone is not None:
        return _read_zone(timezone["zone"] or "")
    return None


def _read_heavy(head: str, rest: str) -> Intent | None:
    """読み / キーワード / 配信 and their English names, followed by their text."""
    if head in _READING_WORDS:
        return Reading(rest[:MAX_ANALYZE_CHARS])
    if head in _KEYWORD_WORDS:
        return Keywords(rest[:MAX_ANALYZE_CHARS])
    if head in _BROADCAST_WORDS:
        confirm = _CONFIRM.fullmatch(rest)
        if confirm is not None:
            return Broadcast("", confirm=confirm["code"].lower())
        return Broadcast(rest[:MAX_BROADCAST_CHARS])
    return None


def _read_zone(name: str) -> Intent:
    if not name:
        return ShowTimezone()
    return SetTimezone(name) if _is_known_zone(name) else Unreadable("unknown_timezone")


def _plain(folded: str) -> str:
    return folded.lower().rstrip("!！。.~〜ー♪?？ 　")


@lru_cache(maxsize=512)
def _is_known_zone(name: str) -> bool:
    # zoneinfo caches the zones it found but not the misses (a file system look-up each time),
    # so both are remembered here: the domain's only reads are of the tz database.
    if not name or len(name) > 64:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True
