"""The RQ jobs' pushes and multicasts, through the SDK (its models validate each request).

A heavy reply whose token is too old is pushed, and a broadcast multicasts its steps: both are
rare next to replies, so the SDK's ~1.4 ms of CPU a call (pydantic, urllib3) is worth its checks
here, where the timer worker's hot path writes its bodies directly (pushes.py).
"""

from __future__ import annotations

from collections.abc import Callable

from linebot.v3.messaging import (
    ApiClient,
    ApiResponse,
    Configuration,
    MessagingApi,
    MulticastRequest,
    PushMessageRequest,
)
from linebot.v3.messaging.exceptions import ApiException
from urllib3.exceptions import HTTPError as Urllib3Error

from bot.adapters.line.messages import to_line_message
from bot.adapters.line.outcomes import header_value, push_error
from bot.domain.delivery import PushOutcome
from bot.domain.line_limits import MAX_MESSAGES_PER_REQUEST
from bot.domain.push import Message, PushResult
from bot.domain.texts import Reply


def configuration(base_url: str, access_token: str) -> Configuration:
    return Configuration(access_token=access_token, host=base_url)


class _SdkCalls:
    def __init__(self, base_url: str, access_token: str, *, timeout_s: float) -> None:
        self._api = MessagingApi(ApiClient(configuration(base_url, access_token)))
        self._timeout = (min(timeout_s, 2.0), timeout_s)

    def _outcome(self, call: Callable[[], ApiResponse]) -> PushResult:
        """One SDK call that sends (a push, a multicast), its answer classified."""
        try:
            response = call()
        except ApiException as exc:
            return push_error(exc.status, exc.headers, exc.body)
        except (Urllib3Error, OSError):
            return PushResult(PushOutcome.RETRY)
        request_id = header_value(response.headers, "x-line-request-id")
        return PushResult(PushOutcome.DELIVERED, response.status_code, request_id)


class SdkPusher(_SdkCalls):
    """A push (it costs the operator): only where a reply token can no longer do."""

    def __init__(self, base_url: str, access_token: str, *, timeout_s: float = 5.0) -> None:
        super().__init__(base_url, access_token, timeout_s=timeout_s)

    def push(self, to: str, replies: list[Reply], *, retry_key: str) -> PushResult:
        request = PushMessageRequest(
            to=to, messages=[to_line_message(r) for r in replies[:MAX_MESSAGES_PER_REQUEST]]
        )
        return self._outcome(
            lambda: self._api.push_message_with_http_info(
                request, x_line_retry_key=retry_key, _request_timeout=self._timeout
            )
        )


class SdkMulticaster(_SdkCalls):
    """A broadcast's steps: one multicast to up to 500 chats, with the step's retry key."""

    def __init__(self, base_url: str, access_token: str, *, timeout_s: float = 10.0) -> None:
        super().__init__(base_url, access_token, timeout_s=timeout_s)

    def multicast(self, to: list[str], messages: list[Message], *, retry_key: str) -> PushResult:
        request = MulticastRequest.from_dict({"to": to, "messages": messages})
        return self._outcome(
            lambda: self._api.multicast_with_http_info(
                request, x_line_retry_key=retry_key, _request_timeout=self._timeout
            )
        )
