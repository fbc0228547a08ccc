"""`python -m bot dead-letters [--limit N]` and `python -m bot requeue-dead`.

The reminders LINE refused for good (reason, status, LINE's request id), and sending them all
again now. Need only REDIS_URL. On the PaaS: `heroku run python -m bot dead-letters`.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime

import redis

from bot.adapters.redis.reminder_store import ReminderStore
from bot.bootstrap import operator_redis_or_exit

HELP = "dead letters: list them (dead-letters) or send them all again now (requeue-dead)"


def redis_or_exit() -> redis.Redis:
    """A client for REDIS_URL (or REDISTOGO_URL), or a one-line error and exit status 2."""
    return operator_redis_or_exit()


def command_of(parser: argparse.ArgumentParser) -> str:
    """The subcommand a parser was made for (`python -m bot dead-letters` → dead-letters)."""
    return parser.prog.split()[-1]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    if command_of(parser) == "dead-letters":
        parser.add_argument("--limit", type=int, default=50, help="at most this many (50)")


def dead_letters(store: ReminderStore, limit: int) -> list[str]:
    letters = store.dead_letters(limit=limit)
    if not letters:
        return ["no dead letters"]
    lines = []
    for stored in letters:
        letter = stored.letter
        died = datetime.fromtimestamp(letter.died_at_ms / 1000, UTC)
        lines.append(
            f"{died.isoformat(timespec='seconds')}  reason={letter.reason}  "
            f"status={letter.status}  request_id={letter.request_id}  chat={letter.chat_id}"
        )
    return lines


def requeue_dead(store: ReminderStore) -> str:
    count = store.requeue_dead(now_ms=int(time.time() * 1000))
    return f"requeued {count} timers"


def run(args: argparse.Namespace) -> int:
    store = ReminderStore(redis_or_exit())
    if args.command == "dead-letters":
        for line in dead_letters(store, args.limit):
            print(line)
    else:
        print(requeue_dead(store))
    return 0
