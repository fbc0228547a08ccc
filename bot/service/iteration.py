"""Resumable long jobs, after Sidekiq Iteration: a job walks a cursor one step at a time.

- The position lives in Redis (bot/adapters/redis/iterations.py), saved after every step
  by a compare-and-set, so a second runner of the same iteration can never move it twice.
- A step is given a retry key of its own (`step_retry_key`, a UUID derived from the iteration
  and the step's index): a step cut short and run again — after a SIGTERM, a SIGKILL, or a
  transient LINE error — sends with the same key, and LINE answers 409 to what it already
  accepted. So a resumed step never sends twice.
- Between steps (the safe points) the runner checks for shutdown. On SIGTERM the worker calls
  `request_shutdown()`; the runner stops before the next step, marks the iteration
  "interrupted" and enqueues it again (`resume`), and the job returns: the worker exits well
  inside the platform's 30 s. A run also hands itself back after `max_run_s`, so one
  broadcast never holds a worker for long and its RQ timeout stays meaningful.
- A step raising `StepFailed` (a permanent refusal) marks the iteration failed and re-raises,
  so the job lands in RQ's failed registry; anything else fails the job too, and RQ's Retry
  runs it again from the saved position.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from bot.domain.iterations import Iteration
from bot.service.ports import IterationBook

log = logging.getLogger(__name__)

_SHUTDOWN = threading.Event()
_KEY_NAMESPACE = uuid.UUID("0b7e5a52-6c1d-4a8e-9a43-52f7f3e6c9d1")
MAX_RUN_S = 300.0


def request_shutdown() -> None:
    """Called from the worker's SIGTERM handler: only sets a flag, steps check it."""
    _SHUTDOWN.set()


def shutdown_requested() -> bool:
    return _SHUTDOWN.is_set()


def pause(seconds: float) -> bool:
    """Wait between attempts of one step; True if shutdown was requested meanwhile."""
    return _SHUTDOWN.wait(seconds)


class StepFailedError(Exception):
    """A permanent failure: the iteration stops as failed (the message names no content)."""


class StepInterruptedError(Exception):
    """The step could not finish before shutdown; the resumed run does it again."""


# (state, step index, retry key) → how many items the step handled.
Step = Callable[[Iteration, int, str], int]
Resume = Callable[[str, str], object]  # (iteration id, kind): enqueue it again


def step_retry_key(iteration_id: str, index: int) -> str:
    return str(uuid.uuid5(_KEY_NAMESPACE, f"{iteration_id}:{index}"))


@dataclass
class Runner:
    store: IterationBook
    steps: Mapping[str, Step]
    resume: Resume
    should_stop: Callable[[], bool] = shutdown_requested
    max_run_s: float = MAX_RUN_S
    on_done: Mapping[str, Callable[[Iteration], None]] = field(default_factory=dict)

    def run(self, iteration_id: str) -> str:
        """Walk the iteration from its saved position; returns its status afterwards."""
        state = self.store.get(iteration_id)
        if state is None:
            log.warning("iteration missing id=%s", iteration_id)
            return "missing"
        if state.finished or state.status == "draft":
            return state.status
        step = self.steps[state.kind]
        self.store.set_status(iteration_id, "running", run=True)
        log.info("iteration run id=%s kind=%s from=%d/%d", state.id, state.kind, state.cursor,
                 state.total)  # fmt: skip
        started = time.monotonic()
        while state.cursor < state.total:
            if self.should_stop() or time.monotonic() - started > self.max_run_s:
                return self._hand_back(state)
            try:
                items = step(state, state.cursor, step_retry_key(state.id, state.cursor))
            except StepInterruptedError:
                return self._hand_back(state)
            except StepFailedError as exc:
                self.store.set_status(state.id, "failed", error=str(exc))
                log.error("iteration failed id=%s step=%d error=%s", state.id, state.cursor, exc)
                raise
            if not self.store.advance(state.id, state.cursor, items):
                log.info("iteration step taken by another run id=%s", state.id)
            fresh = self.store.get(state.id)
            if fresh is None:
                return "missing"
            state = fresh
        self.store.set_status(state.id, "done")
        if (finish := self.on_done.get(state.kind)) is not None:
            finish(state)
        log.info("iteration done id=%s kind=%s items=%d", state.id, state.kind, state.done)
        return "done"

    def _hand_back(self, state: Iteration) -> str:
        # Marked first: the next run sets "running" and must not be overwritten by this one.
        self.store.set_status(state.id, "interrupted")
        self.resume(state.id, state.kind)
        log.info("iteration handed back id=%s at=%d/%d", state.id, state.cursor, state.total)
        return "interrupted"
