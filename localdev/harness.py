"""Ports and clocks for tests, benches and the local run, in one place.

Processes are started through `localdev.processes.ManagedProcess` (and the stack built on
it); what else a test or bench needs to pick a port, read the time or measure a process's CPU
comes from here, so every harness reads them the same way.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def now_ms() -> int:
    """Wall-clock epoch milliseconds, the unit of every due time and LINE timestamp."""
    return time.time_ns() // 1_000_000


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process, from /proc/<pid>/stat (Linux)."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    fields = raw[raw.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK
