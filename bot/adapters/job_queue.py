"""Enqueuing heavy work for the RQ worker. The one place that knows queue names and TTLs."""

from __future__ import annotations

from enum import StrEnum

import redis
from rq import Queue, Retry


class QueueName(StrEnum):
    HIGH = "high"  # replies a user is waiting for (the reply token lasts a minute)
    DEFAULT = "default"
    LOW = "low"


ALL_QUEUES = [q.value for q in QueueName]
RESULT_TTL_S = 60  # jobs return nothing worth keeping
FAILURE_TTL_S = 7 * 24 * 3600
JOB_TIMEOUT_S = 30


class JobQueue:
    def __init__(self, client: redis.Redis) -> None:
        self._high = Queue(QueueName.HIGH.value, connection=client)

    def enqueue_analysis(
        self, *, chat_id: str, reply_token: str, text: str, received_ms: int
    ) -> str:
        job = self._high.enqueue(
            "bot.entrypoints.jobs.analyze",
            kwargs={
                "chat_id": chat_id,
                "reply_token": reply_token,
                "text": text,
                "received_ms": received_ms,
            },
            # The description is logged by RQ at INFO: keep message text and tokens out of it.
            description="analyze",
            result_ttl=RESULT_TTL_S,
            failure_ttl=FAILURE_TTL_S,
            ttl=120,
            job_timeout=JOB_TIMEOUT_S,
            retry=Retry(max=1),
        )
        return str(job.id)
