"""How the local processes are wired: their environment and how each shows it is ready."""

from __future__ import annotations

import os
import re
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from bot.settings import variable_names
from localdev.processes import ManagedProcess, ProcessFailedError
from localdev.procfile import REPO

# Variables the bot reads (each declared once, in bot/settings.py): never inherited from the
# shell, so a stray REDIS_URL or token in the caller's environment cannot point a local run or
# a test at real services by accident.
BOT_VARIABLES = variable_names()
DEFAULTS = {
    "WEB_CONCURRENCY": "2",
    "BOT_TIMEZONE": "Asia/Tokyo",
    "LOG_LEVEL": "INFO",
    # The PaaS gives 30 s; locally nobody wants to wait that long for Ctrl-C.
    "SHUTDOWN_GRACE_S": "5",
}
# What each process prints once it is ready to work (the web process is asked instead).
READY_LINES: dict[str, tuple[str, ...]] = {
    "rq_worker": (r"Listening on",),
    "timer_worker": (r"timer worker started",),
    "worker": (r"timer worker started", r"Listening on"),  # the one-dyno process: both
}
# What a local run and the end-to-end tests start: the separate process types. The one-dyno
# `worker` runs the same two workers; it is started only when asked for by name.
DEFAULT_FORMATION = ("web", "rq_worker", "timer_worker")
SIM_READY_LINE = r"linesim listening on (http://\S+)"
# How gunicorn and the simulator say that their port is taken.
PORT_TAKEN = re.compile(r"(?i)address already in use|connection in use")
_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def base_env(runtime_dir: Path) -> dict[str, str]:
    """The caller's environment without the bot's variables, set up to run this checkout."""
    env = {k: v for k, v in os.environ.items() if k not in BOT_VARIABLES}
    # `python` and `gunicorn` in the Procfile must be this interpreter's, venv or not.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONUNBUFFERED"] = "1"  # log lines reach the log files as they are written
    # gunicorn puts a control socket there (else in ~/.gunicorn, shared by every instance).
    env["XDG_RUNTIME_DIR"] = str(runtime_dir)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def http_status(url: str, timeout: float = 2.0) -> int | None:
    """The status of a GET, or None when nothing answers."""
    try:
        with _HTTP.open(url, timeout=timeout) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return None


def wait_healthy(proc: ManagedProcess, url: str, timeout: float) -> None:
    """Until `url` answers 200; fails early when `proc` exits."""
    deadline = time.monotonic() + timeout
    while True:
        status = http_status(url)
        if status == 200:
            return
        if not proc.alive or time.monotonic() > deadline:
            state = f"exited with {proc.returncode}" if not proc.alive else "not healthy"
            raise ProcessFailedError(f"{proc.name}: {state} (last {url}: {status})\n{proc.tail()}")
        # Nothing announces "workers booted"; asking again is the event we can await.
        time.sleep(0.05)
