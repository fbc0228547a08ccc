"""The one place that calls LINE's Messaging API (line-bot-sdk v3)."""

from __future__ import annotations

import logging
from enum import StrEnum

from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    MessagingApi,
    PushMessageRequest,
    ReplyMessageRequest,
)
from linebot.v3.messaging.exceptions import ApiException
from urllib3.exceptions import HTTPError as Urllib3Error

from bot.adapters.line_messages import to_line_message
from bot.adapters.line_push import (
    PushOutcome,
    PushResult,
    classify_error,
    header_value,
)
from bot.domain.line_limits import DUMMY_REPLY_TOKENS, MAX_MESSAGES_PER_REQUEST
from bot.domain.texts import Reply

log = logging.getLogger(__name__)

__all__ = [
    "DUMMY_REPLY_TOKENS",
    "MAX_MESSAGES_PER_REQUEST",
    "LineClient",
    "ReplyOutcome",
    "configuration",
    "to_line_message",
]


class ReplyOutcome(StrEnum):
    SENT = "sent"
    REFUSED = "refused"  # a 4xx: expired, used or dummy token, bad request; trying again won't do
    RETRY = "retry"  # 5xx, timeout, connection error: the token is single use, so a repeat of a
    # reply LINE did deliver is refused (400), never shown twice; another try is safe


def configuration(base_url: str, access_token: str) -> Configuration:
    return Configuration(access_token=access_token, host=base_url)


class LineClient:
    """Synchronous calls for the web process and RQ jobs: replies, and pushes where needed."""

    def __init__(self, config: Configuration, *, timeout_s: float = 5.0) -> None:
        self._api = MessagingApi(ApiClient(config))
        self._timeout = (min(timeout_s, 2.0), timeout_s)

    def reply(self, reply_token: str, replies: list[Reply]) -> bool:
        """Answer through a reply token; False if LINE refused (expired or used token, …)."""
        return self.send_reply(reply_token, replies) is ReplyOutcome.SENT

    def send_reply(self, reply_token: str, replies: list[Reply]) -> ReplyOutcome:
        """One reply call, bounded by the client's timeout; the outcome says whether to retry."""
        if not reply_token or reply_token in DUMMY_REPLY_TOKENS:
            return ReplyOutcome.REFUSED
        request = ReplyMessageRequest(
            reply_token=reply_token,
            messages=[to_line_message(r) for r in replies[:MAX_MESSAGES_PER_REQUEST]],
        )
        try:
            self._api.reply_message_with_http_info(request, _request_timeout=self._timeout)
        except ApiException as exc:
            status = exc.status or 0
            log.warning("reply refused: status=%s request_id=%s", exc.status, _request_id(exc))
            return ReplyOutcome.RETRY if status >= 500 or status == 429 else ReplyOutcome.REFUSED
        except (Urllib3Error, OSError) as exc:
            log.warning("reply failed: %s", type(exc).__name__)
            return ReplyOutcome.RETRY
        return ReplyOutcome.SENT

    def push(self, to: str, replies: list[Reply], *, retry_key: str) -> PushResult:
        """A push (it costs the operator): only where a reply token can no longer do."""
        request = PushMessageRequest(
            to=to, messages=[to_line_message(r) for r in replies[:MAX_MESSAGES_PER_REQUEST]]
        )
        try:
            response = self._api.push_message_with_http_info(
                request, x_line_retry_key=retry_key, _request_timeout=self._timeout
            )
        except ApiException as exc:
            return classify_error(exc.status, exc.headers, exc.body)
        except (Urllib3Error, OSError):
            return PushResult(PushOutcome.RETRY)
        return PushResult(
            PushOutcome.DELIVERED,
            response.status_code,
            header_value(response.headers, "x-line-request-id"),
        )


def _request_id(exc: ApiException) -> str | None:
    return header_value(exc.headers, "x-line-request-id")
