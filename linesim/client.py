"""A small synchronous client for the simulator's control API (stdlib only)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

# A sentinel so send_raw can tell "compute the signature" from "omit the header" (None).
COMPUTE = object()


class SimError(RuntimeError):
    """The control API answered with an error status."""

    def __init__(self, status: int, body: str, url: str) -> None:
        super().__init__(f"{url} -> {status}: {body}")
        self.status = status
        self.body = body


class SimClient:
    """Drive a running simulator: send webhooks, read what the bot sent, set faults."""

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        # Bypass any http_proxy in the environment: the simulator is always local.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    # -- transport ----------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: dict[str, Any] | None = None,
        timeout: float | None = None,
    ) -> Any:
        url = self.base_url + path
        if query:
            clean = {k: v for k, v in query.items() if v is not None}
            url += "?" + urllib.parse.urlencode(clean)
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with self._opener.open(req, timeout=timeout or self.timeout) as resp:
                return json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise SimError(exc.code, exc.read().decode("utf-8", "replace"), url) from None

    def _get(self, path: str, **query: Any) -> Any:
        return self._call("GET", path, query=query)

    def _post(self, path: str, body: Any, timeout: float | None = None) -> Any:
        return self._call("POST", path, body=body, timeout=timeout)

    # -- webhooks -----------------------------------------------------------------------------

    def send_text(
        self,
        text: str,
        user_id: str | None = None,
        *,
        group_id: str | None = None,
        room_id: str | None = None,
        mode: str = "active",
        timestamp: int | None = None,
    ) -> dict[str, Any]:
        """One signed text-message webhook; returns {event, status, elapsed_ms[, error]}."""
        body: dict[str, Any] = {"text": text, "mode": mode}
        for key, value in (
            ("userId", user_id),
            ("groupId", group_id),
            ("roomId", room_id),
            ("timestamp", timestamp),
        ):
            if value is not None:
                body[key] = value
        result: dict[str, Any] = self._post("/_sim/webhook/text", body)
        return result

    def send_postback(
        self,
        data: str,
        params: dict[str, str] | None = None,
        user_id: str | None = None,
        *,
        group_id: str | None = None,
        room_id: str | None = None,
    ) -> dict[str, Any]:
        """A tapped postback button; `params` {date|time|datetime} for a datetimepicker answer."""
        body: dict[str, Any] = {"data": data}
        for key, value in (
            ("params", params),
            ("userId", user_id),
            ("groupId", group_id),
            ("roomId", room_id),
        ):
            if value is not None:
                body[key] = value
        result: dict[str, Any] = self._post("/_sim/webhook/postback", body)
        return result

    def send_event(self, event: dict[str, Any]) -> dict[str, Any]:
        """Any event; missing fields are filled as LINE would."""
        result: dict[str, Any] = self._post("/_sim/webhook/event", {"event": event})
        return result

    def send_events(self, events: list[dict[str, Any]]) -> dict[str, Any]:
        """Several events in one webhook."""
        result: dict[str, Any] = self._post("/_sim/webhook/events", {"events": events})
        return result

    def send_sticker(
        self, package_id: str = "446", sticker_id: str = "1988", user_id: str | None = None
    ) -> dict[str, Any]:
        message = {
            "type": "sticker",
            "packageId": package_id,
            "stickerId": sticker_id,
            "stickerResourceType": "STATIC",
        }
        return self.send_event(
            {"type": "message", "message": message, **self._user_source(user_id)}
        )

    def send_follow(self, user_id: str | None = None, unblocked: bool = False) -> dict[str, Any]:
        return self.send_event(
            {"type": "follow", "follow": {"isUnblocked": unblocked}, **self._user_source(user_id)}
        )

    def redeliver(self, event_id: str) -> dict[str, Any]:
        """Resend a sent event with deliveryContext.isRedelivery true."""
        result: dict[str, Any] = self._post("/_sim/webhook/redeliver", {"webhookEventId": event_id})
        return result

    def send_raw(self, body: str, signature: Any = COMPUTE) -> dict[str, Any]:
        """Post raw text; signature COMPUTE (default) signs it, None omits the header."""
        payload: dict[str, Any] = {"body": body}
        if signature is not COMPUTE:
            payload["signature"] = signature
        result: dict[str, Any] = self._post("/_sim/webhook/raw", payload)
        return result

    @staticmethod
    def _user_source(user_id: str | None) -> dict[str, Any]:
        return {"source": {"type": "user", "userId": user_id}} if user_id else {}

    # -- what the bot sent --------------------------------------------------------------------

    def messages(self, since: int = 0, chat: str | None = None) -> list[dict[str, Any]]:
        """Delivered replies/pushes/multicasts after `since`."""
        answer = self._get("/_sim/messages", since=since, chat=chat)
        found: list[dict[str, Any]] = answer["messages"]
        return found

    def last_seq(self) -> int:
        """The seq of the newest delivered record: pass it as `since` to see only newer ones."""
        return int(self._get("/_sim/messages", since=1 << 62)["last_seq"])

    def wait_messages(
        self, count: int = 1, since: int = 0, chat: str | None = None, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """Block until `count` records after `since` exist or `timeout`; returns what is there."""
        answer = self._call(
            "GET",
            "/_sim/messages/wait",
            query={"since": since, "count": count, "chat": chat, "timeout": timeout},
            timeout=timeout + 10.0,
        )
        found: list[dict[str, Any]] = answer["messages"]
        return found

    def requests(self, since: int = 0) -> list[dict[str, Any]]:
        """Every LINE API request, rejected ones included."""
        found: list[dict[str, Any]] = self._get("/_sim/requests", since=since)["requests"]
        return found

    def webhooks(
        self, since: int = 0, event_type: str | None = None, chat: str | None = None
    ) -> list[dict[str, Any]]:
        """Webhooks sent to the bot {seq, events, status, elapsed_ms, sent_at_ms[, error]}."""
        answer = self._get("/_sim/webhooks", since=since, type=event_type, chat=chat)
        found: list[dict[str, Any]] = answer["webhooks"]
        return found

    def wait_webhooks(
        self,
        count: int = 1,
        since: int = 0,
        event_type: str | None = None,
        chat: str | None = None,
        timeout: float = 10.0,
    ) -> list[dict[str, Any]]:
        """Block until `count` matching webhooks after `since` were sent, or `timeout`."""
        query = {"since": since, "count": count, "type": event_type, "chat": chat}
        answer = self._call(
            "GET", "/_sim/webhooks/wait", query={**query, "timeout": timeout}, timeout=timeout + 10
        )
        found: list[dict[str, Any]] = answer["webhooks"]
        return found

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self._get("/_sim/stats")
        return result

    # -- configuration ------------------------------------------------------------------------

    def set_faults(self, **cfg: Any) -> dict[str, Any]:
        """Change the given fault options (others keep their value); returns the full config."""
        result: dict[str, Any] = self._post("/_sim/faults", cfg)
        return result

    def set_quota(self, **quota: Any) -> dict[str, Any]:
        """`limit` (None: no limit), `enforced`, `used`: the month's quota and consumption."""
        result: dict[str, Any] = self._post("/_sim/quota", quota)
        return result

    def quota(self) -> dict[str, Any]:
        result: dict[str, Any] = self._get("/_sim/quota")
        return result

    def faults(self) -> dict[str, Any]:
        result: dict[str, Any] = self._get("/_sim/faults")
        return result

    def reset(self) -> None:
        """Forget messages, requests, tokens, retry keys and users; faults back to start-up."""
        self._post("/_sim/reset", {})

    def add_user(
        self,
        user_id: str,
        display_name: str | None = None,
        language: str | None = None,
        picture_url: str | None = None,
        status_message: str | None = None,
    ) -> dict[str, Any]:
        """Register a user so GET profile knows them."""
        body = {
            "userId": user_id,
            "displayName": display_name,
            "language": language,
            "pictureUrl": picture_url,
            "statusMessage": status_message,
        }
        result: dict[str, Any] = self._post("/_sim/users", body)
        return result

    def issue_reply_tokens(self, pairs: list[tuple[str, str]]) -> int:
        """Make `(token, chat id)` pairs valid reply tokens, as if linesim had sent them."""
        body = {"tokens": [list(p) for p in pairs]}
        result: dict[str, Any] = self._post("/_sim/reply-tokens", body)
        return int(result["issued"])

    def info(self) -> dict[str, Any]:
        result: dict[str, Any] = self._get("/_sim/info")
        return result

    def ping(self, timeout: float = 1.0) -> bool:
        """True when the simulator answers."""
        try:
            self._call("GET", "/_sim/stats", timeout=timeout)
        except (OSError, SimError):
            return False
        return True
