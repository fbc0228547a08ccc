"""The iteration helper on a real redis-server, in-process: a cursor saved after every step,
shutdown at safe points handing the job back, each step's own retry key, failures, and the
broadcast step's retries; plus the web side of heavy commands and 配信 (the handlers)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import redis

from bot.adapters.job_queue import JobQueue
from bot.adapters.line.replies import ReplySender
from bot.adapters.redis.followers import Followers
from bot.adapters.redis.iterations import Iteration, IterationStore, progress_channel
from bot.adapters.redis.reminder_store import ReminderStore
from bot.domain.delivery import PushOutcome
from bot.domain.push import Message, PushResult
from bot.domain.texts import Reply
from bot.service import broadcast
from bot.service.broadcast import Broadcasts
from bot.service.heavy_commands import HeavyWork
from bot.service.iteration import (
    Runner,
    StepFailedError,
    StepInterruptedError,
    step_retry_key,
)
from bot.service.webhook_events import EventContext, handle_event
from bot.settings import Settings
from tests.integration.handler_support import USER, base_event, text

ADMIN = "U" + "a" * 32


@dataclass
class Steps:
    """A step that records what it was given; `stop_after` steps, then asks to stop."""

    seen: list[tuple[int, str]] = field(default_factory=list)
    fail_at: int | None = None
    interrupt_at: int | None = None

    def __call__(self, state: Iteration, index: int, retry_key: str) -> int:
        if index == self.fail_at:
            raise StepFailedError("refused status=400")
        if index == self.interrupt_at:
            self.interrupt_at = None
            raise StepInterruptedError
        self.seen.append((index, retry_key))
        return 10


@dataclass
class Resumes:
    calls: list[tuple[str, str]] = field(default_factory=list)

    def __call__(self, iteration_id: str, kind: str) -> str:
        self.calls.append((iteration_id, kind))
        return "job"


def _runner(store: IterationStore, steps: Steps, resumes: Resumes,
            should_stop: Callable[[], bool] = lambda: False) -> Runner:  # fmt: skip
    return Runner(store, {"demo": steps}, resumes, should_stop=should_stop)


def test_a_run_walks_every_step_saving_its_position_and_publishing_progress(
    redis_client: redis.Redis,
) -> None:
    store, steps, resumes = IterationStore(redis_client), Steps(), Resumes()
    iteration_id = store.create("demo", 4, {}, status="queued")
    pubsub = redis_client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(progress_channel(iteration_id))
    assert _runner(store, steps, resumes).run(iteration_id) == "done"
    state = store.get(iteration_id)
    assert state is not None
    assert (state.status, state.cursor, state.done, state.runs) == ("done", 4, 40, 1)
    assert [i for i, _ in steps.seen] == [0, 1, 2, 3]
    assert len({key for _, key in steps.seen}) == 4
    cursors = []
    for _ in range(20):  # the subscription's confirmation reads as None, then the messages
        message = pubsub.get_message(timeout=0.2)
        if message is not None:
            cursors.append(json.loads(message["data"]).get("cursor"))
    assert [c for c in cursors if c is not None] == [1, 2, 3, 4]
    assert resumes.calls == []


def test_shutdown_stops_at_a_safe_point_and_the_next_run_resumes_there(
    redis_client: redis.Redis,
) -> None:
    store, steps, resumes = IterationStore(redis_client), Steps(), Resumes()
    iteration_id = store.create("demo", 5, {}, status="queued")
    count = itertools.count()
    stop_after_two = _runner(store, steps, resumes, should_stop=lambda: next(count) >= 2)
    assert stop_after_two.run(iteration_id) == "interrupted"
    state = store.get(iteration_id)
    assert state is not None
    assert (state.status, state.cursor) == ("interrupted", 2)
    assert resumes.calls == [(iteration_id, "demo")]
    assert _runner(store, steps, resumes).run(iteration_id) == "done"
    assert [i for i, _ in steps.seen] == [0, 1, 2, 3, 4]  # nothing twice
    assert steps.seen[2][1] == step_retry_key(iteration_id, 2)


def test_a_step_cut_short_is_done_again_with_the_same_key_and_failures_stop_it(
    redis_client: redis.Redis,
) -> None:
    store, resumes = IterationStore(redis_client), Resumes()
    iteration_id = store.create("demo", 3, {}, status="queued")
    steps = Steps(interrupt_at=1)
    assert _runner(store, steps, resumes).run(iteration_id) == "interrupted"
    assert _runner(store, steps, resumes).run(iteration_id) == "done"
    assert [i for i, _ in steps.seen] == [0, 1, 2]
    failing_id = store.create("demo", 3, {}, status="queued")
    with pytest.raises(StepFailedError):
        _runner(store, Steps(fail_at=1), resumes).run(failing_id)
    failed = store.get(failing_id)
    assert failed is not None
    assert (failed.status, failed.cursor, failed.error) == ("failed", 1, "refused status=400")
    assert _runner(store, Steps(), resumes).run(failing_id) == "failed"  # not run again


def test_the_cursor_moves_once_even_if_two_runs_finish_the_same_step(
    redis_client: redis.Redis,
) -> None:
    store = IterationStore(redis_client)
    iteration_id = store.create("demo", 3, {}, status="running")
    assert store.advance(iteration_id, 0, 10)
    assert not store.advance(iteration_id, 0, 10)
    state = store.get(iteration_id)
    assert state is not None
    assert (state.cursor, state.done) == (1, 10)


@dataclass
class FakeLine:
    outcomes: list[PushOutcome]
    calls: list[tuple[list[str], str]] = field(default_factory=list)

    def multicast(self, to: list[str], messages: list[Message], *, retry_key: str) -> PushResult:
        self.calls.append((to, retry_key))
        return PushResult(self.outcomes.pop(0), 500)


def test_a_broadcast_step_retries_transient_errors_with_its_key_and_stops_on_refusal(
    redis_client: redis.Redis,
) -> None:
    followers = Followers(redis_client)
    for i in range(7):
        followers.add(f"U{i:032x}", i)
    store = IterationStore(redis_client)
    draft = Broadcasts(store, JobQueue(redis_client), batch_size=3).describe("hi", by="test")
    state = store.get(draft.iteration_id)
    assert state is not None
    assert (draft.recipients, state.total) == (7, 3)
    line = FakeLine([PushOutcome.RETRY, PushOutcome.ALREADY_DELIVERED])
    step = broadcast.multicast_step(store, line)
    assert step(state, 2, "key-2") == 1  # the last step: the seventh follower
    assert [key for _, key in line.calls] == ["key-2", "key-2"]
    refused = broadcast.multicast_step(store, FakeLine([PushOutcome.REJECTED]))
    with pytest.raises(StepFailedError):
        refused(state, 0, "key-0")


# -- the web side ------------------------------------------------------------------------


@dataclass
class Replier:
    replies: list[Reply] = field(default_factory=list)
    loading: list[str] = field(default_factory=list)

    def reply(self, reply_token: str, replies: list[Reply]) -> bool:
        self.replies.extend(replies)
        return True

    def show_loading(self, chat_id: str, seconds: int) -> bool:
        self.loading.append(chat_id)
        return True


def _context(client: redis.Redis, per_chat: int = 2) -> EventContext:
    settings = Settings("s", "t", "redis://unused", admin_user_ids=frozenset({ADMIN}))
    queue = JobQueue(client, heavy_per_chat=per_chat, heavy_max_per_chat=per_chat)
    broadcasts = Broadcasts(IterationStore(client), queue, batch_size=500)
    return EventContext(
        settings,
        ReminderStore(client),
        Replier(),
        queue,
        followers=Followers(client),
        heavy=HeavyWork(queue, broadcasts),
    )


def test_heavy_commands_are_bounded_per_chat_with_a_friendly_reply(
    redis_client: redis.Redis,
) -> None:
    ctx = _context(redis_client, per_chat=2)
    line = ctx.line
    assert isinstance(line, Replier)
    outcomes = [handle_event(text("読み 東京", 1_000 + i), ctx) for i in range(3)]
    assert outcomes == ["reading_enqueued", "reading_enqueued", "heavy_busy"]
    assert "処理中" in line.replies[-1].text
    assert line.loading == [USER, USER]  # a 1:1 chat: LINE's loading animation
    group = "C" + "9" * 32
    assert handle_event(text("キーワード 東京", 2_000, chat=group), ctx) == "keywords_enqueued"
    assert line.loading == [USER, USER]  # not in groups: LINE answers 400
    assert handle_event(text("読み", 3_000, chat=group), ctx) == "reading_needs_text"


def test_follow_and_unfollow_keep_the_audience_and_admins_broadcast_from_line(
    redis_client: redis.Redis,
) -> None:
    from linebot.v3.webhooks import FollowEvent, UnfollowEvent

    ctx = _context(redis_client)
    line = ctx.line
    assert isinstance(line, Replier)
    for user in (ADMIN, USER):
        handle_event(FollowEvent.from_dict(base_event("follow", 1, user, {
            "follow": {"isUnblocked": False}})), ctx)  # fmt: skip
    assert Followers(redis_client).count() == 2
    assert handle_event(text("配信 お知らせ", 2, chat=USER), ctx) == "not_admin"
    assert handle_event(text("配信 お知らせ", 3, chat=ADMIN), ctx) == "broadcast_described"
    assert "2人に配信します" in line.replies[-1].text
    code = line.replies[-1].quick_replies[0].text.rsplit(" ", 1)[1]
    assert handle_event(text(f"配信 確定 {code}", 4, chat=ADMIN), ctx) == "broadcast_started"
    assert handle_event(text(f"配信 確定 {code}", 5, chat=ADMIN), ctx) == "broadcast_unknown"
    assert redis_client.llen("rq:queue:low") == 1
    unfollow = base_event("unfollow", 6, USER, {})
    unfollow.pop("replyToken")
    handle_event(UnfollowEvent.from_dict(unfollow), ctx)
    assert Followers(redis_client).count() == 1


def test_the_loading_animation_goes_through_the_reply_sender(
    redis_client: redis.Redis,
) -> None:
    from linesim.process import start_simulator_process

    with start_simulator_process(access_token="tok") as sim:
        sender = ReplySender(sim.url, "tok", timeout_s=5.0)
        assert sender.show_loading(USER, 5)
        sender.close(5.0)  # lets the queued call go
        calls = [r for r in sim.client.requests() if r["endpoint"] == "loading"]
        assert [c["status"] for c in calls] == [202]
