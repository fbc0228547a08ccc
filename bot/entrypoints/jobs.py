"""RQ jobs: heavy replies, done outside the webhook request."""

from __future__ import annotations

import logging
import time
import uuid

from bot.adapters import morphology
from bot.adapters.line_api import LineClient, configuration
from bot.adapters.line_push import PushOutcome
from bot.bootstrap import once
from bot.domain import texts
from bot.settings import Settings

log = logging.getLogger(__name__)

REPLY_TOKEN_LIFETIME_MS = 60_000


def _line() -> LineClient:
    settings = Settings.from_env()
    return LineClient(configuration(settings.line_api_base_url, settings.channel_access_token))


line_client = once(_line)


def analyze(*, chat_id: str, reply_token: str, text: str, received_ms: int) -> None:
    """Morphological analysis, answered through the reply token while it lasts."""
    reply = texts.analysis(morphology.analyze(text))
    line = line_client()
    if line.reply(reply_token, [reply]):
        return
    if time.time() * 1000 - received_ms < REPLY_TOKEN_LIFETIME_MS:
        # Refused while the token should still be valid: it was used (a retried job) — done.
        log.info("analysis reply refused; not pushing")
        return
    # The token expired while queued: a push is the only way left (it costs the operator).
    retry_key = str(uuid.uuid5(uuid.NAMESPACE_URL, f"analysis:{reply_token}"))
    result = line.push(chat_id, [reply], retry_key=retry_key)
    if result.outcome is PushOutcome.RETRY:
        # RQ's Retry runs the job again; the same retry key makes a repeat a 409.
        raise RuntimeError(f"analysis push failed with status {result.status}")
