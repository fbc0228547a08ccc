"""The one reply client: every reply the bot sends goes through a ReplySender.

Its sends run on one asyncio thread per process, over a keep-alive pool (`HttpPool`), each call
bounded (`timeout_s`), the body the JSON of the SDK's ReplyMessageRequest (message_json.py).
Two ways in, from any thread:
- `reply()` (the web process): queue and return at once, because LINE drops a webhook not
  answered within 2 s. A timeout, 5xx, 429 or connection error is tried again with backoff
  while the token is younger than `token_valid_s` (55 s, under LINE's minute). Trying again is
  safe: a reply token is single use, so LINE refuses (400) the repeat of a reply it did deliver
  instead of showing it twice. A reply whose token is too old is dropped with a log line
  (`reply dropped reason=expired`); at most `capacity` replies wait (queued or in flight), past
  that one is dropped with a log line rather than the queue growing while LINE hangs;
  `close()` (gunicorn's worker_exit) lets the queue drain for a bounded time, then hands what
  is left to `handoff` (an RQ job, reply_handoff.py), else logs it.
- `send_reply()` (RQ job threads, and the hand-off job): one call, waited for; the caller
  decides whether and when to try again, because its pauses must answer SIGTERM.

Why not the SDK in threads: MessagingApi costs ~1.4 ms of CPU per call (pydantic + urllib3)
and a thread per call in flight; at 350 webhooks/s × LINE's latency that is ~20–70 threads
and half a core.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.adapters.line.call_window import CallWindow
from bot.adapters.line.http_pool import HttpPool
from bot.adapters.line.message_json import reply_body
from bot.adapters.line.outcomes import ReplyOutcome, reply_outcome
from bot.domain.line_limits import DUMMY_REPLY_TOKENS
from bot.domain.texts import Reply

log = logging.getLogger(__name__)

REPLY_PATH = "/v2/bot/message/reply"
LOADING_PATH = "/v2/bot/chat/loading/start"
TOKEN_VALID_S = 55.0  # LINE: "within one minute after receiving the webhook"; keep a margin
# The web process's bound on one reply call. Off the request, a LINE call may take its time: a
# slow LINE (7 s) still gets the reply through, where an abandoned call would be lost (LINE
# does not act on a dropped request). Of gunicorn's graceful_timeout (20 s): ≥ one call's
# bound, and the requests take the rest.
REPLY_TIMEOUT_S = 10.0
RETRY_DELAYS_S = (0.2, 0.5, 1.0, 2.0, 5.0)
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
Settled = Callable[[bool], None]


@dataclass(frozen=True, slots=True)
class QueuedReply:
    reply_token: str
    replies: tuple[Reply, ...]
    accepted_at: float  # monotonic: when the webhook carrying the token arrived
    # Told (on a worker thread) whether LINE took it; a hand-off to RQ counts as taken.
    on_settled: Settled | None = None


# What is left at shutdown → how many of them were taken over (e.g. enqueued for the RQ worker).
HandOff = Callable[[list[QueuedReply]], int]


def _tell(on_settled: Settled, sent: bool) -> None:
    try:
        on_settled(sent)
    except Exception as exc:  # Redis down: what it would have settled comes back by its lease
        log.error("reply settle callback failed error=%s", type(exc).__name__)


class ReplySender:
    """`reply()` from any thread; the sends happen on this sender's own event-loop thread."""

    def __init__(
        self,
        base_url: str,
        access_token: str,
        *,
        timeout_s: float = 5.0,
        concurrency: int = 64,
        capacity: int = 2000,
        token_valid_s: float = TOKEN_VALID_S,
        handoff: HandOff | None = None,
        loading_per_s: float | None = None,
    ) -> None:
        self._pool_args = (base_url, concurrency, timeout_s)
        self._pool = self._new_pool()
        self._timeout_s = timeout_s
        path = urlsplit(base_url).path.rstrip("/") + REPLY_PATH
        self._head = (
            f"POST {path} HTTP/1.1\r\nHost: {self._pool.authority}\r\n"
            f"Authorization: Bearer {access_token}\r\n"
            "Content-Type: application/json\r\nUser-Agent: line-timer-bot\r\n"
        ).encode("latin-1")
        self._loading_head = self._head.replace(
            path.encode("latin-1"), (urlsplit(base_url).path.rstrip("/") + LOADING_PATH).encode()
        )
        self._side_calls = 0  # loading animations in flight (best effort, bounded)
        self._loading = CallWindow(loading_per_s) if loading_per_s else None
        self._capacity = capacity
        self._token_valid_s = token_valid_s
        self._handoff = handoff
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid = os.getpid()  # the process whose thread runs `_loop`
        self._thread: threading.Thread | None = None
        self._pending: dict[int, QueuedReply] = {}  # queued or in flight, by ticket
        self._tickets = 0
        self._closed = False
        self.stats: Counter[str] = Counter()

    def _new_pool(self) -> HttpPool:
        base_url, size, timeout_s = self._pool_args
        return HttpPool(base_url, size=size, timeout_s=timeout_s)

    # -- any thread -----------------------------------------------------------------------

    def reply(
        self, reply_token: str, replies: list[Reply], on_settled: Settled | None = None
    ) -> bool:
        """Queue a reply; True if it will be sent, False if it cannot be (no token, full)."""
        if not reply_token or reply_token in DUMMY_REPLY_TOKENS or not replies:
            return False
        item = QueuedReply(reply_token, tuple(replies), time.monotonic(), on_settled)
        with self._lock:
            if self._closed:
                self.stats["dropped_closed"] += 1
                log.warning("reply dropped reason=shutting_down")
                return False
            if len(self._pending) >= self._capacity:
                self.stats["dropped_full"] += 1
                log.warning("reply dropped reason=queue_full pending=%d", len(self._pending))
                return False
            self._tickets += 1
            ticket = self._tickets
            self._pending[ticket] = item
            loop = self._start()
        loop.call_soon_threadsafe(self._spawn, ticket, item)
        return True

    def send_reply(self, reply_token: str, replies: list[Reply]) -> ReplyOutcome:
        """One reply call, waited for (at most the call's bound): for RQ job threads, which
        decide themselves whether and when to try again. Not queued, so never dropped for
        capacity; while closing, RETRY (the caller's job is handed back and runs again)."""
        if not reply_token or reply_token in DUMMY_REPLY_TOKENS or not replies:
            return ReplyOutcome.REFUSED
        with self._lock:
            if self._closed:
                return ReplyOutcome.RETRY
            loop = self._start()
        raw = self._request(reply_token, tuple(replies))
        future = asyncio.run_coroutine_threadsafe(self._attempt(raw), loop)
        try:
            return future.result(timeout=self._timeout_s + 1.0)
        except TimeoutError:  # the loop itself is stuck: the call's own bound did not end it
            future.cancel()
            return ReplyOutcome.RETRY

    def show_loading(self, chat_id: str, seconds: int = 5) -> bool:
        """Queue LINE's loading animation for a 1:1 chat (groups and rooms get 400). Best
        effort: one attempt, not retried, dropped when the sender is busy or closing, or past
        this process's share of LINE's rate for it (bot/adapters/line/call_window.py)."""
        if self._loading is not None and not self._loading.take():
            self.stats["loading_skipped"] += 1
            return False
        body = _JSON.encode({"chatId": chat_id, "loadingSeconds": seconds}).encode()
        raw = self._loading_head + f"Content-Length: {len(body)}\r\n\r\n".encode() + body
        with self._lock:
            if self._closed or self._side_calls + len(self._pending) >= self._capacity:
                return False
            self._side_calls += 1
            loop = self._start()
        loop.call_soon_threadsafe(self._spawn_loading, raw)
        return True

    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    def close(self, timeout_s: float) -> int:
        """Stop taking replies, let the queued ones go for up to `timeout_s`, hand off the
        rest; returns how many were neither sent nor handed off."""
        with self._lock:
            self._closed = True
            loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return 0
        deadline = time.monotonic() + timeout_s
        while (self.pending() or self._side_calls) and time.monotonic() < deadline:
            time.sleep(0.01)  # the sends settle on the loop thread; nothing to await from here
        with self._lock:
            left = list(self._pending.values())
            self._pending.clear()
        lost = len(left) - self._hand_off(left)
        done: Future[None] = asyncio.run_coroutine_threadsafe(self._shutdown(), loop)
        done.result(timeout=5.0)
        thread.join(timeout=5.0)
        return lost

    # -- internals ------------------------------------------------------------------------

    def _start(self) -> asyncio.AbstractEventLoop:
        """The loop thread, started on first use in this process: after the fork, in each
        gunicorn worker and each RQ worker child (their parent builds a sender, never sends)."""
        if self._loop is None or self._pid != os.getpid():
            if self._loop is not None:  # a parent's sockets and loop are not this process's
                self._pool = self._new_pool()
            loop = asyncio.new_event_loop()
            ready = threading.Event()
            self._thread = threading.Thread(
                target=self._run, args=(loop, ready), name="reply-sender", daemon=True
            )
            self._thread.start()
            ready.wait()
            self._loop, self._pid = loop, os.getpid()
        return self._loop

    def _run(self, loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
        asyncio.set_event_loop(loop)
        loop.call_soon(ready.set)
        loop.run_forever()
        loop.close()

    def _spawn(self, ticket: int, item: QueuedReply) -> None:
        asyncio.get_running_loop().create_task(self._deliver(ticket, item))

    def _spawn_loading(self, raw: bytes) -> None:
        asyncio.get_running_loop().create_task(self._send_loading(raw))

    async def _send_loading(self, raw: bytes) -> None:
        try:
            response = await self._pool.send(raw)
            if response.status != 202:
                log.info("loading animation refused status=%d", response.status)
            self.stats["loading"] += 1
        except (TimeoutError, OSError) as exc:
            log.info("loading animation failed error=%s", type(exc).__name__)
        finally:
            with self._lock:
                self._side_calls -= 1

    async def _deliver(self, ticket: int, item: QueuedReply) -> None:
        try:
            outcome = await self._attempts(item)
        except Exception as exc:  # a bug here must not kill the loop thread's other sends
            outcome = None
            log.error("reply failed error=%s", type(exc).__name__)
        with self._lock:
            settled = self._pending.pop(ticket, None) is not None
            if settled:  # else close() took it over
                self.stats[str(outcome or "error")] += 1
        if settled and item.on_settled is not None:
            await asyncio.to_thread(_tell, item.on_settled, outcome is ReplyOutcome.SENT)

    async def _attempts(self, item: QueuedReply) -> ReplyOutcome | str:
        raw = self._request(item.reply_token, item.replies)
        for attempt in range(1_000):
            if time.monotonic() - item.accepted_at > self._token_valid_s:
                log.warning("reply dropped reason=expired attempts=%d", attempt)
                return "expired"
            outcome = await self._attempt(raw)
            if outcome is not ReplyOutcome.RETRY:
                return outcome
            await asyncio.sleep(RETRY_DELAYS_S[min(attempt, len(RETRY_DELAYS_S) - 1)])
        return "expired"

    async def _attempt(self, raw: bytes) -> ReplyOutcome:
        try:
            response = await self._pool.send(raw)
        except (TimeoutError, OSError) as exc:  # HttpError is an OSError
            log.info("reply attempt failed error=%s", type(exc).__name__)
            return ReplyOutcome.RETRY
        outcome = reply_outcome(response.status)
        if outcome is ReplyOutcome.REFUSED:
            log.info("reply refused status=%d request_id=%s",
                     response.status, response.headers.get("x-line-request-id"))  # fmt: skip
        return outcome

    def _request(self, reply_token: str, replies: tuple[Reply, ...]) -> bytes:
        body = reply_body(reply_token, replies)
        return self._head + f"Content-Length: {len(body)}\r\n\r\n".encode() + body

    def _hand_off(self, left: list[QueuedReply]) -> int:
        if not left:
            return 0
        fresh = [i for i in left if time.monotonic() - i.accepted_at < self._token_valid_s]
        taken = 0
        if self._handoff is not None and fresh:
            try:
                taken = self._handoff(fresh)
            except Exception as exc:  # Redis down at shutdown: say so, exit anyway
                log.error("reply hand-off failed error=%s", type(exc).__name__)
        if len(left) - taken:
            log.warning("reply dropped reason=shutdown count=%d", len(left) - taken)
        self.stats["handed_off"] += taken
        carried = {id(item) for item in fresh[:taken]}
        for item in left:
            if item.on_settled is not None:
                _tell(item.on_settled, id(item) in carried)
        return taken

    async def _shutdown(self) -> None:
        for task in asyncio.all_tasks():
            if task is not asyncio.current_task():
                task.cancel()
        self._pool.close()
        asyncio.get_running_loop().call_soon(asyncio.get_running_loop().stop)
