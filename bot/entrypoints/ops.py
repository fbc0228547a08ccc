"""`python -m bot.entrypoints.ops {status,dead-letters,requeue-dead}`: the previous release's
operator commands, kept as an alias. The commands live in `python -m bot` now
(bot/entrypoints/commands/ops.py, bot/entrypoints/commands/status.py); `status` here prints
the plain counts it always did.
"""

from __future__ import annotations

import argparse
import sys

from bot.adapters.redis.reminder_store import ReminderStore
from bot.entrypoints.commands import ops as cli_ops


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ops", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("status", help="pending, leased and dead-lettered counts")
    dead = sub.add_parser("dead-letters", help="list reminders LINE refused for good")
    dead.add_argument("--limit", type=int, default=50)
    sub.add_parser("requeue-dead", help="send every dead-lettered reminder again now")
    args = parser.parse_args(argv)
    if args.command == "status":
        store = ReminderStore(cli_ops.redis_or_exit())
        for name, count in store.counts().items():
            print(f"{name}: {count}")
        return 0
    return cli_ops.run(args)


if __name__ == "__main__":
    sys.exit(main())
