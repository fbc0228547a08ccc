"""The one-dyno formation (web + `worker`, the RQ worker and the timer worker under one
supervisor): it delivers a timer, answers an analysis, and stops cleanly on SIGTERM."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest
import redis

from localdev.stack import Stack
from tests.e2e.support import E2E_ENV, new_user_id, seconds_until, text_of, wait_one

pytestmark = pytest.mark.e2e

MINI_PLAN_CONNECTIONS = 20


@pytest.fixture(scope="module")
def one_dyno(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = Stack(E2E_ENV, processes=["web", "worker"], log_dir=tmp_path_factory.mktemp("one"))
    stack.start()
    yield stack
    stack.stop()


def _clients(client: redis.Redis) -> int:
    """Connections from the bot's processes (this test's own client excluded)."""
    return len(client.client_list()) - 1


def test_one_dyno_delivers_a_timer_and_answers_an_analysis(one_dyno: Stack) -> None:
    sim, user = one_dyno.sim, new_user_id()
    since = sim.last_seq()
    answer = sim.send_text("2", user_id=user)
    reply = wait_one(sim, since, user, timeout=2.0)
    assert reply["kind"] == "reply"
    push = wait_one(
        sim, reply["seq"], user, timeout=seconds_until(answer["event"]["timestamp"] + 2000) + 2
    )
    assert push["kind"] == "push"
    assert "2秒たちました" in text_of(push)

    since = sim.last_seq()
    sim.send_text("解析 すもももももももものうち", user_id=user)
    analysis = wait_one(sim, since, user, timeout=15.0)
    assert analysis["kind"] == "reply"
    assert "すもも" in text_of(analysis)

    client = one_dyno.redis_client()
    try:
        assert _clients(client) <= MINI_PLAN_CONNECTIONS
    finally:
        client.close()


def test_sigterm_stops_both_workers_and_exits_zero(one_dyno: Stack) -> None:
    worker = one_dyno.procs["worker"]
    mark = worker.mark()
    worker.send(signal.SIGTERM, group=False)  # only the supervisor: it must tell both
    assert worker.wait(20) == 0, worker.tail()
    lines = "\n".join(worker.lines(since=mark))
    assert "timer worker stopped" in lines
    assert "one-dyno worker stopped" in lines
