"""Operator commands: `python -m bot.entrypoints.ops {status,dead-letters,requeue-dead}`.

On the PaaS: `heroku run python -m bot.entrypoints.ops dead-letters`.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime

from bot.adapters.redis.connection import sync_client
from bot.adapters.redis.reminder_store import ReminderStore
from bot.bootstrap import load_settings_or_exit


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ops", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("status", help="pending, leased and dead-lettered timer counts")
    dead = sub.add_parser("dead-letters", help="list timers LINE refused for good")
    dead.add_argument("--limit", type=int, default=50)
    sub.add_parser("requeue-dead", help="send every dead-lettered timer again now")
    args = parser.parse_args(argv)

    settings = load_settings_or_exit()
    store = ReminderStore(sync_client(settings.redis_url))
    if args.command == "status":
        for name, count in store.counts().items():
            print(f"{name}: {count}")
    elif args.command == "dead-letters":
        letters = store.dead_letters(limit=args.limit)
        if not letters:
            print("no dead letters")
        for stored in letters:
            letter = stored.letter
            died = datetime.fromtimestamp(letter.died_at_ms / 1000, UTC)
            when = died.isoformat(timespec="seconds")
            print(
                f"{when}  reason={letter.reason}  status={letter.status}  "
                f"request_id={letter.request_id}  chat={letter.chat_id}"
            )
    else:
        count = store.requeue_dead(now_ms=int(time.time() * 1000))
        print(f"requeued {count} timers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
