"""Heavy replies against the simulator and a real redis-server: what they say, reply while the
token lasts, push only when it must (once, with a retry key), retries and dead letters, and
the per-chat bound on jobs in flight."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
import redis
from rq import Queue, SimpleWorker
from rq.registry import FailedJobRegistry

from bot.adapters import morphology
from bot.adapters.job_queue import FAILURE_TTL_S, JobQueue
from bot.bootstrap import job_context_from_env
from bot.domain import heavy_texts
from bot.entrypoints import jobs
from bot.jobs import context
from linesim.process import SimulatorProcess, start_simulator_process
from localdev.harness import now_ms

TOKEN = "jobs-test-token"


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorProcess]:
    process = start_simulator_process(access_token=TOKEN)
    yield process
    process.stop()


@pytest.fixture(autouse=True)
def line_env(sim: SimulatorProcess, redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINE_CHANNEL_SECRET", "unused")
    monkeypatch.setenv("LINE_CHANNEL_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("LINE_API_BASE_URL", sim.url)
    monkeypatch.setenv("REDIS_URL", redis_url)
    context.install(job_context_from_env())  # as the rq_worker does at start
    sim.client.set_faults(reply_token_ttl_s=60.0, monthly_limit=False, script=[])


def _answer(client: redis.Redis, job_id: str, chat: str, token: str, received_ms: int) -> str:
    replies = heavy_texts.analysis(morphology.tokens("もも"))
    return jobs.answer(
        client, job_id, chat_id=chat, reply_token=token, replies=replies, received_ms=received_ms
    )


# -- what the answers say ----------------------------------------------------------------


def test_analysis_shows_every_token_with_part_of_speech_base_form_and_reading() -> None:
    (reply,) = heavy_texts.analysis(morphology.tokens("すもももももももものうち"))
    lines = reply.text.splitlines()
    assert lines[0] == "🔎 形態素解析（7語） / Morphological analysis"
    assert lines[1:5] == [
        "すもも【名詞・一般】",
        "　原形 すもも｜読み すもも",
        "も【助詞・係助詞】",
        "　原形 も｜読み も",
    ]
    assert lines[-2:] == ["うち【名詞・非自立】", "　原形 うち｜読み うち"]
    (verb,) = heavy_texts.analysis(morphology.tokens("走った"))
    assert "走っ【動詞・自立】\n　原形 走る｜読み はしっ" in verb.text


def test_reading_is_hiragana_and_keywords_join_compound_nouns() -> None:
    tokens = morphology.tokens("東京特許許可局")
    assert (
        heavy_texts.reading(tokens)[0].text == "📖 読み / Reading\nとうきょうとっきょきょかきょく"
    )
    keywords = heavy_texts.keywords(
        morphology.tokens("私は形態素解析で文章の名詞を取り出す。文章が好き")
    )
    assert keywords[0].text.splitlines()[1:] == ["・文章 ×2", "・形態素解析", "・名詞"]


def test_long_results_are_at_most_five_messages_of_5000_characters() -> None:
    replies = heavy_texts.analysis(morphology.tokens("すもももももももものうち" * 300))
    assert len(replies) == 5
    assert all(len(r.text) <= 5000 for r in replies)
    assert replies[-1].text.endswith("（長いので省略しました / truncated）")
    assert len(heavy_texts.analysis(morphology.tokens("すもも" * 100))) == 1
    split = heavy_texts.analysis(morphology.tokens("すもも" * 200))
    assert len(split) == 2
    assert sum(r.text.count("すもも【名詞・一般】") for r in split) == 200  # cut between tokens


# -- reply or push -----------------------------------------------------------------------


def test_a_valid_token_is_replied_to_once_even_when_the_job_runs_again(
    sim: SimulatorProcess, redis_client: redis.Redis
) -> None:
    event = sim.client.send_text("解析 もも")["event"]  # the bot is not running: token unused
    since, chat, job_id = sim.client.last_seq(), event["source"]["userId"], uuid.uuid4().hex
    assert _answer(redis_client, job_id, chat, event["replyToken"], now_ms()) == "reply"
    assert _answer(redis_client, job_id, chat, event["replyToken"], now_ms()) == "replied_before"
    (record,) = sim.client.messages(since=since)
    assert record["kind"] == "reply"
    assert "名詞" in record["messages"][0]["text"]


def test_an_old_token_is_pushed_once_with_a_retry_key(
    sim: SimulatorProcess, redis_client: redis.Redis
) -> None:
    since, job_id, stale = sim.client.last_seq(), uuid.uuid4().hex, uuid.uuid4().hex
    old = now_ms() - 120_000
    assert _answer(redis_client, job_id, "Ujobs", stale, old) == "push"
    assert _answer(redis_client, job_id, "Ujobs", stale, old) == "push"  # 409: delivered
    (record,) = sim.client.messages(since=since)
    assert (record["kind"], record["to"]) == ("push", "Ujobs")
    assert record["retry_key"] == jobs.push_retry_key(job_id)


def test_a_refused_token_never_used_is_pushed_but_one_a_run_used_is_not(
    sim: SimulatorProcess, redis_client: redis.Redis
) -> None:
    since = sim.client.last_seq()
    never_used = uuid.uuid4().hex  # LINE does not know it: expired before the job ran
    assert _answer(redis_client, "job-a", "Ujobs2", never_used, now_ms()) == "push"
    # An earlier run of this job tried the token (then died): the refusal is its own reply.
    redis_client.set("jobs:reply-tried:job-b", "tried")
    assert _answer(redis_client, "job-b", "Ujobs3", uuid.uuid4().hex, now_ms()) == (
        "replied_before"
    )
    assert [m["to"] for m in sim.client.messages(since=since)] == ["Ujobs2"]


def test_at_the_tokens_edge_inside_is_a_reply_and_past_it_a_push(
    sim: SimulatorProcess, redis_client: redis.Redis
) -> None:
    sim.client.set_faults(reply_token_ttl_s=0.5)  # LINE's minute, made short
    fresh = sim.client.send_text("解析 もも")["event"]
    late = sim.client.send_text("解析 もも")["event"]
    since = sim.client.last_seq()
    inside = _answer(redis_client, "edge-1", fresh["source"]["userId"], fresh["replyToken"],
                     fresh["timestamp"])  # fmt: skip
    time.sleep(0.6)  # the passing of the token's lifetime is the event here
    past = _answer(redis_client, "edge-2", late["source"]["userId"], late["replyToken"],
                   late["timestamp"])  # fmt: skip
    assert (inside, past) == ("reply", "push")
    kinds = [m["kind"] for m in sim.client.messages(since=since)]
    assert kinds == ["reply", "push"]


# -- retries, dead letters, bounds ---------------------------------------------------------


def test_transient_push_errors_retry_with_the_same_key(
    sim: SimulatorProcess, redis_client: redis.Redis
) -> None:
    sim.client.set_faults(script=["error_before", "timeout_before"], timeout_hold_s=0.0)
    since, before = sim.client.last_seq(), len(sim.client.requests())
    assert _answer(redis_client, "job-t", "Ujobs4", "x" * 32, now_ms() - 120_000) == "push"
    pushes = [r for r in sim.client.requests()[before:] if r["endpoint"] == "push"]
    assert [r["status"] for r in pushes] == [500, 500, 200]
    assert {r["retry_key"] for r in pushes} == {jobs.push_retry_key("job-t")}
    assert len(sim.client.messages(since=since)) == 1


def test_a_permanent_refusal_lands_in_the_failed_registry_without_retries(
    sim: SimulatorProcess, redis_client: redis.Redis
) -> None:
    sim.client.set_faults(monthly_limit=True)
    queue = JobQueue(redis_client)
    job_id = queue.enqueue_heavy(
        "analyze", chat_id="Ujobs5", event_id="ev-perm", reply_token=uuid.uuid4().hex,
        text="もも", received_ms=now_ms() - 120_000,
    )  # fmt: skip
    assert job_id is not None
    SimpleWorker([Queue("high", connection=redis_client)], connection=redis_client).work(burst=True)
    failed = FailedJobRegistry("high", connection=redis_client)
    assert failed.get_job_ids() == [job_id]
    expires = redis_client.zscore(failed.key, job_id)
    assert expires is not None
    assert expires <= time.time() + FAILURE_TTL_S + 5
    assert not redis_client.zcard("jobs:inflight:Ujobs5"), "the chat's slot was not freed"


def test_a_chats_flood_waits_behind_the_others_and_is_bounded(
    redis_client: redis.Redis,
) -> None:
    queue = JobQueue(redis_client, heavy_per_chat=2, heavy_max_per_chat=3)

    def enqueue(chat: str, event: str) -> str | None:
        return queue.enqueue_heavy(
            "reading", chat_id=chat, event_id=event, reply_token="t", text="もも",
            received_ms=now_ms(),
        )  # fmt: skip

    first, second, third = (enqueue("Uflood", f"e{i}") for i in range(3))
    assert enqueue("Uflood", "e3") is None  # the hard bound: told to wait
    other = enqueue("Uother", "e4")  # another chat is not held up
    high, default = (Queue(n, connection=redis_client).job_ids for n in ("high", "default"))
    assert high == [first, second, other]
    assert default == [third]  # taken only when high is empty
    assert first is not None
    queue.slots.release("Uflood", first)
    assert enqueue("Uflood", "e5") is not None


def test_a_job_that_replied_is_never_pushed_when_run_again_after_the_tokens_minute(
    sim: SimulatorProcess, redis_client: redis.Redis
) -> None:
    since = sim.client.last_seq()
    redis_client.set("jobs:reply-tried:job-s", "sent")  # it replied, then failed to finish
    old = now_ms() - 120_000
    assert _answer(redis_client, "job-s", "Ujobs6", uuid.uuid4().hex, old) == "replied_before"
    assert sim.client.messages(since=since) == []


def test_the_job_reply_body_is_the_sdks_reply_message_request() -> None:
    import json

    from linebot.v3.messaging import ReplyMessageRequest

    from bot.adapters.line.message_json import reply_body
    from bot.adapters.line.messages import to_line_message

    replies = [*heavy_texts.analysis(morphology.tokens("すもも")), heavy_texts.heavy_busy(3)]
    sdk = ReplyMessageRequest(reply_token="t" * 32, messages=[to_line_message(r) for r in replies])
    assert json.loads(reply_body("t" * 32, tuple(replies))) == json.loads(sdk.to_json())
