"""GET /cal/<token>.ics, a chat's private calendar feed (bot/service/calendar_feed.py), and the
public base URL a request arrived at, for the links the bot hands out.

- 200 `text/calendar` with a weak ETag and `Cache-Control: private, max-age=300`; 304 when
  If-None-Match names the current ETag (then nothing is rendered). Either costs one Redis
  call (measured in tests/integration/test_calendar_route.py).
- 404 with an empty body for a malformed, unknown or revoked token: nothing tells them apart.
- 503 when Redis is down: a calendar app tries again later and keeps what it has.
- The token is a capability and never logged: gunicorn's access log is off, and the one line
  here carries the status, the number of events and the time only.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import urlsplit

import redis
from flask import Flask, Response, request
from redis.exceptions import RedisError

from bot.adapters.redis.calendar_feeds import CalendarFeeds
from bot.lazy import once
from bot.service.calendar_feed import serve
from bot.settings import Settings

log = logging.getLogger(__name__)

CACHE_CONTROL = "private, max-age=300"
# A host as a URL may carry it: a name or IPv4 address, or a bracketed IPv6 one, and a port.
# Anything else in Host / X-Forwarded-Host is not put into a link.
_HOST = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")
_FALLBACK_HOST = "line-reminder-bot"


def _first(header: str | None) -> str:
    """The first value of a header a chain of proxies may have appended to."""
    return (header or "").split(",", 1)[0].strip()


def public_base_url(settings: Settings) -> str:
    """`BOT_PUBLIC_URL`, else scheme://host of the current request as the client saw it (the
    platform's router terminates TLS and says so in X-Forwarded-Proto); "" if that is not a
    plausible URL. Trusting the forwarded headers is safe here: a link made from them goes
    back only to whoever sent the request (for /callback, LINE, checked by signature)."""
    if settings.public_url:
        return settings.public_url
    scheme = _first(request.headers.get("X-Forwarded-Proto")).lower() or request.scheme
    host = _first(request.headers.get("X-Forwarded-Host")) or request.host
    if scheme not in ("http", "https") or not _HOST.fullmatch(host):
        return ""
    return f"{scheme}://{host}"


def mount_calendar(app: Flask, settings: Settings, client: Callable[[], redis.Redis]) -> None:
    """Add GET /cal/<token>.ics to `app` (HEAD too, as Flask does for every GET)."""
    feeds = once(lambda: CalendarFeeds(client()))

    @app.get("/cal/<token>.ics")
    def calendar_feed(token: str) -> Response:
        started = time.perf_counter()
        host = urlsplit(public_base_url(settings)).netloc or _FALLBACK_HOST
        try:
            feed = serve(
                feeds(),
                token,
                host=host,
                default_zone=settings.tz,
                now=datetime.now(UTC),
                is_current=request.if_none_match.contains_weak,
            )
        except RedisError as exc:
            log.error("calendar feed: redis unavailable: %s", type(exc).__name__)
            return Response(b"", 503, headers={"Retry-After": "60"})
        if feed is None:
            answer = Response(b"", 404, mimetype="text/plain")
        elif feed.body is None:
            answer = Response(status=304)
        else:
            answer = Response(feed.body, 200, mimetype="text/calendar")
            answer.headers["Content-Disposition"] = 'inline; filename="reminders.ics"'
        if feed is not None:
            answer.set_etag(feed.etag, weak=True)
            answer.headers["Cache-Control"] = CACHE_CONTROL
        ms = (time.perf_counter() - started) * 1000
        events = feed.events if feed is not None else 0
        log.info("calendar feed status=%d events=%d ms=%.1f", answer.status_code, events, ms)
        return answer
