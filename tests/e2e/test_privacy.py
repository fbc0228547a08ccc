"""What users write never reaches a log line: message texts, reply tokens, the access token
and the channel secret stay out of every process's log at INFO (the stack's LOG_LEVEL).

The real processes (web, rq_worker, timer_worker, linesim) answer distinctive texts — a timer
with a label (reply, then the push when it fires), an analysis (an RQ job), an unreadable
text, a follow — and then every log file is read whole.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from localdev.stack import Stack
from tests.e2e.support import new_user_id

pytestmark = pytest.mark.e2e

# Distinctive enough that no log line could hold them by chance.
LABEL = "ぷらいばしー甲乙丙"
ANALYSIS = "秘密の文章をこっそり解析"
UNREADABLE = "だれにもいえないこと丁戊"
TEXTS = {
    "timer": f"2秒 {LABEL}",
    "analysis": f"解析 {ANALYSIS}",
    "unreadable": UNREADABLE,
    "english": "remind me about zebra-quokka-7731",
}


def log_text(stack: Stack) -> str:
    paths = [p.log_path for p in stack.procs.values()]
    if stack.simulator is not None:
        paths.append(stack.simulator.log_path)
    return "\n".join(Path(p).read_text(errors="replace") for p in paths)


def test_no_text_token_or_secret_in_any_log(stack: Stack) -> None:
    sim = stack.sim
    assert stack.env.get("LOG_LEVEL", "INFO") == "INFO"
    user = new_user_id()
    since = sim.last_seq()
    events = []
    for text in TEXTS.values():
        answer = sim.send_text(text, user_id=user)
        assert answer["status"] == 200, answer
        events.append(answer["event"])
    follow = sim.send_follow(user_id=user)
    assert follow["status"] == 200
    events.append(follow["event"])

    # Replies to all five events, plus the timer's push when it fires 2 s later.
    got = sim.wait_messages(len(events) + 1, since=since, chat=user, timeout=20)
    assert len(got) == len(events) + 1, got
    assert any(r["kind"] == "push" and LABEL in str(r["messages"]) for r in got)
    assert any(ANALYSIS[:2] in str(r["messages"]) for r in got)

    logs = log_text(stack)
    assert "event id=" in logs, "the web's per-event lines are missing: wrong log level?"
    secrets = {
        "label": LABEL,
        "analysis text": ANALYSIS,
        "unreadable text": UNREADABLE,
        "english text": "zebra-quokka-7731",
        "access token": stack.env["LINE_CHANNEL_ACCESS_TOKEN"],
        "channel secret": stack.env["LINE_CHANNEL_SECRET"],
    }
    for event in events:
        secrets[f"reply token of {event['webhookEventId']}"] = event["replyToken"]
    for record in got:
        if record.get("reply_token"):
            secrets[f"reply token {record['seq']}"] = record["reply_token"]
    leaked = [name for name, value in secrets.items() if value and value in logs]
    assert leaked == [], f"found in the logs: {leaked}"
