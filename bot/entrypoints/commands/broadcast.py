"""`python -m bot broadcast [--yes] [--no-wait] TEXT`: an operator's message to every follower.

Shows how many followers it reaches (each costs one message of the channel's monthly quota),
asks for confirmation (`--yes` skips it), starts the broadcast (a resumable job on the RQ
worker: a deploy in the middle neither loses nor repeats anyone) and shows its progress until
it is done. Needs the bot's settings (REDIS_URL at least) and a running rq_worker.
"""

from __future__ import annotations

import argparse
import sys

from bot.adapters.job_queue import JobQueue
from bot.adapters.redis.iterations import IterationStore
from bot.bootstrap import load_settings_or_exit, operator_client
from bot.domain.parsing.commands import MAX_BROADCAST_CHARS
from bot.entrypoints.commands.jobs import follow
from bot.service.broadcast import Broadcasts

HELP = "send TEXT to every follower (costs one message of the monthly quota per follower)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("text", metavar="TEXT", help="the message (at most 5,000 characters)")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument("--no-wait", action="store_true", help="start it and return")


def run(args: argparse.Namespace) -> int:
    text = str(args.text).strip()
    if not text or len(text) > MAX_BROADCAST_CHARS:
        print(f"TEXT must be 1 to {MAX_BROADCAST_CHARS} characters", file=sys.stderr)
        return 2
    settings = load_settings_or_exit()
    client = operator_client(settings, max_connections=2)
    store = IterationStore(client)
    broadcasts = Broadcasts(store, JobQueue(client), batch_size=settings.broadcast_batch_size)
    draft = broadcasts.describe(text, by="cli")
    print(
        f"{draft.recipients} recipients: this costs {draft.recipients} messages "
        "of this month's quota."
    )
    if draft.recipients == 0:
        broadcasts.cancel(draft.iteration_id)
        print("nobody follows the bot: nothing sent")
        return 1
    if not args.yes and not _confirmed():
        broadcasts.cancel(draft.iteration_id)
        print("not sent")
        return 1
    broadcasts.start(draft.iteration_id)
    print(f"broadcast {draft.iteration_id} started")
    if args.no_wait:
        return 0
    status = follow(client, store, draft.iteration_id)
    return 0 if status == "done" else 1


def _confirmed() -> bool:
    try:
        answer = input("Send it? [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")
