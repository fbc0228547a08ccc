"""Run the simulator as a subprocess (for pytest fixtures and benches) and stop it cleanly."""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from linesim.client import SimClient
from linesim.config import DEFAULT_ACCESS_TOKEN, DEFAULT_CHANNEL_SECRET

_PACKAGE_PARENT = str(Path(__file__).resolve().parent.parent)
_live: set[SimulatorProcess] = set()


class SimulatorProcess:
    """A running `python -m linesim`; `.url`, `.port`, `.client`, `.stop()`."""

    def __init__(self, proc: subprocess.Popen[bytes], host: str, port: int, log_path: Path) -> None:
        self.proc = proc
        self.host = host
        self.port = port
        self.url = f"http://{host}:{port}"
        self.client = SimClient(self.url)
        self.log_path = log_path
        _live.add(self)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log(self) -> str:
        """What the simulator wrote to stdout/stderr so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, timeout: float = 3.0) -> None:
        """SIGTERM, then SIGKILL if it has not exited within `timeout`; idempotent."""
        _live.discard(self)
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log_path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self.log_path.parent.rmdir()

    def __enter__(self) -> SimulatorProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_simulator_process(
    port: int = 0,
    webhook_url: str = "http://127.0.0.1:5000/callback",
    channel_secret: str = DEFAULT_CHANNEL_SECRET,
    access_token: str = DEFAULT_ACCESS_TOKEN,
    *,
    host: str = "127.0.0.1",
    bot_user_id: str | None = None,
    startup_timeout: float = 10.0,
    webhook_timeout_s: float = 30.0,
    **faults: Any,
) -> SimulatorProcess:
    """Launch the simulator, wait until it answers, and return its handle.

    port=0 lets the simulator bind a free port itself (no race with other processes); keyword
    arguments beyond the named ones are the initial fault config (e.g. latency_ms=50).
    """
    workdir = Path(tempfile.mkdtemp(prefix="linesim-"))
    port_file = workdir / "port"
    log_path = workdir / "log"
    cmd = [
        sys.executable,
        "-m",
        "linesim",
        "--host",
        host,
        "--port",
        str(port),
        "--webhook-url",
        webhook_url,
        "--channel-secret",
        channel_secret,
        "--access-token",
        access_token,
        "--port-file",
        str(port_file),
        "--parent-pid",
        str(os.getpid()),
        "--cleanup-dir",
        str(workdir),
        "--faults",
        json.dumps(faults),
        "--webhook-timeout-s",
        str(webhook_timeout_s),
        "--log-level",
        "WARNING",
    ]
    if bot_user_id:
        cmd += ["--bot-user-id", bot_user_id]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [_PACKAGE_PARENT, env.get("PYTHONPATH")]))
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=_PACKAGE_PARENT,
        )
    deadline = time.monotonic() + startup_timeout
    try:
        bound = _wait_for_port(proc, port_file, deadline)
        handle = SimulatorProcess(proc, host, bound, log_path)
        while not handle.client.ping(timeout=0.5):
            _check_alive(proc, log_path, deadline)
            time.sleep(0.01)
    except BaseException:
        proc.kill()
        proc.wait()
        log_path.unlink(missing_ok=True)
        workdir.rmdir()
        raise
    finally:
        for path in (port_file, workdir / "port.tmp"):
            path.unlink(missing_ok=True)
    return handle


def _wait_for_port(proc: subprocess.Popen[bytes], port_file: Path, deadline: float) -> int:
    while True:
        try:
            return int(port_file.read_text())
        except (OSError, ValueError):
            pass
        _check_alive(proc, port_file.with_name("log"), deadline)
        time.sleep(0.01)


def _check_alive(proc: subprocess.Popen[bytes], log_path: Path, deadline: float) -> None:
    if proc.poll() is not None:
        raise RuntimeError(f"linesim exited with {proc.returncode}:\n{_tail(log_path)}")
    if time.monotonic() > deadline:
        raise TimeoutError(f"linesim did not start in time:\n{_tail(log_path)}")


def _tail(path: Path) -> str:
    try:
        return path.read_text(errors="replace")[-4000:]
    except OSError:
        return ""


@atexit.register
def _stop_all() -> None:
    for handle in list(_live):
        handle.stop()
