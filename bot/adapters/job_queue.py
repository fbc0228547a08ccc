"""Enqueuing heavy work for the RQ worker. The one place that knows queue names and TTLs.

- Heavy replies (解析 / 読み / キーワード) go to `high` (a flooding chat's extra ones to
  `default`, behind everyone else's) with a job id derived from the webhook
  event (a redelivered event names the same job) and `Retry(max=2)`: a transient LINE error
  that outlasts the job's own backoff, or a worker killed mid-job, runs it again (the push
  fallback's retry key comes from the job id, so a repeat push is a 409). A job waits at most
  `HEAVY_QUEUED_TTL_S` in the queue; results are kept `RESULT_TTL_S`, failures (permanent
  LINE refusals, retries exhausted) `FAILURE_TTL_S` in RQ's failed registry.
- Iterations (broadcasts) go to `low`: a long job must never delay a reply someone waits for.
  Each run is a new RQ job; the iteration's own state in Redis says where to resume.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

import redis
from rq import Queue, Retry

from bot.adapters.redis.heavy_slots import HeavySlots


class QueueName(StrEnum):
    HIGH = "high"  # replies a user is waiting for (the reply token lasts a minute)
    DEFAULT = "default"  # a chat's heavy jobs past its first few in flight (a flood)
    LOW = "low"  # long jobs (broadcasts): behind every reply


ALL_QUEUES = [q.value for q in QueueName]
RESULT_TTL_S = 60  # jobs return nothing worth keeping
FAILURE_TTL_S = 3 * 24 * 3600  # long enough to look at after a weekend, bounded for Redis
JOB_TIMEOUT_S = 30
# Past this a heavy reply is no use to anyone; LINE remembers a push's retry key 24 h.
HEAVY_QUEUED_TTL_S = 3600
HEAVY_RETRIES = 2
# A chat's heavy jobs in flight at all, past which it is told to wait. Its first
# HEAVY_JOBS_PER_CHAT go on `high`, the rest on `default`: a flood from one chat delays only
# itself. 200 is ~0.6 s of one rq_worker's drain; a burst of 200 at 20 concurrent from one
# chat peaks near 100 in flight on a busy 2-CPU host (bench/jobs.py), never turned away.
HEAVY_MAX_PER_CHAT = 200
# One run of an iteration hands itself back after ITERATION_RUN_S (iteration.py): its RQ
# timeout only catches a run stuck inside one step.
ITERATION_JOB_TIMEOUT_S = 900
# Each SIGKILL mid-run costs one retry (RQ's abandoned-job path); a SIGTERM costs none.
ITERATION_RETRIES = 10
_JOB_NAMESPACE = uuid.UUID("6f0f5c1e-8a0e-4c55-9a53-3f1d8e2a7b10")


def heavy_job_id(event_id: str) -> str:
    """The RQ job id of the heavy reply to one webhook event."""
    return "heavy-" + uuid.uuid5(_JOB_NAMESPACE, event_id or uuid.uuid4().hex).hex


class JobQueue:
    def __init__(
        self,
        client: redis.Redis,
        *,
        heavy_per_chat: int = 5,
        heavy_max_per_chat: int = HEAVY_MAX_PER_CHAT,
    ) -> None:
        self._redis = client
        self._high = Queue(QueueName.HIGH.value, connection=client)
        self._default = Queue(QueueName.DEFAULT.value, connection=client)
        self._low = Queue(QueueName.LOW.value, connection=client)
        self._per_chat = heavy_per_chat
        self.slots = HeavySlots(client, limit=heavy_max_per_chat)

    def enqueue_analysis(
        self, *, chat_id: str, reply_token: str, text: str, received_ms: int
    ) -> str:
        """A 解析 job without a per-chat slot (the previous interface)."""
        job_id = heavy_job_id("")
        self._enqueue_heavy(
            "analyze",
            job_id,
            chat_id=chat_id,
            token=reply_token,
            text=text,
            received_ms=received_ms,
        )
        return job_id

    @property
    def heavy_limit(self) -> int:
        """How many heavy jobs of one chat may be in flight at once."""
        return self.slots.limit

    def enqueue_heavy(
        self,
        command: str,
        *,
        chat_id: str,
        event_id: str,
        reply_token: str,
        text: str,
        received_ms: int,
    ) -> str | None:
        """Enqueue one heavy reply; None if the chat already has its hard bound in flight.
        A chat's first `heavy_per_chat` jobs in flight go on `high`; the rest on `default`,
        which workers take only when `high` is empty: one chat's flood waits behind everyone
        else's replies instead of in front of them."""
        job_id = heavy_job_id(event_id)
        place = self.slots.claim(chat_id, job_id)
        if not place:
            return None
        queue = self._high if place <= self._per_chat else self._default
        self._enqueue_heavy(
            command, job_id, chat_id=chat_id, token=reply_token, text=text,
            received_ms=received_ms, queue=queue,
        )  # fmt: skip
        return job_id

    def _enqueue_heavy(
        self,
        command: str,
        job_id: str,
        *,
        chat_id: str,
        token: str,
        text: str,
        received_ms: int,
        queue: Queue | None = None,
    ) -> None:
        # One round trip: RQ's enqueue without a pipeline sends the queue's registration
        # (SADD rq:queues) and the job (HSET, EXPIREs, RPUSH) as two transactions, and each
        # round trip of a webhook request waits for the GIL behind the others' work.
        with self._redis.pipeline() as pipe:
            (queue or self._high).enqueue(
                "bot.entrypoints.jobs.heavy",
                kwargs={
                    "command": command,
                    "chat_id": chat_id,
                    "reply_token": token,
                    "text": text,
                    "received_ms": received_ms,
                },
                job_id=job_id,
                # The description is logged by RQ at INFO: keep message text and tokens out of it.
                description=command,
                result_ttl=RESULT_TTL_S,
                failure_ttl=FAILURE_TTL_S,
                ttl=HEAVY_QUEUED_TTL_S,
                job_timeout=JOB_TIMEOUT_S,
                retry=Retry(max=HEAVY_RETRIES),
                pipeline=pipe,
            )
            pipe.execute()

    def enqueue_iteration(self, iteration_id: str, kind: str) -> str:
        job = self._low.enqueue(
            "bot.entrypoints.jobs.iterate",
            kwargs={"iteration_id": iteration_id},
            description=f"iteration {kind}",
            result_ttl=RESULT_TTL_S,
            failure_ttl=FAILURE_TTL_S,
            job_timeout=ITERATION_JOB_TIMEOUT_S,
            retry=Retry(max=ITERATION_RETRIES),
        )
        return str(job.id)
