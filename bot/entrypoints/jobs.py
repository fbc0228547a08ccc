"""RQ jobs: heavy replies (解析, 読み, キーワード) and iterations (broadcasts), run by the
rq_worker's SimpleWorkers (bot/entrypoints/rq_worker.py).

Reply first, push only when it must (a push costs the operator, a reply is free):
1. the job's reply-attempt marker says "sent" (a re-run of a job that replied) → done;
2. the token is younger than `REPLY_VALID_MS` (55 s of LINE's minute) → reply, tried again on
   5xx/timeouts while it stays that young. LINE refusing it (400 "Invalid reply token") means
   it expired early — unless an earlier run of this job already tried it: a token is single
   use, so the refusal is that earlier run's reply, and pushing would send it twice;
3. otherwise push, with a retry key derived from the job id (a repeat is a 409, delivered).
Transient push errors back off and then fail the job (RQ's Retry runs it again, same key);
a permanent refusal sends it straight to RQ's failed registry (no retries).
Jobs talk to Redis through the worker's own connection: no pool per job. Their LINE clients
come from the context the worker built at start (bot/jobs/context.py), never from here.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

import redis
from rq.job import Job, get_current_job

from bot.adapters import morphology
from bot.adapters.job_queue import JobQueue
from bot.adapters.line.outcomes import ReplyOutcome
from bot.adapters.line.replies import ReplySender
from bot.adapters.line.sdk_calls import SdkPusher
from bot.adapters.redis.heavy_slots import HeavySlots, ReplyAttempts
from bot.adapters.redis.iterations import IterationStore
from bot.domain import heavy_texts
from bot.domain.delivery import PushOutcome
from bot.jobs import context
from bot.service import broadcast
from bot.service.iteration import Runner, StepFailedError, pause

log = logging.getLogger(__name__)

REPLY_TOKEN_LIFETIME_MS = 60_000
REPLY_VALID_MS = 55_000  # LINE: "within one minute after receiving the webhook"; a margin
RETRY_DELAYS_S = (0.2, 0.5, 1.0, 2.0, 4.0)
_PUSH_NAMESPACE = uuid.UUID("2d7b3c38-1f0a-4d0e-8f7e-7b0f6d2c9a51")
RENDER: dict[str, Callable[[list[heavy_texts.Token]], list[heavy_texts.Reply]]] = {
    "analyze": heavy_texts.analysis,
    "reading": heavy_texts.reading,
    "keywords": heavy_texts.keywords,
}


class PermanentLineError(RuntimeError):
    """LINE refused for good (4xx, monthly limit): retrying would change nothing."""


def _connection(job: Job | None) -> redis.Redis:
    if job is not None:
        return job.connection
    return context.current().redis()


def push_retry_key(job_id: str) -> str:
    return str(uuid.uuid5(_PUSH_NAMESPACE, job_id))


def heavy(*, command: str, chat_id: str, reply_token: str, text: str, received_ms: int) -> str:
    """A heavy reply; returns how it was answered ("reply", "push", "replied_before")."""
    job = get_current_job()
    job_id = job.id if job is not None else uuid.uuid4().hex
    client = _connection(job)
    replies = RENDER.get(command, heavy_texts.analysis)(morphology.tokens(text))
    try:
        outcome = answer(
            client, job_id, chat_id=chat_id, reply_token=reply_token, replies=replies,
            received_ms=received_ms,
        )  # fmt: skip
    except PermanentLineError:
        if job is not None:
            job.retries_left = 0  # straight to the failed registry: a retry would be refused too
        HeavySlots(client, limit=1).release(chat_id, job_id)
        raise
    HeavySlots(client, limit=1).release(chat_id, job_id)
    log.info("heavy reply command=%s outcome=%s", command, outcome)
    return outcome


def answer(
    client: redis.Redis,
    job_id: str,
    *,
    chat_id: str,
    reply_token: str,
    replies: list[heavy_texts.Reply],
    received_ms: int,
) -> str:
    attempts = ReplyAttempts(client)
    if _age_ms(received_ms) < REPLY_VALID_MS:
        before = attempts.begin(job_id)
        if before == "sent":
            return "replied_before"
        outcome = _reply_while_valid(context.current().replier, reply_token, replies, received_ms)
        if outcome is ReplyOutcome.SENT:
            attempts.mark_sent(job_id)
            return "reply"
        if outcome is ReplyOutcome.REFUSED and before is not None:
            return "replied_before"  # refused because an earlier run of this job used it
    elif attempts.previous(job_id) == "sent":
        return "replied_before"  # a run that replied, then failed before it finished
    return _push(context.current().pusher, chat_id, replies, push_retry_key(job_id))


def _age_ms(received_ms: int) -> float:
    return time.time() * 1000 - received_ms


def _reply_while_valid(
    line: ReplySender, token: str, replies: list[heavy_texts.Reply], received_ms: int
) -> ReplyOutcome:
    outcome = line.send_reply(token, replies)
    for delay in RETRY_DELAYS_S:
        if (
            outcome is not ReplyOutcome.RETRY
            or _age_ms(received_ms) + delay * 1000 > REPLY_VALID_MS
        ):
            break
        if pause(delay):  # SIGTERM: fail now, RQ's Retry hands the job to the next worker
            raise RuntimeError("reply interrupted by shutdown")
        # The token is single use: a repeat of a delivered reply is refused, never shown twice.
        outcome = line.send_reply(token, replies)
    return outcome


def _push(line: SdkPusher, chat_id: str, replies: list[heavy_texts.Reply], retry_key: str) -> str:
    result = line.push(chat_id, replies, retry_key=retry_key)
    for delay in RETRY_DELAYS_S:
        if result.outcome not in (PushOutcome.RETRY, PushOutcome.RATE_LIMITED):
            break
        if pause(max(delay, result.retry_after_s or 0.0)):
            raise RuntimeError("push interrupted by shutdown")
        result = line.push(chat_id, replies, retry_key=retry_key)
    if result.done:
        return "push"
    if result.outcome in (PushOutcome.REJECTED, PushOutcome.MONTHLY_LIMIT):
        raise PermanentLineError(f"push refused status={result.status}")
    # RQ's Retry runs the job again; the same retry key makes a repeat a 409.
    raise RuntimeError(f"push failed status={result.status}")


def analyze(*, chat_id: str, reply_token: str, text: str, received_ms: int) -> str:
    """解析 jobs enqueued by the previous release."""
    return heavy(
        command="analyze",
        chat_id=chat_id,
        reply_token=reply_token,
        text=text,
        received_ms=received_ms,
    )


def iterate(*, iteration_id: str) -> str:
    """One run of a long job, from its saved position (see bot/service/iteration.py)."""
    job = get_current_job()
    client = _connection(job)
    store = IterationStore(client)
    runner = Runner(
        store,
        {broadcast.KIND: broadcast.multicast_step(store, context.current().multicaster)},
        resume=JobQueue(client).enqueue_iteration,
        on_done=broadcast.finish(store),
    )
    try:
        return runner.run(iteration_id)
    except StepFailedError:
        if job is not None:
            job.retries_left = 0
        raise


def warm_up() -> None:
    """Build in the rq_worker's parent, before it forks, what every job uses: the LINE
    clients (no connection is opened, no thread started) and one request body of each answer,
    so the forked workers share those objects instead of each building its own."""
    from bot.adapters.line.message_json import reply_body

    context.current()
    tokens = morphology.tokens("準備運動で東京特許許可局")
    for render in RENDER.values():
        reply_body("0" * 32, tuple(render(tokens)))
