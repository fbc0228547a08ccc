"""The running stack for the end-to-end tests, and its logs attached to every failure."""

from __future__ import annotations

from collections.abc import Generator, Iterator

import pytest
import redis

from localdev.stack import Stack
from tests.e2e.support import E2E_ENV


# Package scope: stopped once the e2e tests are done, so it idles through no other test.
@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Redis, the simulator and all three Procfile processes, shared by the e2e modules that
    leave them as they found them."""
    running = Stack(E2E_ENV, log_dir=tmp_path_factory.mktemp("stack")).start()
    yield running
    running.stop()


@pytest.fixture
def redis_conn(stack: Stack) -> Iterator[redis.Redis]:
    client = stack.redis_client()
    yield client
    client.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed:
        for value in getattr(item, "funcargs", {}).values():
            if isinstance(value, Stack):
                report.sections.append(("stack logs", value.logs()))
    return report
