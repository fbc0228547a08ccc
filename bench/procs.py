"""Child processes of the benches: the timer worker, RQ's worker, and their CPU use."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import redis

from bot.adapters.redis import keys

REPO = Path(__file__).resolve().parent.parent
CHANNEL_SECRET = "bench-channel-secret"
ACCESS_TOKEN = "bench-access-token"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def wait_port(port: int, proc: subprocess.Popen[bytes], timeout_s: float = 15.0) -> None:
    """Until something listens on the loopback port (the child has no ready signal)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"child exited with {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout_s}s")


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS", "LINE_", "PUSH_"))}
    env["PYTHONPATH"] = str(REPO)
    env.update(extra)
    return env


def start_timer_worker(
    redis_url: str,
    line_url: str,
    log_path: Path,
    *,
    rate_per_s: float = 2000.0,
    concurrency: int = 200,
    client: redis.Redis | None = None,
    script: str = "timer_worker.py",
    subscribed_after: int = 1,
) -> subprocess.Popen[bytes]:
    """`python timer_worker.py` (or `script`, for A/B runs), as the Procfile runs it.

    With `client`, returns once `subscribed_after` workers (this one the last) listen for
    wake-ups.
    """
    env = child_env(
        LINE_CHANNEL_SECRET=CHANNEL_SECRET,
        LINE_CHANNEL_ACCESS_TOKEN=ACCESS_TOKEN,
        REDIS_URL=redis_url,
        LINE_API_BASE_URL=line_url,
        PUSH_RATE_PER_S=str(rate_per_s),
        PUSH_CONCURRENCY=str(concurrency),
        LOG_LEVEL="WARNING",
    )
    with log_path.open("ab") as log:
        proc = subprocess.Popen([sys.executable, script], cwd=REPO, env=env, stdout=log, stderr=log)
    if client is not None:
        wait_subscribed(client, proc, keys.TIMERS_WAKE_CHANNEL, minimum=subscribed_after)
    return proc


def start_rq_worker(
    redis_url: str, queue: str, log_path: Path, worker_class: str = "rq.Worker"
) -> subprocess.Popen[bytes]:
    """`rq worker --with-scheduler` (rq 3.0 CLI); rq.Worker forks a work horse per job."""
    rq_cli = Path(sys.executable).parent / "rq"
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [str(rq_cli), "worker", "--with-scheduler", "--url", redis_url, "--path", str(REPO),
             "--logging_level", "WARNING", "--worker-class", worker_class, queue],
            cwd=REPO, env=child_env(), stdout=log, stderr=log,
        )  # fmt: skip


def wait_subscribed(
    client: redis.Redis,
    proc: subprocess.Popen[bytes],
    channel: str,
    timeout_s: float = 20.0,
    minimum: int = 1,
) -> None:
    """Until `minimum` workers are subscribed to the wake-up channel, i.e. ready to claim."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"worker exited with {proc.returncode}")
        numsub = client.pubsub_numsub(channel)
        if numsub and int(numsub[0][1]) >= minimum:
            return
        time.sleep(0.05)
    raise RuntimeError("the timer worker did not subscribe in time")


def stop(proc: subprocess.Popen[bytes] | None, timeout_s: float = 30.0) -> None:
    """SIGTERM (as Heroku does), then SIGKILL if it is still there after the timeout."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def redis_cpu_seconds(client: redis.Redis) -> float:
    info = client.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])
