"""Reading chat messages into commands."""

from __future__ import annotations

import pytest

from bot.domain import commands
from bot.domain.commands import (
    Analyze,
    DurationOutOfRange,
    SetTimer,
    ShowHelp,
    Unreadable,
)

MAX = 7 * 24 * 3600


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("180", SetTimer(180)),
        ("３", SetTimer(3)),  # full-width digit
        ("１８０秒", SetTimer(180)),
        ("180秒", SetTimer(180)),
        ("  42  ", SetTimer(42)),
        ("10s", SetTimer(10)),
        ("10 sec", SetTimer(10)),
        ("10SEC", SetTimer(10)),
        ("5 seconds", SetTimer(5)),
        ("3分", SetTimer(180)),
        ("3分 カップ麺", SetTimer(180, "カップ麺")),
        ("３分　カップ麺", SetTimer(180, "カップ麺")),  # full-width space
        ("2 min tea", SetTimer(120, "tea")),
        ("1時間", SetTimer(3600)),
        ("+5", SetTimer(5)),
    ],
)
def test_durations(text: str, expected: SetTimer) -> None:
    assert commands.parse(text, max_seconds=MAX) == expected


@pytest.mark.parametrize(
    "text",
    ["0", "0秒", "-5", "－5", "99999999999999999999", str(MAX + 1), "169時間"],
)
def test_durations_out_of_range_store_nothing(text: str) -> None:
    assert commands.parse(text, max_seconds=MAX) == DurationOutOfRange(MAX)


def test_the_maximum_itself_is_allowed() -> None:
    assert commands.parse(str(MAX), max_seconds=MAX) == SetTimer(MAX)


@pytest.mark.parametrize("text", ["", "   ", "hello", "3.5", "abc 3", "秒", "1e3"])
def test_unreadable(text: str) -> None:
    assert commands.parse(text, max_seconds=MAX) == Unreadable()


@pytest.mark.parametrize("text", ["help", "HELP", "ヘルプ", "使い方", "？"])
def test_help(text: str) -> None:
    assert commands.parse(text, max_seconds=MAX) == ShowHelp()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("解析 すもももももももものうち", Analyze("すもももももももものうち")),
        ("解析　今日は晴れ", Analyze("今日は晴れ")),
        ("analyze 猫が好き", Analyze("猫が好き")),
        ("解析", Analyze("")),
    ],
)
def test_analyze(text: str, expected: Analyze) -> None:
    assert commands.parse(text, max_seconds=MAX) == expected


def test_analyze_text_is_capped() -> None:
    command = commands.parse("解析 " + "あ" * 5000, max_seconds=MAX)
    assert isinstance(command, Analyze)
    assert len(command.text) == commands.MAX_ANALYZE_CHARS
