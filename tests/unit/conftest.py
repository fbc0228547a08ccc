"""The unit tier runs in-process with no Redis at all: asking for the suite's redis-server
here is a mistake the tier reports, not a server it starts (use the fakes in
bot/adapters/memory)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def redis_server() -> Iterator[None]:
    pytest.fail("tests/unit runs without Redis: use the in-memory fakes (bot/adapters/memory)")
    yield None
