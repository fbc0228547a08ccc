"""Procfile `worker`: the RQ worker and the timer worker in one dyno, for the cheapest plans.

Each runs as its own child process, exactly the program the separate process types run, so
each keeps the SIGTERM path it is tested with (the timer worker finishes or hands back its
pushes in flight; the RQ worker finishes or hands back its job) and neither can stall the
other's event loop or signal handling. This supervisor only:

- forwards SIGTERM / SIGINT to both (the PaaS signals every process of a dyno, but a local
  `kill` of this one process must reach them too), any number of times;
- restarts a child that dies on its own (after a short, growing pause), so a crash of one
  does not take the other down — nothing is lost meanwhile: a dead timer worker's leases
  lapse and its reminders are claimed again;
- exits once both children have exited after a stop, with status 0 if both exited 0.

Redis connections: the same as one dyno of each (timer worker ≤ 5, RQ worker ≤ its own).
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from bot.bootstrap import configure_logging, load_settings_or_exit

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[2]
CHILDREN = {"timer_worker": "timer_worker.py", "rq_worker": "rq_worker.py"}
RESTART_PAUSES_S = (0.5, 1.0, 2.0, 5.0, 10.0)
POLL_S = 0.2


@dataclass
class Child:
    name: str
    script: str
    proc: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    started_at: float = field(default=0.0)

    def start(self) -> None:
        self.proc = subprocess.Popen([sys.executable, str(REPO / self.script)], cwd=REPO)
        self.started_at = time.monotonic()
        log.info("started %s pid=%d", self.name, self.proc.pid)

    def signal(self, signum: int) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signum)


class Supervisor:
    def __init__(self, children: dict[str, str] | None = None) -> None:
        self.children = [Child(n, s) for n, s in (children or CHILDREN).items()]
        self.stopping = threading.Event()

    def request_stop(self, signum: int = signal.SIGTERM) -> None:
        self.stopping.set()
        for child in self.children:
            child.signal(signum)

    def run(self) -> int:
        for child in self.children:
            child.start()
        while True:
            alive = [c for c in self.children if c.proc is not None and c.proc.poll() is None]
            if self.stopping.is_set():
                if not alive:
                    break
            else:
                for child in self.children:
                    if child not in alive:
                        self._restart(child)
            time.sleep(POLL_S)  # a child's exit has no portable event to await here
        codes = {c.name: c.proc.returncode if c.proc else None for c in self.children}
        log.info("one-dyno worker stopped: %s", codes)
        return 0 if all(code == 0 for code in codes.values()) else 1

    def _restart(self, child: Child) -> None:
        code = child.proc.returncode if child.proc else None
        pause = RESTART_PAUSES_S[min(child.restarts, len(RESTART_PAUSES_S) - 1)]
        if time.monotonic() - child.started_at > 60:
            child.restarts = 0  # it ran for a while: a fresh crash, not a crash loop
        log.error("%s exited with %s; restarting in %.1fs", child.name, code, pause)
        if self.stopping.wait(pause):
            return
        child.restarts += 1
        child.start()


def main() -> int:
    settings = load_settings_or_exit()  # fail here, once, with the one-line message
    configure_logging(settings.log_level)
    supervisor = Supervisor()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        supervisor.request_stop(signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return supervisor.run()


if __name__ == "__main__":
    raise SystemExit(main())
