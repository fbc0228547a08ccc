"""The unit tier runs in-process with no Redis at all: asking for the suite's redis-server
here is a mistake the tier reports, not a server it starts (use the fakes in
bot/adapters/memory)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def redis_server() -> None:
    pytest.fail("tests/unit runs without Redis: use the in-memory fakes (bot/adapters/memory)")
