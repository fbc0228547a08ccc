"""The Protocols the service layer's long work talks through (the event handlers' are in
context.py): the store of resumable jobs and the job queue. Their adapters are
bot/adapters/redis/iteration_jobs.py and bot/adapters/job_queue.py."""

from __future__ import annotations

from typing import Any, Protocol

from bot.domain.iterations import Iteration


class IterationBook(Protocol):
    """Resumable long jobs: their state, their cursor, a broadcast's recipients and drafts."""

    def save_new(
        self, iteration_id: str, kind: str, total: int, args: dict[str, Any], *, status: str
    ) -> None: ...
    def get(self, iteration_id: str) -> Iteration | None: ...
    def set_status(
        self, iteration_id: str, status: str, *, error: str = "", run: bool = False
    ) -> None: ...
    def advance(self, iteration_id: str, cursor: int, items: int) -> bool: ...
    def freeze_followers(self, iteration_id: str) -> int: ...
    def recipients(self, iteration_id: str, start: int, count: int) -> list[str]: ...
    def drop_recipients(self, iteration_id: str) -> None: ...
    def save_draft(self, code: str, iteration_id: str) -> None: ...
    def take_draft(self, code: str) -> str | None: ...


class HeavyQueue(Protocol):
    """RQ as the web process sees it: heavy replies and resumable jobs."""

    @property
    def heavy_limit(self) -> int: ...
    def enqueue_heavy(
        self,
        command: str,
        *,
        chat_id: str,
        event_id: str,
        reply_token: str,
        text: str,
        received_ms: int,
    ) -> str | None: ...
    def enqueue_iteration(self, iteration_id: str, kind: str) -> str: ...
