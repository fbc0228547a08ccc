"""Multicast through the SDK (validated by its MulticastRequest model): a broadcast's steps."""

from __future__ import annotations

from linebot.v3.messaging import ApiClient, MessagingApi, MulticastRequest
from linebot.v3.messaging.exceptions import ApiException
from urllib3.exceptions import HTTPError as Urllib3Error

from bot.adapters.line_api import configuration
from bot.adapters.line_push import Message, PushOutcome, PushResult, classify_error, header_value


class SdkMulticaster:
    def __init__(self, base_url: str, access_token: str, *, timeout_s: float = 10.0) -> None:
        self._api = MessagingApi(ApiClient(configuration(base_url, access_token)))
        self._timeout = (min(timeout_s, 2.0), timeout_s)

    def multicast(self, to: list[str], messages: list[Message], *, retry_key: str) -> PushResult:
        request = MulticastRequest.from_dict({"to": to, "messages": messages})
        try:
            response = self._api.multicast_with_http_info(
                request, x_line_retry_key=retry_key, _request_timeout=self._timeout
            )
        except ApiException as exc:
            return classify_error(exc.status, exc.headers, exc.body)
        except (Urllib3Error, OSError):
            return PushResult(PushOutcome.RETRY)
        request_id = header_value(response.headers, "x-line-request-id")
        return PushResult(PushOutcome.DELIVERED, response.status_code, request_id)
