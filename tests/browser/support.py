"""Helpers for the browser tests: pushing as the bot would, and reading the chat page."""

from __future__ import annotations

import json
import struct
import urllib.request
import zlib
from typing import Any

from bot.adapters.redis import keys
from localdev.stack import Stack

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def line_call(base: str, token: str, method: str, path: str, body: Any = None) -> Any:
    """A Messaging API call with the channel's bearer token, as the bot makes it."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Authorization", f"Bearer {token}")
    req.add_header("Content-Type", "application/json")
    with _NO_PROXY.open(req, timeout=10) as resp:
        return json.loads(resp.read() or b"null")


def push(base: str, token: str, to: str, *messages: dict[str, Any]) -> Any:
    return line_call(base, token, "POST", "/v2/bot/message/push", {"to": to, "messages": messages})


def open_chat(page: Any, base: str, chat: str, speaker: str | None = None) -> None:
    """Load the chat page on one chat and wait until its history is shown."""
    query = f"?chat={chat}" + (f"&speaker={speaker}" if speaker else "")
    page.goto(base + "/" + query)
    page.wait_for_selector("body[data-ready='1']")


def transcript(page: Any, chat: str) -> Any:
    return page.locator(f".transcript[data-chat='{chat}']")


def bot_rows(page: Any, chat: str, kind: str | None = None) -> Any:
    selector = ".row.bot" + (f"[data-kind='{kind}']" if kind else "")
    return transcript(page, chat).locator(selector)


def say(page: Any, text: str) -> None:
    page.fill("#text", text)
    page.press("#text", "Enter")


def wait_count(locator: Any, count: int, timeout: float = 10.0) -> None:
    """Until `locator` matches at least `count` elements."""
    locator.nth(count - 1).wait_for(state="attached", timeout=timeout * 1000)


def upload(base: str, token: str, path: str, data: bytes, content_type: str) -> Any:
    req = urllib.request.Request(base + path, data=data, method="POST")
    req.add_header("Authorization", f"Bearer {token}")
    req.add_header("Content-Type", content_type)
    with _NO_PROXY.open(req, timeout=10) as resp:
        return json.loads(resp.read() or b"null")


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-colour PNG, for a rich menu image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height, 9))
        + chunk(b"IEND", b"")
    )


def due_ms(stack: Stack, chat: str) -> list[int]:
    """When the chat's pending reminders are due (their scores in the due set), soonest first."""
    with stack.redis_client() as client:
        entries = client.zrange(keys.REMINDERS_DUE, 0, -1, withscores=True)
    return [int(score) for member, score in entries if member.decode().startswith(f"{chat}:")]
