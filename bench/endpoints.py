"""The LINE fake the benches push to: the in-repo linesim when present, else linesim.push_only."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bench import procs
from localdev import harness


@dataclass(frozen=True, slots=True)
class Push:
    seq: int  # the fake's record number, for asking only for newer ones
    retry_key: str
    received_at_ms: float


class LineEndpoint(Protocol):
    name: str
    url: str

    def cursor(self) -> int: ...
    def pushes(self, since: int) -> list[Push]: ...
    def count_429(self) -> int: ...
    def set_rate(self, rate: float | None) -> None: ...
    def pid(self) -> int: ...
    def stop(self) -> None: ...


def wait_pushes(
    line: LineEndpoint, count: int, since: int, timeout_s: float, poll_s: float = 0.25
) -> list[Push]:
    """Accepted pushes after `since`, once `count` arrived or the timeout passed."""
    deadline = time.monotonic() + timeout_s
    found = line.pushes(since)
    while len(found) < count and time.monotonic() < deadline:
        time.sleep(poll_s)
        found.extend(line.pushes(found[-1].seq if found else since))
    return found


def _http(url: str, body: dict[str, Any] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


class BenchFake:
    """linesim.push_only in a child process."""

    name = "linesim.push_only"

    def __init__(self, latency_ms: float, rate: float | None, log_path: Path) -> None:
        self.port = harness.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [sys.executable, "-m", "linesim.push_only", "--port", str(self.port),
                "--latency-ms", str(latency_ms), "--rate", str(rate or 0)]  # fmt: skip
        with log_path.open("ab") as log:
            self._proc = subprocess.Popen(
                args, cwd=procs.REPO, env=procs.child_env(), stdout=log, stderr=log
            )
        procs.wait_port(self.port, self._proc)

    def cursor(self) -> int:
        return int(_http(f"{self.url}/_bench/pushes?since=1000000000")["last"])

    def pushes(self, since: int) -> list[Push]:
        rows = _http(f"{self.url}/_bench/pushes?since={since}")["pushes"]
        return [
            Push(since + i + 1, r["retry_key"], float(r["received_at_ms"]))
            for i, r in enumerate(rows)
        ]

    def count_429(self) -> int:
        return int(_http(f"{self.url}/_bench/stats")["statuses"].get("429", 0))

    def accepted(self) -> int:
        """How many pushes were accepted so far (cheaper to poll than the pushes)."""
        return int(_http(f"{self.url}/_bench/stats")["accepted"])

    def set_rate(self, rate: float | None) -> None:
        _http(f"{self.url}/_bench/config", {"rate": rate or 0})

    def pid(self) -> int:
        return self._proc.pid

    def stop(self) -> None:
        procs.stop(self._proc, timeout_s=10)


class LineSim:
    """linesim (`python -m linesim`) through its own process handle and client."""

    name = "linesim"

    def __init__(self, latency_ms: float, rate: float | None) -> None:
        from linesim.process import start_simulator_process

        self._handle = start_simulator_process(
            0,
            "http://127.0.0.1:9/callback",  # the benches send no webhooks
            procs.CHANNEL_SECRET,
            procs.ACCESS_TOKEN,
            latency_ms=latency_ms,
        )
        self.url = self._handle.url.rstrip("/")
        self._client = self._handle.client
        self.set_rate(rate)

    def cursor(self) -> int:
        return self._client.last_seq()

    def pushes(self, since: int) -> list[Push]:
        return [
            Push(int(r["seq"]), str(r.get("retry_key") or ""), float(r["received_at_ms"]))
            for r in self._client.messages(since)
            if r.get("kind") == "push"
        ]

    def count_429(self) -> int:
        return int(self._client.stats().get("status_429", 0))

    def set_rate(self, rate: float | None) -> None:
        self._client.set_faults(rate_limits={"push": rate})

    def pid(self) -> int:
        return self._handle.pid

    def stop(self) -> None:
        self._handle.stop()


def linesim_available() -> bool:
    try:
        import linesim.process  # noqa: F401
    except ImportError:
        return False
    return True


def start_line(kind: str, latency_ms: float, rate: float | None, log_path: Path) -> LineEndpoint:
    """kind: "auto" (linesim if importable), "linesim" or "fake"."""
    if kind == "linesim" or (kind == "auto" and linesim_available()):
        return LineSim(latency_ms, rate)
    return BenchFake(latency_ms, rate, log_path)
