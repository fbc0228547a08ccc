"""The push path's HTTP pool against a raw TCP server that answers exactly as told."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.adapters.line.http_pool import HttpError, HttpPool

REQUEST = b"POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Line-Request-Id: r1\r\n\r\n{}"

Answer = Callable[[int], bytes | None]  # request number → bytes to send (None: close)


async def _serve(answer: Answer) -> tuple[asyncio.Server, list[int]]:
    """A server whose answer to the n-th request overall is `answer(n)`; returns the
    server and a list recording how many requests each connection carried."""
    counter = [0]
    per_connection: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        index = len(per_connection)
        per_connection.append(0)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
                await reader.readexactly(length)
                counter[0] += 1
                per_connection[index] += 1
                reply = answer(counter[0])
                if reply is None:
                    break
                writer.write(reply)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, per_connection


def _pool(server: asyncio.Server, timeout_s: float = 2.0) -> HttpPool:
    port = server.sockets[0].getsockname()[1]
    return HttpPool(f"http://127.0.0.1:{port}", size=4, timeout_s=timeout_s)


def test_keep_alive_reuses_one_connection() -> None:
    async def run() -> list[int]:
        server, per_connection = await _serve(lambda n: OK)
        pool = _pool(server)
        for _ in range(5):
            response = await pool.send(REQUEST)
            assert (response.status, response.body) == (200, b"{}")
            assert response.headers["x-line-request-id"] == "r1"
        pool.close()
        server.close()
        return per_connection

    assert asyncio.run(run()) == [5]


def test_chunked_body_and_connection_close() -> None:
    chunked = (
        b"HTTP/1.1 409 Conflict\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        b'5\r\n{"a":\r\n2\r\n1}\r\n0\r\n\r\n'
    )

    async def run() -> list[int]:
        server, per_connection = await _serve(lambda n: chunked)
        pool = _pool(server)
        first = await pool.send(REQUEST)
        second = await pool.send(REQUEST)
        assert (first.status, first.body, first.keep_alive) == (409, b'{"a":1}', False)
        assert second.status == 409
        pool.close()
        server.close()
        return per_connection

    assert asyncio.run(run()) == [1, 1]  # "Connection: close" is honoured


def test_a_stale_keep_alive_connection_is_replaced_without_an_error() -> None:
    async def run() -> list[int]:
        # The server closes the kept-alive connection when the second request arrives, without
        # answering (as one whose idle timeout just ran out would).
        server, per_connection = await _serve(lambda n: None if n == 2 else OK)
        pool = _pool(server)
        assert (await pool.send(REQUEST)).status == 200
        assert (await pool.send(REQUEST)).status == 200  # sent again on a fresh connection
        pool.close()
        server.close()
        return per_connection

    assert asyncio.run(run()) == [2, 1]


@pytest.mark.parametrize("reply", [b"NOT HTTP AT ALL\r\n\r\n", b"HTTP/1.1 200 OK\r\nContent-Le"])
def test_garbage_or_a_cut_answer_is_an_error_not_a_hang(reply: bytes) -> None:
    async def run() -> None:
        server, _ = await _serve(lambda n: reply if n == 1 else None)
        pool = _pool(server, timeout_s=1.0)
        with pytest.raises((HttpError, TimeoutError)):
            await pool.send(REQUEST)
        pool.close()
        server.close()

    asyncio.run(run())


def test_timeout_closes_the_connection() -> None:
    async def run() -> list[int]:
        never: Answer = lambda n: b"" if n == 1 else OK  # noqa: E731 - first request hangs
        server, per_connection = await _serve(never)
        pool = _pool(server, timeout_s=0.2)
        with pytest.raises(TimeoutError):
            await pool.send(REQUEST)
        assert (await pool.send(REQUEST)).status == 200  # on a fresh connection
        pool.close()
        server.close()
        return per_connection

    assert asyncio.run(run()) == [1, 1]


def test_nothing_listening_is_an_http_error() -> None:
    async def run() -> None:
        server, _ = await _serve(lambda n: OK)
        pool = _pool(server)
        server.close()
        await server.wait_closed()
        with pytest.raises(HttpError):
            await pool.send(REQUEST)

    asyncio.run(run())


def test_https_verifies_the_server_and_keeps_the_connection(tmp_path: Path) -> None:
    """The production path (https://api.line.me): TLS with hostname verification."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)

    async def run() -> tuple[int, int, list[int]]:
        counter: list[int] = []

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            counter.append(0)
            try:
                while True:
                    await reader.readuntil(b"\r\n\r\n")
                    await reader.readexactly(2)
                    counter[-1] += 1
                    writer.write(OK)
                    await writer.drain()
            except (asyncio.IncompleteReadError, ConnectionError):
                writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server_tls)
        port = server.sockets[0].getsockname()[1]
        trusted = ssl.create_default_context(cafile=str(cert))
        pool = HttpPool(f"https://localhost:{port}", size=2, timeout_s=5, ssl_context=trusted)
        first, second = await pool.send(REQUEST), await pool.send(REQUEST)
        untrusted = HttpPool(f"https://localhost:{port}", size=1, timeout_s=5)
        with pytest.raises(HttpError):  # a certificate nobody vouches for is refused
            await untrusted.send(REQUEST)
        pool.close()
        server.close()
        return first.status, second.status, counter

    first, second, per_connection = asyncio.run(run())
    assert (first, second) == (200, 200)
    assert per_connection[0] == 2
