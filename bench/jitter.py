"""A probe of the host's scheduling noise: how late does a 5 ms sleep wake up?

Run beside a precision bench (`python -m bench.jitter --seconds S`); prints one JSON line with
the oversleep percentiles in ms. Lateness the timer worker cannot beat shows up here too.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass

from bench import procs


@dataclass(frozen=True, slots=True)
class Jitter:
    p50_ms: float
    p99_ms: float
    max_ms: float


def measure(seconds: float, interval_s: float = 0.005) -> Jitter:
    overs: list[float] = []
    end = time.monotonic() + seconds
    for _ in range(int(seconds / interval_s) + 1):
        if time.monotonic() >= end:
            break
        before = time.perf_counter()
        time.sleep(interval_s)
        overs.append((time.perf_counter() - before - interval_s) * 1000)
    overs.sort()
    if not overs:
        return Jitter(0.0, 0.0, 0.0)
    return Jitter(overs[len(overs) // 2], overs[int(len(overs) * 0.99)], overs[-1])


class Probe:
    """The probe in a child process, so it competes for CPU like the worker does."""

    def __init__(self, seconds: float) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "bench.jitter", "--seconds", str(seconds)],
            cwd=procs.REPO,
            env=procs.child_env(),
            stdout=subprocess.PIPE,
        )
        self._seconds = seconds

    def result(self) -> Jitter | None:
        """The figures, or None if the probe did not finish in time."""
        try:
            out, _ = self._proc.communicate(timeout=self._seconds + 15)
            return Jitter(**json.loads(out))
        except (subprocess.TimeoutExpired, ValueError, TypeError):
            self._proc.kill()
            self._proc.wait()
            return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, required=True)
    args = parser.parse_args()
    result = measure(args.seconds)
    print(json.dumps({"p50_ms": result.p50_ms, "p99_ms": result.p99_ms, "max_ms": result.max_ms}))


if __name__ == "__main__":
    main()
