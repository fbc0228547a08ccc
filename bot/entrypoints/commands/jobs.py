"""`python -m bot jobs [--all]`: the long jobs (broadcasts) running or interrupted, with their
progress; `--all` adds the finished ones (kept 7 days). Needs REDIS_URL."""

from __future__ import annotations

import argparse
import time

import redis

from bot.adapters.redis.iterations import ACTIVE, Iteration, IterationStore, progress_channel
from bot.bootstrap import load_settings_or_exit, operator_client

HELP = "list running and interrupted long jobs (broadcasts) with their progress"
# A running iteration saves its position after every step; silent longer than this, its
# worker is probably gone (it is recovered by any rq_worker within seconds).
STALE_S = 30


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--all", action="store_true", help="include finished ones")


def run(args: argparse.Namespace) -> int:
    settings = load_settings_or_exit()
    client = operator_client(settings, max_connections=1)
    shown = [
        state
        for state in IterationStore(client).recent(limit=200)
        if args.all or state.status in ACTIVE
    ]
    if not shown:
        print("no running or interrupted jobs")
        return 0
    print(f"{'id':32}  {'kind':9}  {'status':11}  {'steps':>11}  {'items':>15}  updated")
    for state in shown:
        print(describe(state))
    return 0


def describe(state: Iteration) -> str:
    ago = max(0.0, time.time() - state.updated_ms / 1000)
    status = state.status
    if status == "running" and ago > STALE_S:
        status = "running?"
    steps = f"{state.cursor}/{state.total}"
    items = f"{state.done}/{state.args.get('recipients', '?')}"
    extra = f"  error={state.error}" if state.error else ""
    return (
        f"{state.id:32}  {state.kind:9}  {status:11}  {steps:>11}  {items:>15}  "
        f"{ago:.0f}s ago{extra}"
    )


def follow(client: redis.Redis, store: IterationStore, iteration_id: str) -> str:
    """Show a progress bar until the iteration is done or failed; its last status."""
    pubsub = client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
    pubsub.subscribe(progress_channel(iteration_id))
    try:
        from rich.progress import Progress
    except ImportError:  # rich is a runtime dependency, but a bare install still works
        return _follow_plain(pubsub, store, iteration_id)
    with Progress() as bar:
        task = bar.add_task("broadcast", total=None)
        while True:
            state = store.get(iteration_id)
            if state is None:
                return "missing"
            total = int(state.args.get("recipients", 0))
            bar.update(task, total=total, completed=state.done, description=state.status)
            if state.finished:
                return state.status
            _wait(pubsub)


def _follow_plain(pubsub: redis.client.PubSub, store: IterationStore, iteration_id: str) -> str:
    while True:
        state = store.get(iteration_id)
        if state is None:
            return "missing"
        print(f"{state.status} {state.done}/{state.args.get('recipients', '?')}", flush=True)
        if state.finished:
            return state.status
        _wait(pubsub)


def _wait(pubsub: redis.client.PubSub) -> None:
    # A step's progress message wakes us; without one a second later the state is read
    # anyway (what the message says is read from the state itself, so none can be missed).
    pubsub.get_message(timeout=1.0)
