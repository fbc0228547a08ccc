"""The calendar feed end to end: a user sets reminders, asks for カレンダー, and a calendar app
fetches the URL from the reply (from the running web process, through gunicorn)."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from typing import Any

import pytest
import redis
from icalendar import Calendar

from bot.adapters.redis import keys
from localdev.stack import Stack
from tests.e2e.support import new_user_id, text_of, wait_one

pytestmark = pytest.mark.e2e

FEED_URL = re.compile(r"http://[^/\s]+/cal/[A-Za-z0-9_-]{43}\.ics")


def fetch(url: str, etag: str = "") -> tuple[int, bytes, str]:
    """(status, body, ETag) of a GET, as a calendar app polling with If-None-Match makes it."""
    request = urllib.request.Request(url, headers={"If-None-Match": etag} if etag else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, answer.read(), answer.headers.get("ETag", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers.get("ETag", "")


def test_a_reminder_set_in_line_is_in_the_calendar_feed_until_revoked(
    stack: Stack, redis_conn: redis.Redis
) -> None:
    sim, user = stack.sim, new_user_id()
    since = sim.last_seq()
    sim.send_text("毎日 7:30 起きる", user_id=user)
    confirmation = wait_one(sim, since, user, timeout=2.0)
    sim.send_text("カレンダー", user_id=user)
    reply = wait_one(sim, confirmation["seq"], user, timeout=2.0)
    found = FEED_URL.search(text_of(reply))
    assert found, text_of(reply)
    url = found.group(0)

    status, body, etag = fetch(url)
    assert status == 200
    calendar = Calendar.from_ical(body)
    assert isinstance(calendar, Calendar)
    assert str(calendar["X-WR-TIMEZONE"]) == "Asia/Tokyo"  # the stack's BOT_TIMEZONE
    assert [str(z["TZID"]) for z in calendar.walk("VTIMEZONE")] == ["Asia/Tokyo"]
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "起きる"
    rule: Any = event["RRULE"]  # a vRecur (icalendar types a property as a wide union)
    assert (rule["FREQ"], rule["BYHOUR"], rule["BYMINUTE"]) == (["DAILY"], [7], [30])
    start = event.decoded("DTSTART")
    assert (start.hour, start.minute, str(start.tzinfo)) == (7, 30, "Asia/Tokyo")
    assert fetch(url, etag)[0] == 304

    sim.send_text("カレンダー 削除", user_id=user)
    wait_one(sim, reply["seq"], user, timeout=2.0)
    assert fetch(url)[:2] == (404, b"")
    sim.send_event({"type": "unfollow", "source": {"type": "user", "userId": user}})
    assert not redis_conn.exists(keys.chat_key(user), keys.cal_chat_key(user))
