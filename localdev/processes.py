"""One child process in its own process group, its output captured line by line.

Each process gets its own group so a signal reaches its children too (gunicorn's workers,
RQ's work horse), the way the PaaS signals every process of a dyno, and so one test can stop
one process without touching the others.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO

# (process name, one line of its output) → shown to a person; called from reader threads.
Echo = Callable[[str, str], None]

_PR_SET_PDEATHSIG = 1


class ProcessFailedError(RuntimeError):
    """A process exited, or did not show the awaited sign of life in time."""


def orphan_guard() -> Callable[[], None] | None:
    """A preexec hook asking Linux to SIGTERM the child when its parent dies, so a killed
    test run leaves no bot processes behind. It fires when the *thread* that started the
    child ends: start processes from a long-lived thread (the main one)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def guard() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return guard


class ManagedProcess:
    """A started command whose output goes to `log_path` (and to `echo`, when given)."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: Path,
        log_path: Path,
        echo: Echo | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = dict(env)
        self.cwd = cwd
        self.log_path = log_path
        self._echo = echo
        self._lines: list[str] = []
        self._changed = threading.Condition()
        self._eof = False
        self._proc: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        self._stopped = False

    def start(self) -> ManagedProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._proc = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            process_group=0,
            preexec_fn=orphan_guard(),  # noqa: PLW1509 - it only calls prctl
        )
        assert self._proc.stdout is not None
        self._reader = threading.Thread(
            target=self._read, args=(self._proc.stdout,), name=f"log-{self.name}", daemon=True
        )
        self._reader.start()
        return self

    @property
    def proc(self) -> subprocess.Popen[bytes]:
        if self._proc is None:
            raise RuntimeError(f"{self.name} was not started")
        return self._proc

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def returncode(self) -> int | None:
        return self.proc.poll()

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # -- output ---------------------------------------------------------------------------

    def _read(self, stream: IO[bytes]) -> None:
        with self.log_path.open("ab") as log_file:
            for raw in iter(stream.readline, b""):
                log_file.write(raw)
                log_file.flush()  # a test reading the file on failure sees everything
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                with self._changed:
                    self._lines.append(line)
                    self._changed.notify_all()
                if self._echo is not None:
                    try:
                        self._echo(self.name, line)
                    except Exception:  # a closed terminal must not stop the log
                        self._echo = None
        stream.close()
        with self._changed:
            self._eof = True
            self._changed.notify_all()

    def mark(self) -> int:
        """A position in the output; pass it as `since` to wait only for later lines."""
        with self._changed:
            return len(self._lines)

    def lines(self, since: int = 0) -> list[str]:
        with self._changed:
            return self._lines[since:]

    def output(self) -> str:
        return "\n".join(self.lines())

    def tail(self, count: int = 40) -> str:
        return "\n".join(self.lines()[-count:])

    def wait_for_line(self, pattern: str, timeout: float, since: int = 0) -> re.Match[str]:
        """The first output line after `since` matching `pattern`; raises if the process ends
        or `timeout` passes first."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        seen = since
        with self._changed:
            while True:
                for line in self._lines[seen:]:
                    match = regex.search(line)
                    if match:
                        return match
                seen = len(self._lines)
                remaining = deadline - time.monotonic()
                if self._eof or remaining <= 0:
                    break
                self._changed.wait(remaining)
        why = f"exited with {self.proc.wait(5)}" if self._eof else f"no line after {timeout}s"
        raise ProcessFailedError(
            f"{self.name}: waiting for /{pattern}/: {why}\n--- {self.name} output ---\n"
            f"{self.tail()}"
        )

    # -- signals and stopping -------------------------------------------------------------

    def send(self, sig: int, *, group: bool = True) -> None:
        """Signal the process (and, with `group`, every process it started)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if group:
                os.killpg(self.pid, sig)
            elif self.alive:
                os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send(signal.SIGTERM)

    def kill(self) -> None:
        self.send(signal.SIGKILL)

    def wait(self, timeout: float) -> int | None:
        """The exit status, or None if still running after `timeout`."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, grace_s: float = 10.0) -> int:
        """SIGTERM the group, SIGKILL it after `grace_s`; returns the exit status."""
        if self._proc is None:
            return 0
        if self._stopped:  # its group id may belong to someone else by now
            return self.proc.wait()
        self._stopped = True
        if self.alive:
            self.terminate()
        status = self.wait(grace_s)
        # Also reaps stragglers the leader left behind (a work horse, a gunicorn worker).
        self.kill()
        if status is None:
            status = self.proc.wait()
        self.join_output()
        return status

    def join_output(self, timeout: float = 2.0) -> None:
        """Wait until the output is fully read (once the process and its children are gone)."""
        if self._reader is not None:
            self._reader.join(timeout)
