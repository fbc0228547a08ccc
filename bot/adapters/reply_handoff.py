"""Replies a stopping web process could not send in time, handed to the RQ worker.

A web worker gets SIGTERM on every deploy and daily restart; a reply still queued then (LINE
slow or hanging) would die with the process. Its token may still have most of its minute, so
it becomes a job on the `high` queue, dropped by RQ itself (`ttl`) once the token is too old.
"""

from __future__ import annotations

import logging
import time

import redis
from rq import Queue, Retry

from bot.adapters.job_queue import QueueName
from bot.adapters.line.outcomes import ReplyOutcome
from bot.adapters.line.replies import TOKEN_VALID_S, HandOff, QueuedReply
from bot.domain.texts import Reply

log = logging.getLogger(__name__)


def send_reply(*, reply_token: str, replies: list[Reply]) -> None:
    """The RQ job: one more reply attempt; a retryable failure fails the job (RQ retries).
    Its reply client is the one the worker built at start (bot/jobs/context.py)."""
    from bot.jobs import context  # the RQ side only: the web process never runs this

    if context.current().replier.send_reply(reply_token, replies) is ReplyOutcome.RETRY:
        raise RuntimeError("reply not sent (LINE unavailable)")


def rq_handoff(client: redis.Redis) -> HandOff:
    queue = Queue(QueueName.HIGH.value, connection=client)

    def hand_off(left: list[QueuedReply]) -> int:
        taken = 0
        for item in left:
            remaining = int(TOKEN_VALID_S - (time.monotonic() - item.accepted_at))
            if remaining < 1:
                continue
            queue.enqueue(
                f"{__name__}.send_reply",
                kwargs={"reply_token": item.reply_token, "replies": list(item.replies)},
                description="reply",  # RQ logs it at INFO: no text, no token
                ttl=remaining,
                result_ttl=60,
                failure_ttl=3600,
                job_timeout=15,
                retry=Retry(max=2),  # no interval: that would need RQ's scheduler
            )
            taken += 1
        log.info("replies handed to the RQ worker count=%d", taken)
        return taken

    return hand_off
