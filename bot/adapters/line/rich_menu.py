"""Rich menu calls of the Messaging API (line-bot-sdk v3): list, create, image, default, delete."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    MessageAction,
    MessagingApi,
    MessagingApiBlob,
    RichMenuArea,
    RichMenuBounds,
    RichMenuRequest,
    RichMenuSize,
)
from linebot.v3.messaging.exceptions import ApiException
from urllib3.exceptions import HTTPError as Urllib3Error

from bot.domain.rich_menu_layout import CHAT_BAR_TEXT, HEIGHT, MENU_NAME, PANELS, WIDTH, Panel

LINE_API = "https://api.line.me"
LINE_API_DATA = "https://api-data.line.me"  # where real LINE takes and serves images

__all__ = [
    "TRANSPORT_ERRORS",
    "ApiException",
    "RichMenuClient",
    "build_request",
    "data_host",
    "describe_error",
]
# LINE did not answer (a timeout, a refused connection): the command says so and stops.
TRANSPORT_ERRORS = (Urllib3Error, OSError)


def build_request(panels: Sequence[Panel] = PANELS) -> RichMenuRequest:
    """The menu as the SDK's model: one message action per panel."""
    return RichMenuRequest(
        size=RichMenuSize(width=WIDTH, height=HEIGHT),
        selected=True,
        name=MENU_NAME,
        chat_bar_text=CHAT_BAR_TEXT,
        areas=[
            RichMenuArea(
                bounds=RichMenuBounds(
                    x=p.bounds.x, y=p.bounds.y, width=p.bounds.width, height=p.bounds.height
                ),
                action=MessageAction(label=p.label, text=p.text),
            )
            for p in panels
        ],
    )


def data_host(base_url: str) -> str:
    """api.line.me's images live on api-data.line.me; any other base URL (the simulator,
    a proxy) serves both, as the SDK does once `Configuration(host=...)` is set."""
    return LINE_API_DATA if base_url.rstrip("/") == LINE_API else base_url.rstrip("/")


class RichMenuClient:
    def __init__(self, base_url: str, access_token: str, *, timeout_s: float = 10.0) -> None:
        base = base_url.rstrip("/")
        self._clients = [
            ApiClient(Configuration(host=base, access_token=access_token)),
            ApiClient(Configuration(host=data_host(base), access_token=access_token)),
        ]
        self._api = MessagingApi(self._clients[0])
        self._blob = MessagingApiBlob(self._clients[1])
        self._timeout = (min(timeout_s, 5.0), timeout_s)

    def close(self) -> None:
        for client in self._clients:
            client.close()

    def __enter__(self) -> RichMenuClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def menus(self) -> list[dict[str, Any]]:
        """Every rich menu of the channel, in LINE's JSON (camelCase, with richMenuId)."""
        listed = self._api.get_rich_menu_list(_request_timeout=self._timeout)
        return [menu.to_dict() for menu in listed.richmenus]

    def default_id(self) -> str | None:
        try:
            answer = self._api.get_default_rich_menu_id(_request_timeout=self._timeout)
        except ApiException as exc:
            if exc.status == 404:  # no default menu set
                return None
            raise
        return str(answer.rich_menu_id)

    def create(self, request: RichMenuRequest) -> str:
        answer = self._api.create_rich_menu(request, _request_timeout=self._timeout)
        return str(answer.rich_menu_id)

    def upload_image(self, menu_id: str, image: bytes, content_type: str) -> None:
        self._blob.set_rich_menu_image(
            menu_id,
            body=bytearray(image),
            _headers={"Content-Type": content_type},
            _request_timeout=(self._timeout[0], max(self._timeout[1], 30.0)),
        )

    def set_default(self, menu_id: str) -> None:
        self._api.set_default_rich_menu(menu_id, _request_timeout=self._timeout)

    def delete(self, menu_id: str) -> None:
        try:
            self._api.delete_rich_menu(menu_id, _request_timeout=self._timeout)
        except ApiException as exc:
            if exc.status != 404:  # already gone: what we wanted
                raise


def describe_error(exc: ApiException) -> str:
    """One line: the status and LINE's message (never headers, which carry no secret but noise)."""
    message = ""
    body: Any = exc.body
    if isinstance(body, (bytes, bytearray)):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str):
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        if isinstance(parsed, Mapping):
            message = str(parsed.get("message", ""))
    return f"{exc.status} {message}".strip()
