"""The web process as gunicorn runs it: copies of one event racing on two processes, a LINE
that hangs, and SIGTERM with replies still queued. Real redis-server, the LINE simulator and
the Procfile's `web` command (gthread, 2 workers each)."""

from __future__ import annotations

import http.client
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from typing import cast

import pytest
import redis

from bot.adapters.line.replies import ReplySender
from bot.domain.texts import Reply
from linesim import ids
from localdev.redis_server import free_port
from localdev.stack import Stack
from tests.integration.test_web import text_event, webhook

pytestmark = pytest.mark.timeout(180)

COPIES = 8
ROUNDS = 10


def post(port: int, body: bytes, secret: str) -> int:
    """One webhook on a new connection, as LINE sends them."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {"X-Line-Signature": ids.sign(secret, body), "Connection": "close",
                   "Content-Type": "application/json"}  # fmt: skip
        conn.request("POST", "/callback", body=body, headers=headers)
        return conn.getresponse().status
    finally:
        conn.close()


def stored_for(client: redis.Redis, chat: str) -> int:
    """Timers stored for a chat, whatever the store's layout: members of its sorted sets."""
    count = 0
    for key in client.scan_iter(count=1000):
        name = key.decode()
        if name.startswith("rq:") or client.type(key) != b"zset":
            continue
        members = cast(list[bytes], client.zrange(key, 0, -1))
        count += sum(1 for m in members if chat in m.decode(errors="replace"))
    return count


def race(ports: list[int], body: bytes, secret: str) -> list[int]:
    """COPIES posts of one body released at once by a barrier, alternating between ports."""
    barrier = threading.Barrier(COPIES)
    statuses: list[int] = []

    def send(i: int) -> None:
        barrier.wait()
        statuses.append(post(ports[i % len(ports)], body, secret))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(COPIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def reply_calls(stack: Stack) -> int:
    return sum(1 for r in stack.sim.requests() if r.get("endpoint") == "reply")


def wait_for(what: str, check: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not callable(check) or not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)  # polling the simulator: it has no push notification for this


@pytest.fixture(scope="module")
def two_webs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, int]]:
    """Two gunicorn masters on one Redis and one simulator (so copies surely cross processes),
    each with two workers."""
    log_dir = tmp_path_factory.mktemp("race")
    stack = Stack({"WEB_CONCURRENCY": "2"}, processes=["web"], log_dir=log_dir,
                  startup_timeout_s=90).start()  # fmt: skip
    try:
        port = free_port()
        stack.start_process("web", env={"PORT": str(port)})
        yield stack, port
    finally:
        stack.stop()


def test_copies_of_one_event_at_the_same_moment_act_once(two_webs: tuple[Stack, int]) -> None:
    stack, second = two_webs
    stack.sim.reset()
    ports, secret = [stack.web_port, second], stack.env["LINE_CHANNEL_SECRET"]
    client = stack.redis_client()
    users, event_ids = [], []
    for _ in range(ROUNDS):
        user = "U" + uuid.uuid4().hex
        event = text_event("3分 race", user=user)
        body = webhook(event)
        statuses = race(ports, body, secret)
        assert statuses == [200] * COPIES
        users.append(user)
        event_ids.append(event["webhookEventId"])

    for user in users:
        assert stored_for(client, user) == 1
    wait_for("the replies", lambda: reply_calls(stack) >= ROUNDS, 10)
    time.sleep(0.5)  # a second reply for any event would have left by now
    assert reply_calls(stack) == ROUNDS
    logs = "".join(p.log_path.read_text() for p in stack.procs.values())
    for event_id in event_ids:
        lines = [ln for ln in logs.splitlines() if f"event id={event_id} " in ln]
        assert len(lines) == COPIES
        assert sum(" outcome=timer " in ln for ln in lines) == 1, lines
    client.close()


def test_webhook_is_answered_within_a_second_while_line_hangs(two_webs: tuple[Stack, int]) -> None:
    """LINE holds every call 7 s (3.5 × LINE's own webhook limit): the webhooks are still
    answered at once, and each reply arrives once, late, from the sender."""
    stack, _ = two_webs
    stack.sim.reset()
    stack.sim.set_faults(latency_ms=7000)
    try:
        users = ["U" + uuid.uuid4().hex for _ in range(10)]
        since = stack.sim.last_seq()
        answers: list[dict[str, object]] = []
        threads = [
            threading.Thread(target=lambda u=u: answers.append(stack.sim.send_text("3分", u)))
            for u in users
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [a["status"] for a in answers] == [200] * len(users)
        slowest = max(float(str(a["elapsed_ms"])) for a in answers)
        assert slowest < 1000, answers
        got = stack.sim.wait_messages(len(users), since=since, timeout=30)
        assert sorted(m["to"] for m in got) == sorted(users)
        time.sleep(1.0)
        assert len(stack.sim.messages(since=since)) == len(users)  # none twice
    finally:
        stack.sim.set_faults(latency_ms=0)


@pytest.fixture
def one_web() -> Iterator[Stack]:
    # A generous start-up bound: this machine also runs the other suites at times.
    env = {"WEB_CONCURRENCY": "2", "REPLY_DRAIN_S": "1"}
    stack = Stack(env, processes=["web"], startup_timeout_s=90).start()
    try:
        yield stack
    finally:
        stack.stop()


def _send_and_terminate(stack: Stack, count: int) -> tuple[list[str], int, float]:
    users = ["U" + uuid.uuid4().hex for _ in range(count)]
    for user in users:
        assert stack.sim.send_text("ヘルプ", user)["status"] == 200
    web = stack.procs["web"]
    started = time.monotonic()
    web.terminate()
    status = web.stop(25.0)
    return users, status, time.monotonic() - started


def test_sigterm_sends_the_queued_replies_before_exiting(one_web: Stack) -> None:
    one_web.sim.set_faults(latency_ms=600)  # the replies are still in flight at SIGTERM
    since = one_web.sim.last_seq()
    users, status, _ = _send_and_terminate(one_web, 6)
    assert status == 0
    # Sent before the process ended: all there the moment it is gone.
    got = one_web.sim.messages(since=since)
    assert sorted(m["to"] for m in got) == sorted(users)
    assert "reply dropped" not in one_web.procs["web"].output()


def test_sigterm_hands_replies_to_rq_when_line_hangs(one_web: Stack) -> None:
    """LINE holds calls longer than the drain (1 s here): the replies become RQ jobs, which
    the rq_worker sends once LINE answers again; still one message each."""
    one_web.sim.set_faults(latency_ms=20_000)
    since = one_web.sim.last_seq()
    users, status, took = _send_and_terminate(one_web, 3)
    assert status == 0
    assert took < 8.0
    client = one_web.redis_client()
    assert client.llen("rq:queue:high") == len(users)
    one_web.sim.set_faults(latency_ms=0)
    one_web.start_process("rq_worker")
    got = one_web.sim.wait_messages(len(users), since=since, timeout=40)
    assert sorted(m["to"] for m in got) == sorted(users)
    client.close()


def test_a_reply_line_never_answers_is_dropped_once_its_token_is_too_old(
    two_webs: tuple[Stack, int], caplog: pytest.LogCaptureFixture
) -> None:
    """Each call bounded (0.3 s here), tried again while the token is young (1 s here), then
    dropped with a log line; and the queue is bounded: past `capacity`, refused at once."""
    stack, _ = two_webs
    stack.sim.set_faults(latency_ms=5000)
    sender = ReplySender(stack.sim_url, stack.env["LINE_CHANNEL_ACCESS_TOKEN"], timeout_s=0.3,
                         capacity=2, token_valid_s=1.0)  # fmt: skip
    try:
        caplog.set_level(logging.INFO)
        assert sender.reply("a" * 32, [Reply("one")])
        assert sender.reply("b" * 32, [Reply("two")])
        assert not sender.reply("c" * 32, [Reply("three")])  # full
        wait_for("the sender to give up", lambda: sender.pending() == 0, 10)
        assert sender.stats["expired"] == 2
        assert sender.stats["dropped_full"] == 1
        messages = [r.getMessage() for r in caplog.records]
        assert sum("reply dropped reason=expired" in m for m in messages) == 2
        assert any("reply dropped reason=queue_full" in m for m in messages)
        assert not any("a" * 32 in m or "one" in m.split() for m in messages)
    finally:
        assert sender.close(1.0) == 0
        stack.sim.set_faults(latency_ms=0)
