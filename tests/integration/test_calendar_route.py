"""GET /cal/<token>.ics through the Flask app, on a real redis-server: the URL a signed
webhook's カレンダー answers with, the calendar it serves (parsed back with icalendar), 304 on
a matching ETag, 404 after revoking — and one Redis command per request (INFO commandstats)."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
import redis
from flask.testing import FlaskClient
from icalendar import Calendar
from redis.backoff import NoBackoff
from redis.retry import Retry

from bot.adapters.redis.calendar_feeds import CalendarFeeds
from bot.adapters.redis.reminder_store import ReminderStore
from bot.entrypoints.web import WebServices, create_app
from bot.service.webhook_events import EventContext
from bot.settings import Settings
from linesim import ids
from localdev.redis_server import free_port
from tests.integration.handler_support import USER, NoJobs, RecordingReplier

SECRET = "calendar-route-secret"
PROXY = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "bot.example.com"}
FEED_URL = re.compile(r"(https?://[^/\s]+)(/cal/([A-Za-z0-9_-]{43})\.ics)")


class Bot:
    """The web app with in-process services, and what it replied."""

    def __init__(self, client: redis.Redis, redis_url: str, **settings: Any) -> None:
        self.settings = Settings(SECRET, "token", redis_url, **settings)
        self.replies = RecordingReplier()
        context = EventContext(
            self.settings,
            ReminderStore(client),
            self.replies,
            NoJobs(),
            calendars=CalendarFeeds(client),
        )
        services = WebServices(client, context)
        self.http: FlaskClient = create_app(self.settings, lambda: services).test_client()

    def say(self, text: str, headers: dict[str, str] | None = None, chat: str = USER) -> str:
        now = int(time.time() * 1000)
        event = {
            "type": "message",
            "mode": "active",
            "timestamp": now,
            "source": {"type": "user", "userId": chat},
            "webhookEventId": ids.ulid(now),
            "deliveryContext": {"isRedelivery": False},
            "replyToken": f"reply-{ids.ulid(now)}",
            "message": {"id": "1", "type": "text", "quoteToken": "q", "text": text},
        }
        body = json.dumps({"destination": "U" + "b" * 32, "events": [event]}).encode()
        signed = {"X-Line-Signature": ids.sign(SECRET, body), **(headers or {})}
        assert self.http.post("/callback", data=body, headers=signed).status_code == 200
        return self.replies.last

    def feed_url(self, headers: dict[str, str] | None = None) -> tuple[str, str]:
        """(base, path) of the URL カレンダー answers with."""
        found = FEED_URL.search(self.say("カレンダー", headers))
        assert found, self.replies.last
        return found.group(1), found.group(2)


@pytest.fixture
def bot(redis_client: redis.Redis, redis_url: str) -> Bot:
    return Bot(redis_client, redis_url)


# What one feed request costs, 200 or 304 alike: one round trip (EVALSHA), inside which the
# token's chat (GETEX, renewing its TTL), the renewal of the chat's pointer, the chat's hash.
ONE_FEED_READ = {"evalsha": 1, "getex": 1, "expire": 1, "hgetall": 1}


def commands_during(client: redis.Redis, action: Callable[[], Any]) -> tuple[Any, dict[str, int]]:
    """What `action` returned and the Redis commands it made, by name (INFO commandstats
    counts the commands a script runs too; INFO's own are left out)."""

    def calls() -> dict[str, int]:
        stats = client.info("commandstats")
        return {k.removeprefix("cmdstat_"): int(v["calls"]) for k, v in stats.items()}

    before = calls()
    result = action()
    after = calls()
    made = {name: n - before.get(name, 0) for name, n in after.items() if name != "info"}
    return result, {name: n for name, n in made.items() if n}


def parse(body: bytes) -> Calendar:
    calendar = Calendar.from_ical(body)
    assert isinstance(calendar, Calendar)
    return calendar


def test_the_url_is_on_the_base_the_webhook_arrived_at(bot: Bot) -> None:
    assert bot.feed_url(PROXY)[0] == "https://bot.example.com"
    assert bot.feed_url()[0] == "http://localhost"  # the test client's Host, no proxy
    spoofed = {"X-Forwarded-Host": "evil.example/x?", "X-Forwarded-Proto": "https"}
    assert "BOT_PUBLIC_URL" in bot.say("カレンダー", spoofed)  # not a host: no link


def test_bot_public_url_wins_over_the_request(redis_client: redis.Redis, redis_url: str) -> None:
    bot = Bot(redis_client, redis_url, public_url="https://cal.example.org")
    base, path = bot.feed_url(PROXY)
    assert base == "https://cal.example.org"
    calendar = parse(bot.http.get(path).data)
    bot.say("明日の朝7時 ゴミ出し")
    calendar = parse(bot.http.get(path).data)
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]).endswith("@cal.example.org")


def test_the_feed_serves_the_chat_reminders_in_its_zone(bot: Bot) -> None:
    bot.say("タイムゾーン America/New_York")
    bot.say("毎日 7:30 起きる")
    bot.say("明日の朝7時 ゴミ出し")
    _, path = bot.feed_url(PROXY)
    answer = bot.http.get(path, headers=PROXY)
    assert answer.status_code == 200
    assert answer.mimetype == "text/calendar"
    assert answer.mimetype_params == {"charset": "utf-8"}
    assert answer.headers["Cache-Control"] == "private, max-age=300"
    assert answer.headers["ETag"].startswith('W/"')
    calendar = parse(answer.data)
    assert str(calendar["X-WR-TIMEZONE"]) == "America/New_York"
    assert [str(z["TZID"]) for z in calendar.walk("VTIMEZONE")] == ["America/New_York"]
    events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"起きる", "ゴミ出し"}
    daily = events["起きる"]
    assert daily["DTSTART"].params["TZID"] == "America/New_York"
    assert (daily.decoded("DTSTART").hour, daily.decoded("DTSTART").minute) == (7, 30)
    rule: Any = daily["RRULE"]  # a vRecur (icalendar types a property as a wide union)
    assert rule["FREQ"] == ["DAILY"]
    assert "RRULE" not in events["ゴミ出し"]
    for event in events.values():
        assert str(event["UID"]).endswith("@bot.example.com")
        assert [str(a["ACTION"]) for a in event.walk("VALARM")] == ["DISPLAY"]


def test_a_matching_etag_is_304_and_a_change_makes_a_new_one(
    bot: Bot, redis_client: redis.Redis
) -> None:
    bot.say("毎日 7:30 起きる")
    _, path = bot.feed_url()
    first, commands = commands_during(redis_client, lambda: bot.http.get(path))
    tag = first.headers["ETag"]
    again, commands_200 = commands_during(redis_client, lambda: bot.http.get(path))
    assert again.status_code == 200
    assert again.headers["ETag"] == tag  # the same content: DTSTAMP alone does not count
    cached, commands_304 = commands_during(
        redis_client, lambda: bot.http.get(path, headers={"If-None-Match": tag})
    )
    assert cached.status_code == 304
    assert cached.data == b""
    assert cached.headers["ETag"] == tag
    assert cached.headers["Cache-Control"] == "private, max-age=300"
    # One call per request, whether rendered or not (the first also loaded the script).
    assert commands_200 == commands_304 == ONE_FEED_READ, commands
    bot.say("明日の朝7時 ゴミ出し")
    changed = bot.http.get(path, headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != tag
    assert len(parse(changed.data).walk("VEVENT")) == 2


def test_a_revoked_replaced_or_unknown_token_is_404_with_no_detail(
    bot: Bot, redis_client: redis.Redis
) -> None:
    _, old = bot.feed_url()
    _, current = bot.feed_url()
    assert bot.http.get(current).status_code == 200
    assert bot.http.get(old).status_code == 404
    assert "無効にしました" in bot.say("カレンダー 削除")
    gone, commands = commands_during(redis_client, lambda: bot.http.get(current))
    assert (gone.status_code, gone.data) == (404, b"")
    assert commands == {"evalsha": 1, "getex": 1}
    assert "ETag" not in gone.headers
    for malformed in ("/cal/short.ics", "/cal/" + "a" * 44 + ".ics", "/cal/" + "*" * 43 + ".ics"):
        answer, commands = commands_during(redis_client, partial(bot.http.get, malformed))
        assert (answer.status_code, answer.data, commands) == (404, b"", {})


def test_the_token_is_never_logged(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    _, path = bot.feed_url()
    bot.http.get(path)
    bot.say("カレンダー 削除")
    bot.http.get(path)
    token = path.removeprefix("/cal/").removesuffix(".ics")
    assert "calendar feed status=200 events=0" in caplog.text
    assert "calendar feed status=404" in caplog.text
    assert token not in caplog.text


def test_redis_down_is_503(redis_url: str) -> None:
    dead = redis.Redis(port=free_port(), retry=Retry(NoBackoff(), 0))  # refused at once
    bot = Bot(dead, redis_url)
    answer = bot.http.get("/cal/" + "a" * 43 + ".ics")
    assert answer.status_code == 503
    assert answer.data == b""
