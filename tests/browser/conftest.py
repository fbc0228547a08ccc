"""Browser tests: Playwright driving Debian's chromium against the chat page.

Playwright's own browser download cannot work here, so the tests launch the system chromium
(`/usr/bin/chromium`, or LINESIM_CHROMIUM). Without it, or without the playwright package, every
test here is skipped for one stated reason, shown once in pytest's summary.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from localdev.stack import Stack
from tests.e2e.support import E2E_ENV, drop_timers, new_user_id

CHROMIUM = os.environ.get("LINESIM_CHROMIUM", "/usr/bin/chromium")
# Set to a folder (e.g. docs) to keep the screenshots the tests take; else they go to tmp.
SCREENSHOT_DIR = os.environ.get("LINESIM_SCREENSHOT_DIR")
VIEWPORT = {"width": 420, "height": 760}


def _skip_reason() -> str | None:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"browser tests skipped: no chromium at {CHROMIUM}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "browser tests skipped: the playwright package is not installed"
    return None


SKIP_REASON = _skip_reason()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark these tests `browser` (`-m "not browser"` leaves them out); skip them all when
    there is no browser to drive."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)
            if SKIP_REASON is not None:
                item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(
            executable_path=CHROMIUM,
            # Root in CI containers: chromium's sandbox needs user namespaces it may not have.
            args=["--no-sandbox", "--disable-dev-shm-usage"],
        )
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport=VIEWPORT, locale="ja-JP", timezone_id="Asia/Tokyo")
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Redis, the simulator and the three Procfile processes, as in tests/e2e."""
    running = Stack(E2E_ENV, log_dir=tmp_path_factory.mktemp("stack")).start()
    yield running
    running.stop()


@pytest.fixture
def user(stack: Stack) -> Iterator[str]:
    """A fresh chat; its reminders are dropped afterwards so none fires in a later test."""
    chat = new_user_id()
    yield chat
    with stack.redis_client() as client:
        drop_timers(client, chat)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where a test saves its screenshots."""
    if SCREENSHOT_DIR:
        path = Path(SCREENSHOT_DIR)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed test that used the stack gets its processes' logs in the report."""
    report = yield
    if report.skipped and SKIP_REASON is not None and isinstance(report.longrepr, tuple):
        # One place for all of them, so pytest's summary says it once: "SKIPPED [8] ...".
        report.longrepr = (__file__, 0, f"Skipped: {SKIP_REASON}")
    if report.failed:
        running = getattr(item, "funcargs", {}).get("stack")
        if isinstance(running, Stack):
            report.sections.append(("stack logs", running.logs()))
    return report
