"""解析 / 読み / キーワード and an operator's 配信, as the web process handles them: enqueue and
return. The RQ worker answers (bot/entrypoints/jobs.py); the web request only claims a slot,
queues LINE's loading animation and enqueues.

- One user's flood cannot starve the others: a chat's first `HEAVY_JOBS_PER_CHAT` (5) heavy
  jobs in flight go on `high`, the rest on `default`, which the workers take only when `high`
  is empty; past `HEAVY_MAX_PER_CHAT` (200, bot/adapters/job_queue.py) in flight the chat
  is told to wait.
- The loading animation is shown in 1:1 chats only (LINE answers 400 for groups and rooms),
  queued on the per-process reply sender: it never waits inside the webhook request.
- 配信 <本文> from an id in `ADMIN_USER_IDS` freezes the recipients and answers with their
  number (what it costs) and a code; 配信 確定 <code> starts it.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from bot.domain import heavy_texts, intents, texts
from bot.service.broadcast import Broadcasts
from bot.service.context import Turn
from bot.service.ports import HeavyQueue

LOADING_SECONDS = 5  # LINE's shortest; the answer normally comes in well under a second
_COMMANDS: dict[type, tuple[str, str, str]] = {
    intents.Analyze: ("analyze", "解析", "すもももももももものうち"),
    intents.Reading: ("reading", "読み", "東京特許許可局"),
    intents.Keywords: ("keywords", "キーワード", "形態素解析で文章の名詞を取り出す"),
}


@runtime_checkable
class ShowsLoading(Protocol):
    def show_loading(self, chat_id: str, seconds: int) -> bool: ...


class HeavyWork:
    """The web process's side of heavy work: the job queue and broadcasts (HeavyJobs)."""

    def __init__(self, queue: HeavyQueue, broadcasts: Broadcasts) -> None:
        self._queue = queue
        self._broadcasts = broadcasts

    @property
    def per_chat(self) -> int:
        return self._queue.heavy_limit

    def enqueue_heavy(
        self,
        command: str,
        *,
        chat_id: str,
        event_id: str,
        reply_token: str,
        text: str,
        received_ms: int,
    ) -> str | None:
        return self._queue.enqueue_heavy(
            command,
            chat_id=chat_id,
            event_id=event_id,
            reply_token=reply_token,
            text=text,
            received_ms=received_ms,
        )

    def describe_broadcast(self, text: str, *, by: str) -> tuple[str, int]:
        draft = self._broadcasts.describe(text, by=by)
        return draft.code, draft.recipients

    def start_broadcast(self, code: str) -> int | None:
        started = self._broadcasts.start_code(code)
        return None if started is None else int(started.args["recipients"])


def handle(intent: intents.HeavyIntent, turn: Turn) -> str:
    if isinstance(intent, intents.Broadcast):
        return _broadcast(intent, turn)
    command, word, example = _COMMANDS[type(intent)]
    if not intent.text:
        needs = texts.analyze_needs_text() if command == "analyze" else None
        return turn.reply_once(
            needs or heavy_texts.heavy_needs_text(word, example), f"{command}_needs_text"
        )
    heavy = turn.ctx.heavy
    if not turn.ctx.reminders.mark_event_seen(turn.event_id):
        return "duplicate"
    if heavy is None:  # a context without heavy work wired (the previous interface)
        turn.ctx.jobs.enqueue_analysis(
            chat_id=turn.chat_id,
            reply_token=turn.reply_token,
            text=intent.text,
            received_ms=turn.timestamp_ms,
        )
        return "analysis_enqueued"
    job = heavy.enqueue_heavy(
        command,
        chat_id=turn.chat_id,
        event_id=turn.event_id,
        reply_token=turn.reply_token,
        text=intent.text,
        received_ms=turn.timestamp_ms,
    )
    if job is None:
        return turn.reply(heavy_texts.heavy_busy(heavy.per_chat), "heavy_busy")
    line = turn.ctx.line
    if turn.chat_id.startswith("U") and isinstance(line, ShowsLoading):
        line.show_loading(turn.chat_id, LOADING_SECONDS)
    return f"{command}_enqueued"


def _broadcast(intent: intents.Broadcast, turn: Turn) -> str:
    heavy = turn.ctx.heavy
    if heavy is None or turn.user_id not in turn.ctx.settings.admin_user_ids:
        return turn.reply_once(heavy_texts.not_admin(), "not_admin")
    if not intent.text and not intent.confirm:
        return turn.reply_once(
            heavy_texts.heavy_needs_text("配信", "お知らせです"), "broadcast_needs_text"
        )
    if not turn.ctx.reminders.mark_event_seen(turn.event_id):
        return "duplicate"
    if intent.confirm:
        recipients = heavy.start_broadcast(intent.confirm)
        if recipients is None:
            return turn.reply(heavy_texts.broadcast_unknown(), "broadcast_unknown")
        return turn.reply(heavy_texts.broadcast_started(recipients), "broadcast_started")
    code, count = heavy.describe_broadcast(intent.text, by=turn.user_id)
    return turn.reply(heavy_texts.broadcast_confirm(count, code), "broadcast_described")
