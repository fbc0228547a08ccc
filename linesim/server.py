"""The aiohttp application and the process main loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import AsyncIterator, Coroutine
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from linesim import control, lineapi, richmenu, validation
from linesim.config import SimConfig
from linesim.core import Simulator
from linesim.lineapi import SIM_KEY

log = logging.getLogger("linesim")
PRUNE_EVERY_S = 10.0
# Room for LINE's 2 MB limit to be checked by the handler, which answers 413 in LINE's shape.
CLIENT_MAX_SIZE = 8 * 1024 * 1024


def build_app(config: SimConfig | None = None) -> web.Application:
    """The simulator as an aiohttp application (LINE API, control API and chat page)."""
    config = config or SimConfig()
    app = web.Application(client_max_size=CLIENT_MAX_SIZE)
    app[SIM_KEY] = Simulator(config)
    richmenu.add_routes(app)  # before lineapi's catch-all 404 for unknown /v2 paths
    lineapi.add_routes(app)
    control.add_routes(app)
    app.cleanup_ctx.append(_lifecycle)
    return app


async def _lifecycle(app: web.Application) -> AsyncIterator[None]:
    sim = app[SIM_KEY]
    validation.start_loading()
    connector = aiohttp.TCPConnector(limit=512, force_close=False)
    timeout = aiohttp.ClientTimeout(total=sim.config.webhook_timeout_s)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        app[control.SESSION_KEY] = session
        pruner = asyncio.create_task(_prune_forever(sim))
        yield
        pruner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pruner


async def _prune_forever(sim: Simulator) -> None:
    while True:
        await asyncio.sleep(PRUNE_EVERY_S)
        sim.prune()


async def _watch_parent(parent_pid: int, stop: asyncio.Event) -> None:
    """Exit when the process that started us is gone, so a killed test run leaves no orphan."""
    while not stop.is_set():
        if os.getppid() != parent_pid:
            log.warning("parent %d is gone; stopping", parent_pid)
            stop.set()
            return
        await asyncio.sleep(0.5)


async def serve(
    config: SimConfig,
    host: str = "127.0.0.1",
    port: int = 8080,
    port_file: str | None = None,
    parent_pid: int | None = None,
) -> None:
    """Run until SIGINT/SIGTERM (or the parent's death when parent_pid is given)."""
    runner = web.AppRunner(build_app(config), access_log=None, shutdown_timeout=0.25)
    await runner.setup()
    site = web.TCPSite(runner, host, port, backlog=1024, reuse_address=True)
    await site.start()
    bound = runner.addresses[0][1] if runner.addresses else port
    url = f"http://{host}:{bound}"
    log.info("linesim listening on %s (webhook -> %s)", url, config.webhook_url)
    if port_file:
        # Written atomically so a poller never reads a half-written port.
        tmp = Path(port_file + ".tmp")
        tmp.write_text(str(bound))
        tmp.replace(port_file)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    tasks: list[asyncio.Task[Any]] = []
    if parent_pid is not None:
        tasks.append(asyncio.create_task(_watch_parent(parent_pid, stop)))
    try:
        await stop.wait()
    finally:
        for task in tasks:
            task.cancel()
        await runner.cleanup()


def run(main: Coroutine[Any, Any, None]) -> None:
    """Run a coroutine on uvloop when it is installed."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main)
