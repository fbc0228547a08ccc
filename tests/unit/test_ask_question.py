"""The stored question across releases, and the reading buttons' postback data read strictly."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain import ask_texts, postbacks
from bot.domain.reminders import Kind, Reminder
from bot.service.asking import Question

TOKYO = ZoneInfo("Asia/Tokyo")


def previous_release_decode(raw: str | None) -> tuple[str, str, str] | None:
    """Question.decode as the previous release has it (a copy: that release is what runs
    beside this one during a deploy's overlap)."""
    try:
        data = json.loads(raw or "")
        return (str(data["n"]), str(data["l"]), str(data.get("e", "")))
    except (ValueError, KeyError, TypeError):
        return None


def test_a_question_with_readings_reads_in_both_releases() -> None:
    reading = Reminder("", "", Kind.ONCE, 1_812_070_800_000, "会議").encode()
    question = Question("abcdefgh", "会議", "", (reading, reading))
    assert Question.decode(question.encode()) == question
    assert previous_release_decode(question.encode()) == ("abcdefgh", "会議", "")


def test_a_question_of_the_previous_release_reads_in_this_one() -> None:
    old = json.dumps({"n": "abcdefgh", "l": "ゴミ出し", "e": "AbCdEfGh"}, ensure_ascii=False)
    assert Question.decode(old) == Question("abcdefgh", "ゴミ出し", "AbCdEfGh", ())
    assert Question("abcdefgh", "x").encode() == json.dumps({"n": "abcdefgh", "l": "x", "e": ""})


@pytest.mark.parametrize("raw", ["", "[]", '"x"', '{"l": "x"}', "{", None])
def test_junk_is_no_question(raw: str | None) -> None:
    assert Question.decode(raw) is None


def test_junk_readings_are_no_readings() -> None:
    assert Question.decode('{"n": "abcdefgh", "l": "x", "r": 5}') == Question("abcdefgh", "x")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("ask:abcdefgh:0", postbacks.PickedReading("abcdefgh", 0)),
        ("ask:abcdefgh:10", postbacks.PickedReading("abcdefgh", 10)),
        ("ask:abcdefgh:11", None),  # never offered: 13 buttons hold at most 11 readings
        ("ask:abcdefgh:01", None),  # one reading, one data string
        ("ask:abcdefgh:-1", None),
        ("ask:abc:0", None),
        ("ask:abcdefgh:0:x", None),
        ("ask:abcdefgh:", None),
    ],
)
def test_reading_postbacks_are_read_strictly(
    data: str, expected: postbacks.PickedReading | None
) -> None:
    assert postbacks.read(data) == expected
    if expected is not None:
        assert postbacks.picked_reading("abcdefgh", expected.index) == data


def test_button_labels_fit_in_twenty_characters() -> None:
    now = datetime(2026, 12, 6, 10, 0, tzinfo=TOKYO)
    when = datetime(2026, 12, 14, 10, 0, tzinfo=TOKYO)
    once = Reminder("", "", Kind.ONCE, 0, "x")
    assert ask_texts.button_label(once, when, now) == "12/14(月) 10:00"
    long_timer = Reminder("", "", Kind.TIMER, 0, "x", str(23 * 3600 + 59 * 60 + 59))
    label = ask_texts.button_label(long_timer, when, now)
    assert len(label) <= ask_texts.LABEL_MAX
    assert label.startswith("23時間59分59秒後")
