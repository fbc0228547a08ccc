"""What every RQ job is given: the clients its worker built once, at start, through the
composition root (bot.bootstrap.build_job_context) — as arq hands each job the `ctx` its
worker made. RQ calls job functions by name with their arguments only, so the worker
installs the context for its process before it takes a job, and the job functions read it.

A job run outside a worker (a test) installs one built by bootstrap the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import redis

from bot.adapters.line.replies import ReplySender
from bot.adapters.line.sdk_calls import SdkMulticaster, SdkPusher
from bot.settings import Settings


@dataclass(frozen=True)
class JobContext:
    settings: Settings
    pusher: SdkPusher  # pushes (a heavy reply whose token is too old)
    replier: ReplySender  # replies: heavy ones, and those a stopping web process handed over
    multicaster: SdkMulticaster  # a broadcast's steps
    # Redis for a job run outside RQ (inside RQ a job uses its worker's connection).
    redis: Callable[[], redis.Redis]


# This process's context: one slot, set by its worker at start (or on first use).
_installed: list[JobContext] = []


def install(context: JobContext) -> None:
    _installed[:] = [context]


def current() -> JobContext:
    if not _installed:
        raise RuntimeError("no job context: the rq_worker installs one at start (bootstrap)")
    return _installed[0]
