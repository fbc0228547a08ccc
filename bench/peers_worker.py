"""Runs inside bench/.peers-venv (ja-timex, dateparser): reads cases, answers what each peer finds.

stdin: a JSON list of {"text", "now" (ISO-8601 with offset), "zone"}. stdout: a JSON list,
one object per case: {"ja_timex": ISO or null, "ja_timex_us": float, "dateparser": ISO or
null, "dateparser_us": float}. Each peer is read the way a reminder bot would use it: the first
datetime it finds relative to the reference (None when it finds none). One warm-up call per
peer first; then one timed call per message.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import dateparser.search
import pendulum
from ja_timex import TimexParser

_timex_parsers: dict[tuple[str, str], Any] = {}


def _plain(moment: Any, zone: str) -> str:
    """A stdlib ISO string (seconds) for a pendulum/pytz/stdlib aware datetime."""
    return datetime.fromtimestamp(moment.timestamp(), ZoneInfo(zone)).isoformat(timespec="seconds")


def ja_timex_first(text: str, now: datetime, zone: str) -> str | None:
    key = (now.isoformat(), zone)
    parser = _timex_parsers.get(key)
    if parser is None:
        reference = pendulum.datetime(
            now.year, now.month, now.day, now.hour, now.minute, now.second, tz=zone
        )
        parser = _timex_parsers[key] = TimexParser(reference=reference)
    for timex in parser.parse(text):
        moment = timex.to_datetime()
        if moment is not None:
            return _plain(moment, zone)
    return None


def dateparser_first(text: str, now: datetime, zone: str) -> str | None:
    settings = {
        "RELATIVE_BASE": now.replace(tzinfo=None),
        "PREFER_DATES_FROM": "future",
        "TIMEZONE": zone,
        "TO_TIMEZONE": zone,
        "RETURN_AS_TIMEZONE_AWARE": True,
    }
    found = dateparser.search.search_dates(text, languages=["ja", "en"], settings=settings)
    if not found:
        return None
    return _plain(found[0][1], zone)


def main() -> None:
    cases = json.load(sys.stdin)
    readers = {"ja_timex": ja_timex_first, "dateparser": dateparser_first}
    answers: list[dict[str, Any]] = [{} for _ in cases]
    for name, reader in readers.items():
        if cases:
            first = cases[0]
            reader(first["text"], datetime.fromisoformat(first["now"]), first["zone"])
        for case, answer in zip(cases, answers, strict=True):
            now = datetime.fromisoformat(case["now"])
            started = time.perf_counter()
            try:
                found = reader(case["text"], now, case["zone"])
            except Exception:  # a peer that raises finds nothing
                found = None
            answer[f"{name}_us"] = (time.perf_counter() - started) * 1e6
            answer[name] = found
    json.dump(answers, sys.stdout)


if __name__ == "__main__":
    main()
