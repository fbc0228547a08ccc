"""The RQ worker process: `RQ_WORKERS` workers forked from one warm parent, each running up
to `RQ_THREADS` jobs at once (bot/jobs/workers.py: ThreadedWorker).

Why this model (measured by bench/jobs.py, figures in docs/performance.md): RQ's Worker forks
a work horse per job and runs one job at a time, so heavy replies drained at ~11/s. Sixteen
single-job SimpleWorkers drain fast enough but cost ~15 MB PSS and a Redis connection or two
each, and every one of them spends most of a job waiting on LINE. Here the parent loads
janome's dictionary (mmapped), the job modules and one rendering of each answer, freezes its
heap for the garbage collector, and forks one worker per CPU; their job threads share that
memory copy-on-write and wait on LINE together: the same throughput at under half the memory.

The parent also does what a work horse's parent does for RQ's default Worker, once for all:
- every `SUPERVISE_S` it renews the started-registry entry of each job its children run, for
  `EXECUTION_LEASE_S`; a SimpleWorker's own entry would last the job's timeout + 60 s;
- every `SUPERVISE_S` (one parent at a time, under a 1 s lock) it runs RQ's own abandoned-job
  cleanup of the started registries. So the job of a SIGKILLed worker — this dyno's or
  another's — is retried (RQ's Retry) within EXECUTION_LEASE_S + SUPERVISE_S (≤ 6 s) of the
  kill whenever any rq_worker runs, instead of RQ's 10-minute maintenance.
- a child that dies is replaced; a child dies with its parent (PR_SET_PDEATHSIG: SIGTERM).
SIGTERM (the platform's, to every process, maybe twice): the parent passes it on once; each
child finishes its jobs in flight (heavy replies take milliseconds; a broadcast stops at its
next step and hands itself back, iteration.py) and exits. Repeated signals change nothing.
Children still running after SHUTDOWN_GRACE_S are killed; their jobs come back as above.
Redis: `JOB_CONNECTIONS` + 1 per child (no pub/sub thread: RQ's remote commands are not
used) and one for the parent — 9 with the defaults.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import importlib
import logging
import os
import signal
import socket
import time
import uuid
from types import FrameType

import redis
from rq.executions import Execution
from rq.registry import StartedJobRegistry
from rq.worker import HerokuWorker, SimpleWorker
from rq.worker_pool import WorkerPool

from bot.adapters import morphology
from bot.adapters.job_queue import ALL_QUEUES
from bot.adapters.redis import connection, keys
from bot.adapters.redis.recovery import drop_idle, lost_link
from bot.bootstrap import build_job_context, configure_logging, load_settings_or_exit, rq_redis
from bot.jobs import context
from bot.jobs.workers import EXECUTION_LEASE_S, ThreadedWorker, preload
from bot.settings import Settings

log = logging.getLogger(__name__)

SUPERVISE_S = 1.0
JOB_CONNECTIONS = connection.RQ_JOB_THREADS  # per worker process, shared by its job threads
WORKER_KEY_TTL_S = 60
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _run_child(settings: Settings, name: str) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    _die_with_parent()
    status = 0
    try:
        threads = settings.rq_threads
        # A job thread holds a connection only for each command (most of a heavy reply is
        # spent waiting on LINE), so a few are shared by all; one more for the blocking dequeue.
        client = rq_redis(settings, max_connections=JOB_CONNECTIONS + 1)
        worker = ThreadedWorker(ALL_QUEUES, connection=client, name=name, threads=threads)
        worker.work(with_scheduler=False, logging_level=settings.log_level)
    except BaseException as exc:
        log.error("worker %s exited error=%s", name, type(exc).__name__)
        status = 1
    finally:
        os._exit(status)  # never return into the parent's loop


class Supervisor:
    def __init__(self, settings: Settings, client: redis.Redis) -> None:
        self.settings = settings
        self.redis = client
        self.children: dict[int, str] = {}  # pid → worker name
        self.stopping_since: float | None = None
        self.prefix = f"{socket.gethostname()}.{os.getpid()}"

    def spawn(self) -> None:
        name = f"{self.prefix}.{uuid.uuid4().hex[:8]}"
        pid = os.fork()
        if pid == 0:
            _run_child(self.settings, name)
        self.children[pid] = name

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self.stopping_since is not None:
            return
        self.stopping_since = time.monotonic()
        log.info("rq_worker stopping: workers=%d", len(self.children))
        for pid in self.children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.on_signal)
        signal.signal(signal.SIGINT, self.on_signal)
        # What the parent loaded is shared with the workers page by page until written to:
        # frozen, the garbage collector never walks (and so never copies) those pages.
        gc.collect()
        gc.freeze()
        for _ in range(self.settings.rq_workers):
            self.spawn()
        log.info("rq_worker started workers=%d", len(self.children))
        next_tick = 0.0
        while self.children:
            self.reap()
            if self.stopping_since is None and len(self.children) < self.settings.rq_workers:
                self.spawn()
            if time.monotonic() >= next_tick:
                next_tick = time.monotonic() + SUPERVISE_S
                self.tick()
            if self.stopping_since is not None and self.overdue():
                break
            time.sleep(0.05)  # waitpid has no timeout; the children's exits are polled
        return 0

    def overdue(self) -> bool:
        assert self.stopping_since is not None
        if time.monotonic() - self.stopping_since < self.settings.shutdown_grace_s:
            return False
        for pid in self.children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)  # their jobs are recovered as abandoned ones
        log.warning("rq_worker killed workers=%d after the grace period", len(self.children))
        return True

    def reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                self.children.clear()
                return
            if pid == 0:
                return
            name = self.children.pop(pid, "?")
            if self.stopping_since is None:
                log.warning("worker %s died status=%d; replacing it", name, status)

    def tick(self) -> None:
        try:
            self.renew_leases()
            self.recover_abandoned()
        except (redis.RedisError, OSError) as exc:
            log.warning("rq_worker supervision skipped error=%s", type(exc).__name__)
            if lost_link(exc):  # the next tick opens a fresh connection, not a dead one
                with contextlib.suppress(Exception):
                    drop_idle(self.redis)

    def renew_leases(self) -> None:
        registries = [StartedJobRegistry(q, connection=self.redis) for q in ALL_QUEUES]
        names = list(self.children.values())
        with self.redis.pipeline() as pipe:
            for name in names:
                pipe.smembers(f"rq:worker:{name}:executions")
            running = pipe.execute()
        with self.redis.pipeline() as pipe:
            for name, members in zip(names, running, strict=True):
                pipe.expire(f"rq:worker:{name}", WORKER_KEY_TTL_S)
                pipe.expire(f"rq:worker:{name}:executions", WORKER_KEY_TTL_S)
                for member in members:
                    execution = Execution.from_composite_key(member.decode(), self.redis)
                    execution.worker_name = name
                    pipe.expire(execution.key, EXECUTION_LEASE_S)
                    for registry in registries:
                        registry.add_execution(execution, pipe, ttl=EXECUTION_LEASE_S, xx=True)
            pipe.execute()

    def recover_abandoned(self) -> None:
        # One parent a second is enough; two could both retry the same abandoned job.
        if not self.redis.set(keys.REAPER_LOCK, self.prefix, nx=True, px=900):
            return
        for queue in ALL_QUEUES:
            StartedJobRegistry(queue, connection=self.redis).cleanup()


def main() -> int:
    settings = load_settings_or_exit()
    configure_logging(settings.log_level)
    # Loaded in the parent so every forked worker shares them instead of rebuilding them:
    # janome's dictionary, and the jobs module with the LINE SDK (1.7 s to import).
    list(morphology.tokenizer().tokenize("準備"))
    context.install(build_job_context(settings))  # every job's clients, built once, shared
    importlib.import_module("bot.entrypoints.jobs").warm_up()
    preload()
    # bench/jobs.py compares the models it chose between: "fork" is RQ's HerokuWorker (a work
    # horse forked per job, the previous release), "pool" RQ's WorkerPool of SimpleWorkers.
    model = settings.rq_worker_model
    if model == "fork":
        HerokuWorker(ALL_QUEUES, connection=rq_redis(settings)).work(
            with_scheduler=False, logging_level=settings.log_level
        )
        return 0
    if model == "pool":
        pool = WorkerPool(
            ALL_QUEUES,
            connection=rq_redis(settings, max_connections=4),
            num_workers=settings.rq_workers,
            worker_class=SimpleWorker,
        )
        pool.start(logging_level=settings.log_level)
        return 0
    parent = rq_redis(settings, max_connections=connection.RQ_PARENT)
    return Supervisor(settings, parent).run()
