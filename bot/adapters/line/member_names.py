"""Group and room members' display names, for the reply to a card tapped there ("✓ 完了: 花子").

The web process asks while answering a webhook, so this stays cheap: one Redis GET, and only
on a miss one call to LINE's member profile endpoint (`GET /v2/bot/group/{groupId}/member/
{userId}`, rooms `/v2/bot/room/{roomId}/member/{userId}`), bounded by a short timeout and never
retried. A name is kept a day (keys.MEMBER_NAME_TTL_S), an unknown member (404) an hour; a
failure (timeout, 5xx, 429, Redis down) is not kept and answers None: the reply goes out
without the name rather than late.
"""

from __future__ import annotations

import contextlib
import json
import logging
from urllib.parse import quote

import redis
import urllib3

from bot.adapters.redis import keys

log = logging.getLogger(__name__)

NAME_TIMEOUT_S = 0.8  # the whole call; the reply waits for it
MAX_NAME_CHARS = 40  # a display name is at most 20; what a reply repeats stays short


def member_path(chat_id: str, user_id: str) -> str | None:
    """The member profile path of a group (C…) or room (R…) member; None for a 1:1 chat."""
    kind = {"C": "group", "R": "room"}.get(chat_id[:1])
    if kind is None or not user_id:
        return None
    return f"/v2/bot/{kind}/{quote(chat_id, safe='')}/member/{quote(user_id, safe='')}"


class MemberNames:
    """bot.service.context.MemberNames on Redis and LINE."""

    def __init__(
        self,
        client: redis.Redis,
        base_url: str,
        access_token: str,
        *,
        timeout_s: float = NAME_TIMEOUT_S,
        http: urllib3.PoolManager | None = None,
    ) -> None:
        self._redis = client
        self._base = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {access_token}"}
        self._timeout = urllib3.Timeout(total=timeout_s)
        self._http = http or urllib3.PoolManager(num_pools=2, maxsize=4)

    def name_of(self, chat_id: str, user_id: str) -> str | None:
        path = member_path(chat_id, user_id)
        if path is None:
            return None
        key = keys.member_name_key(chat_id, user_id)
        try:
            cached = self._redis.get(key)
        except redis.RedisError:
            return None
        if cached is not None:
            name = cached.decode() if isinstance(cached, bytes) else str(cached)
            return name or None
        name, ttl_s = self._fetch(path)
        if ttl_s:
            with contextlib.suppress(redis.RedisError):
                self._redis.set(key, name, ex=ttl_s)
        return name or None

    def _fetch(self, path: str) -> tuple[str, int]:
        """(name, how long to keep it); (…, 0) when LINE did not answer for sure."""
        try:
            response = self._http.request(
                "GET",
                self._base + path,
                headers=self._headers,
                timeout=self._timeout,
                retries=False,
                preload_content=True,
            )
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            log.info("member name unavailable: %s", type(exc).__name__)
            return "", 0
        if response.status == 404:
            return "", keys.MEMBER_UNKNOWN_TTL_S
        if response.status != 200:
            log.info("member name unavailable: status=%s", response.status)
            return "", 0
        try:
            name = json.loads(response.data).get("displayName")
        except (ValueError, AttributeError):
            return "", 0
        if not isinstance(name, str):
            return "", keys.MEMBER_UNKNOWN_TTL_S
        return " ".join(name.split())[:MAX_NAME_CHARS], keys.MEMBER_NAME_TTL_S
