"""Process life cycle: health checks, a Redis outage, and timer workers stopped or killed."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from localdev.processes import ManagedProcess
from localdev.stack import Stack
from tests.e2e.support import (
    E2E_ENV,
    assert_quiet,
    is_uuid,
    new_user_id,
    seconds_until,
    wait_leased,
    wait_one,
)

pytestmark = pytest.mark.e2e

IDLE_STOP_WITHIN_S = 3.0


@pytest.fixture(scope="module")
def workers_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack of its own: these tests kill timer workers and must not disturb the others."""
    running = Stack(
        E2E_ENV,
        processes=["web", "timer_worker"],
        log_dir=tmp_path_factory.mktemp("workers-stack"),
    ).start()
    yield running
    running.stop()


def live_timer_workers(stack: Stack) -> list[ManagedProcess]:
    return [p for name, p in stack.procs.items() if name.startswith("timer_worker") and p.alive]


@pytest.fixture
def timer_worker(workers_stack: Stack) -> ManagedProcess:
    """Exactly one running timer worker."""
    alive = live_timer_workers(workers_stack)
    for extra in alive[1:]:
        extra.stop()
    return alive[0] if alive else workers_stack.start_process("timer_worker")


def test_healthz_is_200_when_redis_is_up(stack: Stack) -> None:
    assert stack.healthz() == 200


def test_healthz_is_503_when_redis_is_down(tmp_path_factory: pytest.TempPathFactory) -> None:
    # Its own Redis to stop; the LINE settings are given so no simulator is needed.
    line = {
        "LINE_CHANNEL_SECRET": "unused-secret",
        "LINE_CHANNEL_ACCESS_TOKEN": "unused-token",
        "LINE_API_BASE_URL": "http://127.0.0.1:9",
    }
    with Stack(
        {**E2E_ENV, **line}, processes=["web"], log_dir=tmp_path_factory.mktemp("no-redis")
    ) as small:
        assert small.healthz() == 200
        assert small.redis is not None
        small.redis.stop()

        assert small.healthz() == 503
        assert small.procs["web"].alive


def test_timer_worker_sigterm_while_idle_exits_0_quickly(
    workers_stack: Stack, timer_worker: ManagedProcess
) -> None:
    started = time.monotonic()

    timer_worker.terminate()

    status = timer_worker.wait(timeout=IDLE_STOP_WITHIN_S)
    assert status == 0, f"exit status {status} after {time.monotonic() - started:.1f}s"
    timer_worker.join_output()
    assert "timer worker stopped" in timer_worker.output()


def test_timer_worker_sigkilled_before_due_new_worker_delivers_exactly_once(
    workers_stack: Stack, timer_worker: ManagedProcess
) -> None:
    sim, user = workers_stack.sim, new_user_id()
    since = sim.last_seq()
    event = sim.send_text("3", user_id=user)["event"]
    reply = wait_one(sim, since, user, timeout=2.0)
    assert reply["kind"] == "reply"
    due_ms = event["timestamp"] + 3000

    timer_worker.kill()
    assert timer_worker.wait(timeout=2.0) is not None
    # With no worker left, nothing may arrive, even after the due time.
    assert_quiet(sim, reply["seq"], user, seconds=seconds_until(due_ms) + 0.3)
    workers_stack.start_process("timer_worker")

    push = wait_one(sim, reply["seq"], user, timeout=5.0)
    assert push["kind"] == "push"
    assert is_uuid(push["retry_key"])
    assert_quiet(sim, push["seq"], user)


def test_timer_worker_sigkilled_mid_push_lease_expires_and_user_gets_one_push(
    workers_stack: Stack, timer_worker: ManagedProcess
) -> None:
    sim, user = workers_stack.sim, new_user_id()
    lease_ms = int(E2E_ENV["TIMER_LEASE_MS"])
    latency_ms = 800  # under PUSH_TIMEOUT_S: the push is slow, not failed
    sim.set_faults(latency_ms=latency_ms)
    try:
        since = sim.last_seq()
        event = sim.send_text("2", user_id=user)["event"]
        reply = wait_one(sim, since, user, timeout=3.0)
        due_ms = event["timestamp"] + 2000
        with workers_stack.redis_client() as client:
            wait_leased(client, user, timeout=seconds_until(due_ms) + 2.0)

        timer_worker.kill()  # mid-push: it takes latency_ms
        workers_stack.start_process("timer_worker")

        push = wait_one(sim, reply["seq"], user, timeout=(lease_ms + 3 * latency_ms) / 1000 + 2)
        assert push["kind"] == "push"
        # Only after the dead worker's lease ran out: so it had claimed the timer.
        assert push["received_at_ms"] >= due_ms + lease_ms - 50
        # The lease ends lease_ms after the claim; the taken-over push must not show twice.
        quiet_until_ms = due_ms + lease_ms + 2 * latency_ms + 500
        assert_quiet(sim, push["seq"], user, seconds=seconds_until(quiet_until_ms) + 0.5)
    finally:
        sim.set_faults(latency_ms=0)
