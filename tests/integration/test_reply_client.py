"""The one reply client's waited-for call (`ReplySender.send_reply`), which RQ job threads and
the hand-off job use, against linesim's reply endpoint (single-use tokens, LINE's answers)."""

from __future__ import annotations

import multiprocessing
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.adapters.line.outcomes import ReplyOutcome
from bot.adapters.line.replies import ReplySender
from bot.domain.texts import Reply
from linesim.process import SimulatorProcess, start_simulator_process

TOKEN = "reply-client-token"


@pytest.fixture(scope="module")
def sim_process() -> Iterator[SimulatorProcess]:
    with start_simulator_process(access_token=TOKEN) as handle:
        yield handle


@pytest.fixture
def sim(sim_process: SimulatorProcess) -> SimulatorProcess:
    sim_process.client.reset()
    return sim_process


def tokens(sim: SimulatorProcess, count: int) -> list[tuple[str, str]]:
    pairs = [(uuid.uuid4().hex, f"U{i:032d}") for i in range(count)]
    sim.client.issue_reply_tokens(pairs)
    return pairs


def test_job_threads_reply_at_once_each_waiting_for_its_own_outcome(sim: SimulatorProcess) -> None:
    sender = ReplySender(sim.url, TOKEN, timeout_s=5.0, concurrency=4)
    pairs = tokens(sim, 12)
    with ThreadPoolExecutor(6) as threads:
        outcomes = list(
            threads.map(lambda p: sender.send_reply(p[0], [Reply(f"解析 {p[1]}")]), pairs)
        )
    assert outcomes == [ReplyOutcome.SENT] * 12
    shown = {(m["kind"], m["to"]) for m in sim.client.messages()}
    assert shown == {("reply", chat) for _, chat in pairs}
    # A token is single use: the repeat is refused by LINE and shown nowhere a second time.
    assert sender.send_reply(pairs[0][0], [Reply("again")]) is ReplyOutcome.REFUSED
    assert len(sim.client.messages()) == 12
    sender.close(1.0)


def test_no_token_a_dummy_one_or_nothing_to_say_is_refused_without_a_call(
    sim: SimulatorProcess,
) -> None:
    sender = ReplySender(sim.url, TOKEN)
    assert sender.send_reply("", [Reply("x")]) is ReplyOutcome.REFUSED
    assert sender.send_reply("0" * 32, [Reply("x")]) is ReplyOutcome.REFUSED  # a verify call
    ((token, _),) = tokens(sim, 1)
    assert sender.send_reply(token, []) is ReplyOutcome.REFUSED
    assert sim.client.requests() == []


def test_a_hanging_line_gives_retry_within_the_call_s_bound(sim: SimulatorProcess) -> None:
    sender = ReplySender(sim.url, TOKEN, timeout_s=0.3)
    ((token, _),) = tokens(sim, 1)
    sim.client.set_faults(latency_ms=3000)
    try:
        began = time.monotonic()
        assert sender.send_reply(token, [Reply("x")]) is ReplyOutcome.RETRY
        assert time.monotonic() - began < 1.3  # its bound, plus the loop's hop
    finally:
        sim.client.set_faults(latency_ms=0)


def test_a_closing_sender_hands_the_call_back(sim: SimulatorProcess) -> None:
    sender = ReplySender(sim.url, TOKEN)
    ((token, _),) = tokens(sim, 1)
    sender.close(1.0)
    assert sender.send_reply(token, [Reply("x")]) is ReplyOutcome.RETRY  # the job runs again
    assert sim.client.messages() == []


def _reply_in_child(token: str, sender: ReplySender, out: multiprocessing.Queue[str]) -> None:
    out.put(str(sender.send_reply(token, [Reply("from the child")])))


def test_a_sender_used_before_a_fork_starts_afresh_in_the_child(sim: SimulatorProcess) -> None:
    """The rq_worker's parent builds the job context, then forks its workers."""
    sender = ReplySender(sim.url, TOKEN)
    (first, _), (second, chat) = tokens(sim, 2)
    assert sender.send_reply(first, [Reply("in the parent")]) is ReplyOutcome.SENT
    fork = multiprocessing.get_context("fork")
    out: multiprocessing.Queue[str] = fork.Queue()
    child = fork.Process(target=_reply_in_child, args=(second, sender, out))
    child.start()
    child.join(10)
    assert out.get(timeout=1) == ReplyOutcome.SENT
    assert [m["to"] for m in sim.client.messages()][-1] == chat
    sender.close(1.0)
