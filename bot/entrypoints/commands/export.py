"""`python -m bot export [--out FILE]` and `python -m bot import [FILE]`: pending reminders
as JSON lines (bot/adapters/redis/export.py), so a plan change or a Redis migration loses none.

    heroku run python -m bot export > reminders.jsonl            # from the old Redis
    heroku run python -m bot import < reminders.jsonl            # into the new one

Import is idempotent (a reminder the chat already holds is kept): run it twice, nothing
changes. Needs only REDIS_URL. The report goes to stderr, the data to stdout / from stdin.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from bot.adapters.redis.export import export_to, import_lines
from bot.entrypoints.commands.ops import command_of, redis_or_exit

HELP = "pending reminders as JSON lines: export them, or import them (idempotent)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    if command_of(parser) == "import":
        parser.add_argument(
            "file", nargs="?", type=Path, default=None, help="an export (default: stdin)"
        )
    else:
        parser.add_argument("--out", type=Path, default=None, help="write there (default: stdout)")


def run(args: argparse.Namespace) -> int:
    client = redis_or_exit()
    if args.command == "import":
        if args.file is None:
            report = import_lines(client, sys.stdin)
        else:
            with args.file.open(encoding="utf-8") as lines:
                report = import_lines(client, lines)
        for line in report.refused:
            print(f"import: refused {line}", file=sys.stderr)
        print(
            f"import: added {report.added}, kept {report.kept} already there, "
            f"{report.settings} chat settings, refused {len(report.refused)}",
            file=sys.stderr,
        )
        return 1 if report.refused else 0
    now = int(time.time() * 1000)
    if args.out is None:
        exported = export_to(client, sys.stdout, now)
        sys.stdout.flush()
    else:
        with args.out.open("w", encoding="utf-8") as out:
            exported = export_to(client, out, now)
    print(
        f"export: {exported.reminders} reminders of {exported.chats} chats, "
        f"{exported.settings} chat settings; left out: {exported.not_pending} not pending, "
        f"{exported.malformed} unreadable",
        file=sys.stderr,
    )
    return 0
