"""linesim's push-only mode (the benches' fake) answers a push as the full simulator does:
200 with a request id, 409 with the accepted request id for a retry key it already took, 429
past its sliding window — so a bench measures what the tests check."""

from __future__ import annotations

import asyncio
import json

from aiohttp.test_utils import TestClient, TestServer

from linesim.push_only import make_app

BODY = json.dumps({"to": "U" + "1" * 32, "messages": [{"type": "text", "text": "x"}]})


async def _pushes(rate: float, keys: list[str]) -> list[tuple[int, dict[str, str], str]]:
    client = TestClient(TestServer(make_app(latency_ms=0, rate=rate)))
    await client.start_server()
    try:
        out = []
        for key in keys:
            response = await client.post(
                "/v2/bot/message/push",
                data=BODY,
                headers={"X-Line-Retry-Key": key, "Content-Type": "application/json"},
            )
            headers = {k.lower(): v for k, v in response.headers.items()}
            out.append((response.status, headers, await response.text()))
        return out
    finally:
        await client.close()


def test_a_repeated_retry_key_is_409_with_the_accepted_request_id() -> None:
    first, again = asyncio.run(_pushes(0, ["k-1", "k-1"]))
    assert first[0] == 200
    assert again[0] == 409
    assert again[1]["x-line-accepted-request-id"] == first[1]["x-line-request-id"]
    assert json.loads(again[2]) == {"message": "The retry key is already accepted"}


def test_past_the_sliding_window_is_429() -> None:
    answers = asyncio.run(_pushes(3, [f"k-{i}" for i in range(5)]))
    assert [status for status, _, _ in answers] == [200, 200, 200, 429, 429]
