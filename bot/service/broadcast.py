"""An operator's broadcast to every follower, as an iteration: one multicast (≤ 500 user
ids) a step, each with the step's own retry key.

Recipients are frozen when the broadcast is described (a copy of the followers set), so the
count the operator confirms is the count LINE bills, and a follow or unfollow during the run
shifts nobody's place: step N always means the same ≤ 500 people.
"""

from __future__ import annotations

import logging
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.domain.delivery import PushOutcome
from bot.domain.iterations import Iteration
from bot.domain.push import Message, PushResult, text_message
from bot.service.iteration import (
    Step,
    StepFailedError,
    StepInterruptedError,
    pause,
    shutdown_requested,
)
from bot.service.ports import IterationBook

log = logging.getLogger(__name__)

KIND = "broadcast"
# Backoff between attempts of one multicast (transient LINE errors); then the job fails and
# RQ's Retry runs it again from the same step, with the same retry key.
RETRY_DELAYS_S = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)


class Multicaster(Protocol):
    def multicast(
        self, to: list[str], messages: list[Message], *, retry_key: str
    ) -> PushResult: ...


class Enqueuer(Protocol):
    def enqueue_iteration(self, iteration_id: str, kind: str) -> str: ...


class TransientLineError(RuntimeError):
    """LINE kept failing (5xx, timeouts, 429): RQ's Retry takes over."""


@dataclass(frozen=True, slots=True)
class Draft:
    iteration_id: str
    code: str  # what an operator types in LINE to confirm (配信 確定 <code>)
    recipients: int


class Broadcasts:
    def __init__(self, store: IterationBook, queue: Enqueuer, *, batch_size: int) -> None:
        self._store = store
        self._queue = queue
        self._batch = batch_size

    def describe(self, text: str, *, by: str) -> Draft:
        """Freeze the recipients and wait for the go-ahead (nothing is sent yet)."""
        iteration_id = uuid.uuid4().hex
        count = self._store.freeze_followers(iteration_id)
        args = {"text": text, "batch": self._batch, "recipients": count, "by": by}
        steps = math.ceil(count / self._batch)
        self._store.save_new(iteration_id, KIND, steps, args, status="draft")
        code = iteration_id[:8]
        self._store.save_draft(code, iteration_id)
        return Draft(iteration_id, code, count)

    def start(self, iteration_id: str) -> bool:
        state = self._store.get(iteration_id)
        if state is None or state.status != "draft":
            return False
        self._store.set_status(iteration_id, "queued")
        self._queue.enqueue_iteration(iteration_id, KIND)
        log.info("broadcast queued id=%s recipients=%d", iteration_id, state.args["recipients"])
        return True

    def start_code(self, code: str) -> Iteration | None:
        """Start the broadcast a LINE operator was shown `code` for; None if unknown/expired."""
        iteration_id = self._store.take_draft(code)
        if iteration_id is None or not self.start(iteration_id):
            return None
        return self._store.get(iteration_id)

    def cancel(self, iteration_id: str) -> None:
        self._store.set_status(iteration_id, "failed", error="cancelled")
        self._store.drop_recipients(iteration_id)


def multicast_step(store: IterationBook, line: Multicaster) -> Step:
    """The step of a broadcast: the next ≤ batch recipients, one multicast, same retry key on
    every attempt of that step by any run."""

    def step(state: Iteration, index: int, retry_key: str) -> int:
        batch = int(state.args["batch"])
        to = store.recipients(state.id, index * batch, batch)
        if not to:
            return 0
        messages = [text_message(str(state.args["text"]))]
        for delay in (*RETRY_DELAYS_S, None):
            result = line.multicast(to, messages, retry_key=retry_key)
            if result.done:
                return len(to)
            if result.outcome in (PushOutcome.REJECTED, PushOutcome.MONTHLY_LIMIT):
                raise StepFailedError(f"multicast refused status={result.status}")
            if delay is None:
                break
            log.info("multicast retry step=%d status=%s", index, result.status)
            if shutdown_requested() or pause(max(delay, result.retry_after_s or 0.0)):
                raise StepInterruptedError
        raise TransientLineError(f"multicast kept failing status={result.status}")

    return step


def finish(store: IterationBook) -> dict[str, Callable[[Iteration], None]]:
    """What a finished broadcast leaves behind: nothing but its summary."""

    def done(state: Iteration) -> None:
        store.drop_recipients(state.id)

    return {KIND: done}
