"""A small keep-alive HTTP/1.1 client pool for the push hot path.

aiohttp spent ~250 µs of CPU per push building and parsing requests (py-spy: over half of
the timer worker's CPU at LINE's full push rate). LINE's push is one shape of request, so the
request is a pre-built byte string and the answer is parsed by httptools (llhttp, the parser
uvicorn uses): chunked bodies, keep-alive and malformed answers are its job, not ours.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass, field
from typing import cast
from urllib.parse import urlsplit

import httptools

# A connection idle longer than this may have been closed by the server: don't reuse it.
IDLE_CLOSE_S = 15.0


class HttpError(OSError):
    """The connection failed or the answer could not be read."""


@dataclass(slots=True)
class HttpResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    keep_alive: bool = True


class _Connection(asyncio.Protocol):
    """One socket, one request at a time, parsed as the bytes arrive."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.last_used = time.monotonic()
        self.got_bytes = False
        self._parser = httptools.HttpResponseParser(self)
        self._waiter: asyncio.Future[HttpResponse] | None = None
        self._response = HttpResponse(0)
        self._body: list[bytes] = []

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        self.got_bytes = True
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(HttpError(f"unreadable answer: {exc}"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(HttpError("connection closed"))

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self._response.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        self._response.status = self._parser.get_status_code()

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        self._response.body = b"".join(self._body)
        self._response.keep_alive = self._parser.should_keep_alive()
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(self._response)

    async def request(self, raw: bytes) -> HttpResponse:
        if self.transport is None or self.closed:
            raise HttpError("connection closed")
        self._response, self._body, self.got_bytes = HttpResponse(0), [], False
        self._waiter = asyncio.get_running_loop().create_future()
        self.transport.write(raw)
        try:
            return await self._waiter
        finally:
            self._waiter = None
            self.last_used = time.monotonic()

    def _fail(self, exc: Exception) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(exc)

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class HttpPool:
    """Up to `size` keep-alive connections to one origin."""

    def __init__(
        self,
        base_url: str,
        *,
        size: int,
        timeout_s: float,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        url = urlsplit(base_url)
        self.host = url.hostname or "localhost"
        secure = url.scheme == "https"
        self.port = url.port or (443 if secure else 80)
        default_port = self.port == (443 if secure else 80)
        self.authority = self.host if default_port else f"{self.host}:{self.port}"
        self._ssl = (ssl_context or ssl.create_default_context()) if secure else None
        self._size = size
        self._timeout_s = timeout_s
        self._idle: list[_Connection] = []
        self._slots: asyncio.Semaphore | None = None

    async def send(self, raw: bytes) -> HttpResponse:
        """Send one complete request; raise HttpError or TimeoutError when it fails."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self._size)
        async with self._slots, asyncio.timeout(self._timeout_s):
            reused = self._take_idle()
            if reused is not None:
                try:
                    return self._keep(reused, await reused.request(raw))
                except HttpError:
                    reused.close()
                    if reused.got_bytes:
                        raise
                    # The server had closed the idle socket before answering: send it again on
                    # a fresh one (the only caller's requests carry a retry key: repeats are safe).
                except BaseException:
                    reused.close()
                    raise
            connection = await self._connect()
            try:
                return self._keep(connection, await connection.request(raw))
            except BaseException:
                connection.close()
                raise

    def _take_idle(self) -> _Connection | None:
        while self._idle:
            connection = self._idle.pop()
            if not connection.closed and time.monotonic() - connection.last_used < IDLE_CLOSE_S:
                return connection
            connection.close()
        return None

    def _keep(self, connection: _Connection, response: HttpResponse) -> HttpResponse:
        if response.keep_alive and not connection.closed:
            self._idle.append(connection)
        else:
            connection.close()
        return response

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            _, protocol = await loop.create_connection(
                _Connection,
                self.host,
                self.port,
                ssl=self._ssl,
                server_hostname=self.host if self._ssl else None,
            )
        except OSError as exc:
            raise HttpError(f"cannot connect: {exc.strerror or exc}") from exc
        return protocol

    def close(self) -> None:
        for connection in self._idle:
            connection.close()
        self._idle.clear()
