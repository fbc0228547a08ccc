"""The whole bot on loopback ports: Redis, the LINE simulator and the Procfile processes.

Used by `python -m localdev`, the end-to-end tests and the benches. Each piece is awaited by a
real sign of life (a PONG, a log line, /healthz answering 200), never by a fixed sleep.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from localdev.processes import Echo, ManagedProcess, ProcessFailedError
from localdev.procfile import PROCFILE, REPO, read_procfile
from localdev.redis_server import RedisServer, free_port
from localdev.wiring import (
    DEFAULT_FORMATION,
    DEFAULTS,
    PORT_TAKEN,
    READY_LINES,
    SIM_READY_LINE,
    base_env,
    http_status,
    wait_healthy,
)

START_ATTEMPTS = 3

if TYPE_CHECKING:
    import redis

    from linesim.client import SimClient


class Stack:
    """Start with `start()` (or `with Stack(...) as stack:`), stop with `stop()`.

    `env` holds the settings given by the caller: REDIS_URL there means "use that Redis",
    LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN there mean "talk to that LINE" (no
    simulator); anything else (TIMER_LEASE_MS=3000, ...) is passed to the processes as is.
    """

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        *,
        processes: Iterable[str] | None = None,
        sim_port: int = 0,
        latency_ms: float = 0.0,
        log_dir: Path | None = None,
        echo: Echo | None = None,
        procfile: Path = PROCFILE,
        startup_timeout_s: float = 30.0,
        stop_grace_s: float = 10.0,
    ) -> None:
        self.given = dict(env or {})
        self.commands = read_procfile(procfile)
        if processes is None:
            processes = [k for k in self.commands if k in DEFAULT_FORMATION] or self.commands
        self.process_types = list(processes)
        unknown = set(self.process_types) - set(self.commands)
        if unknown:
            raise ValueError(f"not in {procfile.name}: {', '.join(sorted(unknown))}")
        self.sim_port = sim_port
        self.latency_ms = latency_ms
        self.log_dir = log_dir or Path(tempfile.mkdtemp(prefix="localdev-"))
        self.echo = echo
        self.startup_timeout_s = startup_timeout_s
        self.stop_grace_s = stop_grace_s
        self.redis: RedisServer | None = None
        self.simulator: ManagedProcess | None = None
        self.sim_url = ""
        self.procs: dict[str, ManagedProcess] = {}
        self.env: dict[str, str] = {}
        self.web_port = 0
        self._sim_client: SimClient | None = None

    # -- addresses ------------------------------------------------------------------------

    @property
    def redis_url(self) -> str:
        return self.env["REDIS_URL"]

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def webhook_url(self) -> str:
        return f"{self.web_url}/callback"

    @property
    def sim(self) -> SimClient:
        """The simulator's control client (only when the stack runs the simulator)."""
        if self._sim_client is None:
            raise RuntimeError("this stack talks to a real LINE channel: there is no simulator")
        return self._sim_client

    def redis_client(self) -> redis.Redis:
        import redis

        return redis.Redis.from_url(self.redis_url)

    # -- starting -------------------------------------------------------------------------

    def start(self) -> Stack:
        for attempt in range(1, START_ATTEMPTS + 1):
            try:
                self._start()
            except ProcessFailedError:
                collided = self._port_collision()
                self.stop()
                if not collided or attempt == START_ATTEMPTS:
                    raise
                # A free port was taken by someone else between our check and the bind.
                self.procs, self.simulator, self._sim_client = {}, None, None
                self.web_port = 0
                continue
            except BaseException:
                self.stop()
                raise
            return self
        raise AssertionError("unreachable")

    def _port_collision(self) -> bool:
        procs = ([self.simulator] if self.simulator else []) + list(self.procs.values())
        dead = [p for p in procs if not p.alive]
        for proc in dead:
            proc.join_output(1.0)
        return any(PORT_TAKEN.search(p.output()) for p in dead)

    def _start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        redis_url = self.given.get("REDIS_URL")
        if not redis_url:
            self.redis = RedisServer().start()
            redis_url = self.redis.url
        self.web_port = int(self.given.get("PORT") or free_port())
        line: dict[str, str] = {}
        if not (
            self.given.get("LINE_CHANNEL_SECRET") and self.given.get("LINE_CHANNEL_ACCESS_TOKEN")
        ):
            line = self._spawn_simulator()
        self.env = self._process_env(redis_url, line)
        # Everything boots at once: the imports (LINE's SDK, janome) are most of the wait.
        started = [(kind, self.start_process(kind, wait=False)) for kind in self.process_types]
        if self.simulator is not None:
            self._wait_simulator(self.simulator)
        for kind, proc in started:
            self.wait_ready(kind, proc)

    def _spawn_simulator(self) -> dict[str, str]:
        """Start the simulator without waiting; returns the LINE settings that point at it."""
        secret, token = secrets.token_hex(16), secrets.token_urlsafe(32)
        # Chosen here rather than by the simulator so the bot can be started alongside it.
        port = self.sim_port or free_port()
        argv = [
            sys.executable, "-m", "linesim",
            "--host", "127.0.0.1",
            "--port", str(port),
            "--webhook-url", self.webhook_url,
            "--channel-secret", secret,
            "--access-token", token,
            "--latency-ms", str(self.latency_ms),
            "--parent-pid", str(os.getpid()),
            "--log-level", "INFO",
        ]  # fmt: skip
        self.simulator = self._spawn("linesim", argv, self._base_env())
        self.sim_url = f"http://127.0.0.1:{port}"
        return {
            "LINE_CHANNEL_SECRET": secret,
            "LINE_CHANNEL_ACCESS_TOKEN": token,
            "LINE_API_BASE_URL": self.sim_url,
        }

    def _wait_simulator(self, simulator: ManagedProcess) -> None:
        simulator.wait_for_line(SIM_READY_LINE, self.startup_timeout_s)
        from linesim.client import SimClient

        self._sim_client = SimClient(self.sim_url)
        if not self._sim_client.ping(timeout=5.0):
            raise ProcessFailedError(f"linesim does not answer at {self.sim_url}")

    def _base_env(self) -> dict[str, str]:
        return base_env(self._runtime_dir())

    def _runtime_dir(self) -> Path:
        path = self.log_dir / "run"
        path.mkdir(mode=0o700, exist_ok=True)
        return path

    def _process_env(self, redis_url: str, line: Mapping[str, str]) -> dict[str, str]:
        env = self._base_env()
        env.update(DEFAULTS)
        env.update(line)
        env.update(self.given)
        env["REDIS_URL"] = redis_url
        env["PORT"] = str(self.web_port)
        return env

    def _spawn(self, name: str, argv: list[str], env: Mapping[str, str]) -> ManagedProcess:
        log_path = self.log_dir / f"{name}.log"
        return ManagedProcess(
            name, argv, env=env, cwd=REPO, log_path=log_path, echo=self.echo
        ).start()

    def start_process(
        self,
        kind: str,
        *,
        wait: bool = True,
        env: Mapping[str, str] | None = None,
    ) -> ManagedProcess:
        """Start one more Procfile process (`timer_worker` → named timer_worker.2, ...)."""
        name, number = kind, 1
        while name in self.procs:
            number += 1
            name = f"{kind}.{number}"
        # exec: the shell becomes the process, so its pid is the one signals must reach.
        argv = ["/bin/sh", "-c", f"exec {self.commands[kind]}"]
        proc = self._spawn(name, argv, {**self.env, **(env or {})})
        self.procs[name] = proc
        if wait:
            self.wait_ready(kind, proc)
        return proc

    def wait_ready(self, kind: str, proc: ManagedProcess, timeout: float | None = None) -> None:
        timeout = self.startup_timeout_s if timeout is None else timeout
        if kind == "web":
            port = proc.env.get("PORT", str(self.web_port))
            wait_healthy(proc, f"http://127.0.0.1:{port}/healthz", timeout)
        else:
            for line in READY_LINES.get(kind, ()):
                proc.wait_for_line(line, timeout)

    def healthz(self) -> int | None:
        return http_status(f"{self.web_url}/healthz")

    # -- stopping -------------------------------------------------------------------------

    def stop(self) -> dict[str, int]:
        """Stop everything (bot processes first, Redis last); returns their exit statuses."""
        statuses = self.stop_processes(list(self.procs.values()))
        if self.simulator is not None:
            statuses[self.simulator.name] = self.simulator.stop(self.stop_grace_s)
        if self.redis is not None:
            self.redis.stop()
            self.redis = None
        return statuses

    def stop_processes(self, procs: list[ManagedProcess]) -> dict[str, int]:
        """SIGTERM them all at once (as the PaaS does), SIGKILL whatever outlives the grace."""
        for proc in procs:
            if proc.alive:
                proc.terminate()
        deadline = time.monotonic() + self.stop_grace_s
        statuses: dict[str, int] = {}
        for proc in procs:
            statuses[proc.name] = proc.stop(max(0.0, deadline - time.monotonic()))
        return statuses

    def logs(self, tail: int = 60) -> str:
        """The last lines of every process, for a failure report."""
        procs = ([self.simulator] if self.simulator else []) + list(self.procs.values())
        return "\n".join(f"--- {p.name} ({p.log_path}) ---\n{p.tail(tail)}" for p in procs)

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
