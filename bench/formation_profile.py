"""py-spy over every process of the formation while bench/formation.py drives it.

`Spies(processes).start()` attaches one `py-spy record` (raw stacks, the GIL holder only,
--nonblocking so the target is never paused) to each Python process — the gunicorn workers,
the rq_worker parent and its workers, the timer worker, linesim — and `stop()` ends them with
SIGINT (py-spy then writes what it sampled). Only the thread holding the GIL is sampled
(--gil): where the Python CPU goes, not which threads wait. `summary()` prints, per process
kind, the leaf frames that held the CPU and the frames (bot, RQ, redis-py, janome, the SDK,
Flask) whose calls did, inclusive.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bench import report

RATE_HZ = 250
# Frames worth naming in the inclusive table: the bot and the libraries it calls per message.
LIBRARIES = ("bot/", "rq/", "redis/", "janome/", "linebot/", "flask/", "werkzeug/", "gunicorn/",
             "linesim/", "http/client", "json/", "logging/", "aiohttp/", "pydantic")  # fmt: skip


def py_spy() -> str | None:
    """The py-spy binary beside this interpreter (pip install py-spy), else on PATH."""
    here = Path(sys.executable).with_name("py-spy")
    return str(here) if here.exists() else shutil.which("py-spy")


class Spies:
    def __init__(self, processes: dict[str, list[int]], out_dir: Path) -> None:
        self.processes = processes  # kind → pids
        self.out_dir = out_dir
        self.running: list[tuple[str, Path, subprocess.Popen[bytes]]] = []

    def start(self) -> Spies:
        binary = py_spy()
        if binary is None:
            raise RuntimeError("py-spy not found: pip install py-spy")
        self.out_dir.mkdir(parents=True, exist_ok=True)
        for kind, pids in self.processes.items():
            for pid in pids:
                out = self.out_dir / f"{kind}-{pid}.txt"
                argv = [binary, "record", "--pid", str(pid), "--rate", str(RATE_HZ),
                        "--nonblocking", "--gil", "--format", "raw", "-o", str(out)]  # fmt: skip
                proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                self.running.append((kind, out, proc))
        return self

    def stop(self) -> None:
        for _, _, proc in self.running:
            proc.send_signal(signal.SIGINT)
        for _, _, proc in self.running:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)

    def stacks(self) -> dict[str, Counter[str]]:
        by_kind: dict[str, Counter[str]] = {}
        for kind, out, _ in self.running:
            counts = by_kind.setdefault(kind, Counter())
            if not out.exists():
                continue
            for line in out.read_text(errors="replace").splitlines():
                frames, _, count = line.rpartition(" ")
                if frames and count.isdigit():
                    counts[frames] += int(count)
        return by_kind

    def summary(self, top: int = 12) -> str:
        parts = []
        for kind, stacks in self.stacks().items():
            parts.append(f"### {kind}: {sum(stacks.values()):,} samples at {RATE_HZ} Hz")
            parts.append(tables(stacks, top))
        return "\n".join(parts)


def _short(frame: str) -> str:
    """`func (/long/path/site-packages/rq/job.py:123)` → `func (rq/job.py)`."""
    name, _, where = frame.partition(" (")
    path = where.rsplit(":", 1)[0]
    for marker in ("site-packages/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            path = path.split("/", 1)[1] if marker.startswith("/lib") else path
    if "/wt-" in path or "/work/" in path:
        path = path.split("/")[-2] + "/" + path.split("/")[-1]
    return f"{name} ({path})" if where else name


def tables(stacks: Counter[str], top: int) -> str:
    total = sum(stacks.values()) or 1
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for line, count in stacks.items():
        frames = [_short(f) for f in line.split(";") if " (" in f]
        if frames:
            own[frames[-1]] += count
        for frame in set(frames):
            if any(f"({lib}" in frame for lib in LIBRARIES):
                inclusive[frame] += count
    middle = [(f, n) for f, n in inclusive.most_common() if n < 0.9 * total][: top + 6]
    rows_own = [[f, f"{100 * n / total:.1f} %"] for f, n in own.most_common(top)]
    rows_inc = [[f, f"{100 * n / total:.1f} %"] for f, n in middle]
    return (report.table(["self (leaf frame)", "share"], rows_own) + "\n\n"
            + report.table(["inclusive (under 90 %)", "share"], rows_inc) + "\n")  # fmt: skip
