"""RQ worker classes: a SimpleWorker that behaves on the platform's signals, and one that runs
a few jobs at once in threads (a heavy reply spends most of its time waiting on LINE).

- `BotWorker` (SimpleWorker: jobs run in-process, no fork per job). Its running job's entry
  in RQ's started registry lasts `EXECUTION_LEASE_S` and is renewed by the rq_worker parent,
  so a SIGKILLed worker's job is recovered in seconds. A stop request (SIGTERM, any number
  of times) only sets flags — it runs inside whatever the job was doing, so no Redis call
  and no StopRequested raised between a dequeue and the job's start — and tells long jobs to
  stop at their next safe point (bot/service/iteration.py). The dequeue waits in rounds of
  `DEQUEUE_WAKE_S`, so an idle worker notices the request within a second.
- `ThreadedWorker`: the same, with up to `threads` jobs in flight, each on a thread of its
  own (RQ's job context is thread-local; the job timeout is RQ's TimerDeathPenalty). A slot is
  taken before dequeuing, so the worker never holds a job it cannot start; on stop it lets
  the jobs in flight finish before RQ's teardown. Redis: `threads` + 1 connections.

Round trips. RQ's loop makes ~14 Redis round trips per job on the one thread that dequeues:
its worker heartbeat (HSET + 2 EXPIRE, unpipelined) before and after each dequeue and after
each job, a state write (idle) before each dequeue, the suspension check, the BLPOP, the
job's HGETALL and the execution's pipeline. On a busy host each round trip also waits for the
GIL held by the job threads (up to the 5 ms switch interval), so that one thread capped the
drain: a burst of 201 analyses waited ~400 ms in the queue at the median (bench/formation.py).
Here the standalone heartbeat is one pipelined write at most every `HEARTBEAT_EVERY_S` (the
rq_worker parent renews the worker's keys every second anyway), the suspension check (`rq
suspend`) runs at most every `HEARTBEAT_EVERY_S`, and the idle state is written only when no
job of this worker is in flight: 3 round trips per dequeue. The job threads are started with
the worker, not one by one by the first burst of jobs.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from types import FrameType
from typing import Any

import redis
from rq.exceptions import DequeueTimeout
from rq.executions import Execution
from rq.job import Job
from rq.queue import Queue
from rq.timeouts import TimerDeathPenalty
from rq.utils import now, utcformat, utcparse
from rq.worker import SimpleWorker, WorkerStatus

from bot.adapters.redis.recovery import Backoff, drop_idle
from bot.service import iteration

log = logging.getLogger(__name__)

EXECUTION_LEASE_S = 5
DEQUEUE_WAKE_S = 1
HEARTBEAT_EVERY_S = 1.0  # the worker key lives WORKER_KEY_TTL_S (60 s), renewed by the parent


def preload() -> None:
    """What RQ would otherwise build in each forked worker on its first dequeue, while the
    jobs behind it wait: `Job.restore` parses dates with datetime.strptime, whose first call
    imports _strptime and compiles its regexes (~30 ms of CPU; py-spy showed it on the
    dequeuing thread in bench/formation.py's burst). Call it in the parent, before forking."""
    utcparse(utcformat(now()))


class BotWorker(SimpleWorker):
    log_result_lifespan = False  # one INFO line less per job: results are kept RESULT_TTL_S

    def subscribe(self) -> None:
        """No pub/sub thread (RQ's remote stop/kill commands): it would cost a connection."""

    def unsubscribe(self) -> None:
        """Nothing subscribed."""

    _heartbeat_sent = 0.0  # monotonic: the last standalone heartbeat
    _suspension_checked = 0.0  # monotonic

    def check_for_suspension(self, burst: bool) -> None:
        if time.monotonic() - self._suspension_checked < HEARTBEAT_EVERY_S:
            return
        self._suspension_checked = time.monotonic()
        super().check_for_suspension(burst)

    def get_heartbeat_ttl(self, job: Any, working_time: float = 0.0) -> int:
        return EXECUTION_LEASE_S

    def heartbeat(self, timeout: int | None = None, pipeline: Any = None) -> None:
        if pipeline is not None:  # riding on a pipeline RQ sends anyway: free
            super().heartbeat(timeout, pipeline)
            return
        if time.monotonic() - self._heartbeat_sent < HEARTBEAT_EVERY_S:
            return
        self._heartbeat_sent = time.monotonic()
        ttl = timeout or self.worker_ttl + 60
        self.last_heartbeat = now()
        with self.connection.pipeline(transaction=False) as pipe:
            pipe.hset(self.key, "last_heartbeat", utcformat(self.last_heartbeat))
            pipe.expire(self.key, ttl)
            pipe.expire(self.executions_key, ttl)
            pipe.execute()

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        iteration.request_shutdown()
        self._shutdown_requested_date = now()
        self._stop_requested = True
        self.log.info("Worker %s: stopping after the current job", self.name)

    def stopping(self) -> bool:
        # A method, not the attribute: the signal handler may set it between two reads.
        return bool(self._stop_requested)

    def request_force_stop(self, signum: int, frame: FrameType | None) -> None:
        # RQ would exit mid-job on a second signal; the platform sends several. The job stops
        # at its next safe point anyway, and the platform's SIGKILL is the last word.
        self.log.info("Worker %s: repeated stop signal ignored", self.name)

    def dequeue_job_and_maintain_ttl(
        self, timeout: int | None, max_idle_time: int | None = None
    ) -> tuple[Job, Queue] | None:
        if timeout is None:  # burst mode (tests): RQ's own non-blocking dequeue
            return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)
        backoff = Backoff()
        while not self._stop_requested:
            try:
                result = self._dequeue_round(DEQUEUE_WAKE_S)
            except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
                retry = backoff.failed()
                with contextlib.suppress(Exception):
                    drop_idle(self.connection)
                if retry.report:
                    log.warning(
                        "dequeue failed error=%s down_s=%.1f", type(exc).__name__, retry.down_s
                    )
                time.sleep(retry.delay_s)  # nothing to await: Redis does not say it is back
                continue
            backoff.succeeded()
            if result is not None and self.stopping():
                # Taken just as the stop came: back to the front of its queue, unstarted, for
                # a worker that stays (a handed-back broadcast must not bounce between us).
                job, queue = result
                queue.push_job_id(job.id, at_front=True)
                return None
            if result is not None:
                return result
        return None

    def _dequeue_round(self, timeout: int) -> tuple[Job, Queue] | None:
        """One round of RQ's own dequeue loop (rq 3.0 Worker.dequeue_job_and_maintain_ttl)
        without its connection-error handling: RQ waits 1 s doubling to 60 s and does not look
        at a stop request meanwhile, so after an 8 s outage a job could wait 8 s more and a
        SIGTERM outlast the platform's 30 s. Connection errors come out of here, to the
        caller's bot.adapters.redis.recovery policy."""
        self.set_state(WorkerStatus.IDLE)
        self.procline("Listening on " + ",".join(self.queue_names()))  # type: ignore[no-untyped-call]
        self.heartbeat()
        if self.should_run_maintenance_tasks:
            self.run_maintenance_tasks()  # type: ignore[no-untyped-call]
        try:
            result = self.queue_class.dequeue_any(
                self._ordered_queues,
                timeout,
                connection=self.connection,
                job_class=self.job_class,
                serializer=self.serializer,
                death_penalty_class=self.death_penalty_class,
            )
        except DequeueTimeout:
            return None
        if result is not None:
            job, queue = result
            self.reorder_queues(reference_queue=queue)
            job.redis_server_version = self.get_redis_server_version()  # type: ignore[no-untyped-call]
            self.log.info("Worker %s: %s: %s", self.name, queue.name, job.id)
        self.heartbeat()
        return result


class ThreadedWorker(BotWorker):
    death_penalty_class = TimerDeathPenalty  # SIGALRM reaches the main thread only

    def __init__(self, *args: Any, threads: int = 4, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._threads_n = threads
        self._slots = threading.BoundedSemaphore(threads)
        self._threads = ThreadPoolExecutor(threads, thread_name_prefix="job")
        # The pool starts a thread per submit until it has `threads`: do it now, not on the
        # dequeuing thread while the first burst of jobs waits (all wait once, so each is new).
        started = threading.Barrier(threads)
        for _ in range(threads):
            self._threads.submit(started.wait, 5.0)

    def set_state(self, state: str, pipeline: Any = None) -> None:
        # RQ writes "idle" before every dequeue; with other jobs of this worker running it is
        # not idle, and the write would be one more round trip per job on the dequeuing thread.
        if state == WorkerStatus.IDLE and pipeline is None and self._in_flight():
            return
        super().set_state(state, pipeline)

    def _in_flight(self) -> bool:
        # The slot this dequeue took is not a job yet: in flight means another one is taken.
        # (BoundedSemaphore has no public count; RQ may set a state before __init__ ends.)
        slots = getattr(self, "_slots", None)
        return slots is not None and slots._value < self._threads_n - 1

    def dequeue_job_and_maintain_ttl(
        self, timeout: int | None, max_idle_time: int | None = None
    ) -> tuple[Job, Queue] | None:
        while not self._stop_requested:
            if not self._slots.acquire(timeout=DEQUEUE_WAKE_S):
                continue
            result = super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)
            if result is not None:
                return result  # the slot goes with the job; its thread gives it back
            self._slots.release()
            if timeout is None:
                break  # burst mode: the queues are empty
        self._threads.shutdown(wait=True)  # the jobs in flight finish before RQ's teardown
        return None

    def execute_job(self, job: Job, queue: Queue) -> None:
        execution = self.prepare_execution(job)
        try:
            self._threads.submit(self._perform, job, queue, execution)
        except RuntimeError:  # shut down meanwhile: never started, RQ takes it back as abandoned
            self._slots.release()

    def _perform(self, job: Job, queue: Queue, execution: Execution) -> None:
        try:
            self.perform_job(job, queue, execution)
        except Exception as exc:  # perform_job records job failures itself
            log.error("job thread failed error=%s", type(exc).__name__)
        finally:
            self._slots.release()
