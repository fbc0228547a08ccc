"""`python -m bot quota [--resume] [--json]`: the month's quota as the timer workers see it,
whether pushes are held and how many notifications wait.

`--resume`, after raising the plan: every timer worker asks LINE for the quota at once (not
at its next 10-minute re-check) and resumes pushes if LINE shows room; the held
notifications are then pushed, each once.
"""

from __future__ import annotations

import argparse
import json
import sys

from redis.exceptions import RedisError

from bot.adapters.redis.quota_report import quota_report
from bot.adapters.redis.quota_state import request_recheck
from bot.entrypoints.commands.ops import redis_or_exit

HELP = "the month's LINE quota, held pushes; --resume: re-check now (after raising the plan)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--resume", action="store_true", help="ask every timer worker to re-check LINE's quota now"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object, for scripts")


def run(args: argparse.Namespace) -> int:
    client = redis_or_exit()
    try:
        report = quota_report(client)
        heard = request_recheck(client) if args.resume else None
    except (RedisError, OSError) as exc:
        print(f"quota: Redis unavailable ({type(exc).__name__})", file=sys.stderr)
        return 1
    if heard is not None:
        report["resume_requested_of_workers"] = heard
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        used, limit = report["used"], report["limit"]
        print(f"quota: used {used} of {'no limit' if limit is None else limit}")
        print(f"pushes: {'HELD' if report['holding'] else 'flowing'}; held: {report['held']}")
        if report["notice"]:
            print(report["notice"])
        if heard is not None:
            print(f"resume: asked {heard} timer worker(s) to re-check LINE's quota now")
    if heard == 0:
        print("no timer worker is listening: it re-checks when it starts", file=sys.stderr)
    return 0
