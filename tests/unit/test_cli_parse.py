"""`python -m bot parse` as an operator or a harness runs it: a subprocess, JSON lines out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def run_parse(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    # Only PATH and PYTHONPATH: the command must not need any LINE or Redis setting.
    clean = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bot", "parse", *args],
        capture_output=True, text=True, encoding="utf-8", env=clean, cwd=ROOT, timeout=30,
        check=False,
    )


def lines(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_one_json_line_per_text_with_the_next_moments() -> None:
    result = run_parse("--at", "2026-12-01T10:00:00", "--tz", "Asia/Tokyo",
                       "3分 カップ麺", "12月25日 18:00", "毎週月曜 9:00 ジムに行く", "ゴミ出し",
                       "2020年1月1日", "一覧")
    timer, once, recurring, unreadable, past, listing = lines(result)
    assert timer == {"text": "3分 カップ麺", "kind": "timer", "label": "カップ麺",
                     "next": ["2026-12-01T10:03:00+09:00"], "seconds": 180}
    assert once == {"text": "12月25日 18:00", "kind": "once", "label": "",
                    "next": ["2026-12-25T18:00:00+09:00"]}
    assert recurring == {
        "text": "毎週月曜 9:00 ジムに行く", "kind": "recurring", "label": "ジムに行く",
        "next": ["2026-12-07T09:00:00+09:00", "2026-12-14T09:00:00+09:00",
                 "2026-12-21T09:00:00+09:00"],
        "rule": "毎週 月曜 9:00",
    }
    assert unreadable == {"text": "ゴミ出し", "kind": "unreadable", "next": [],
                          "label": "ゴミ出し", "reason": "no_time"}
    assert past["kind"] == "out_of_range"
    assert past["reason"] == "past"
    assert past["next"] == []
    assert listing == {"text": "一覧", "kind": "list", "next": [], "label": ""}
    assert "ジムに行く" in result.stdout  # ensure_ascii=False


def test_at_without_offset_is_read_in_tz_and_output_keeps_the_zone() -> None:
    (first,) = lines(run_parse("--at", "2027-03-13T23:30", "--tz", "America/New_York", "3時間"))
    # Elapsed time across the spring-forward night: 23:30 EST + 3 h = 03:30 EDT.
    assert first["next"] == ["2027-03-14T03:30:00-04:00"]
    (daily,) = lines(run_parse("--at", "2027-03-13T12:00", "--tz", "America/New_York",
                               "毎日 2:30"))
    assert daily["next"] == ["2027-03-14T03:30:00-04:00", "2027-03-15T02:30:00-04:00",
                             "2027-03-16T02:30:00-04:00"]


def test_at_with_an_offset_is_converted_to_the_zone() -> None:
    (first,) = lines(run_parse("--at", "2026-12-01T01:00:00+00:00", "--tz", "Asia/Tokyo",
                               "明日"))
    assert first["next"] == ["2026-12-02T09:00:00+09:00"]


def test_sub_second_at_shows_in_timer_moments_only() -> None:
    timer, once = lines(run_parse("--at", "2026-12-01T10:00:00.250", "180", "明日"))
    assert timer["next"] == ["2026-12-01T10:03:00.250000+09:00"]
    assert once["next"] == ["2026-12-02T09:00:00+09:00"]


def test_tz_defaults_to_bot_timezone_then_tokyo() -> None:
    (from_env,) = lines(run_parse("--at", "2026-12-01T10:00", "明日",
                                  env={"BOT_TIMEZONE": "Europe/London"}))
    assert from_env["next"] == ["2026-12-02T09:00:00+00:00"]
    (default,) = lines(run_parse("--at", "2026-12-01T10:00", "明日"))
    assert default["next"] == ["2026-12-02T09:00:00+09:00"]


def test_at_defaults_to_now() -> None:
    (first,) = lines(run_parse("--tz", "UTC", "1時間"))
    due = datetime.fromisoformat(first["next"][0])
    assert abs((due - datetime.now(due.tzinfo)).total_seconds() - 3600) < 60


def test_bad_tz_or_at_is_one_line_on_stderr_and_exit_2() -> None:
    for args in (("--tz", "Mars/Base", "明日"), ("--at", "yesterday-ish", "明日")):
        result = run_parse(*args)
        assert result.returncode == 2
        assert result.stdout == ""
        assert len(result.stderr.strip().splitlines()) == 1
