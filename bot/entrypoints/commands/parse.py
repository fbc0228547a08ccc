"""`python -m bot parse [--at ISO-8601] [--tz ZONE] TEXT...`: how the bot reads messages.

One JSON object a line per TEXT: {"text", "kind", "next": [ISO-8601...], "label"} plus
"seconds" (timer), "rule" (recurring), "reason" (unreadable, out of range, ask) and, for an
ask, "unread" (the pieces that looked like time) and "readings" (the offered readings, each
an object of this same shape). Needs no LINE
or Redis settings. This is the one place of the parser's path that reads the clock.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.bootstrap import setting
from bot.domain.intent_json import describe
from bot.domain.parsing import read_message
from bot.domain.recurrence import localize

HELP = "show how the bot reads messages (one JSON line per text)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--at",
        help="the message's moment, ISO-8601 (default: now); without an offset it is read in --tz",
    )
    parser.add_argument("--tz", help="the chat's zone (default: $BOT_TIMEZONE or Asia/Tokyo)")
    parser.add_argument("texts", nargs="+", metavar="TEXT", help="a chat message")


def run(args: argparse.Namespace) -> int:
    try:
        zone = _zone(args.tz or str(setting("BOT_TIMEZONE")))
        at = _moment(args.at, zone)
    except ValueError as error:
        print(f"parse: {error}", file=sys.stderr)
        return 2
    sub_second = args.at is not None and at.microsecond != 0
    for text in args.texts:
        line = describe(text, read_message(text, now=at), at, sub_second=sub_second)
        print(json.dumps(line, ensure_ascii=False))
    return 0


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {name!r}") from None


def _moment(text: str | None, zone: tzinfo) -> datetime:
    if text is None:
        return datetime.now(zone)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--at is not an ISO-8601 date and time: {text!r}") from None
    if moment.tzinfo is None:
        return localize(moment, zone)
    return moment.astimezone(zone)
