"""gunicorn settings for the web process. Values come from the PaaS environment, read
through the bot's one declaration of each setting (bot/settings.py)."""

import os

from bot.adapters.redis.connection import WEB_TOTAL
from bot.settings import read_one

bind = f"0.0.0.0:{read_one('PORT')}"

# Worker model: gthread, 2 processes × 4 threads, each process with one reply-sender thread
# (bot/adapters/line/replies.py). The reply left the request, so a request is ~1 ms of CPU
# (signature, JSON, the SDK's models, one Redis script) and no waiting on LINE: the web is
# CPU-bound, and threads only need to cover Redis round trips and slow clients.
# Measured with bench.webhook (2,000 timer webhooks, one new connection each, LINE at 50 ms;
# load generator, linesim and Redis on the same 2 cores), req/s and p99 at 20 | 200 concurrent:
#   before (reply in the request, 2 × 8)   266 req/s p99 123 ms | –     (original bot: 35, 588)
#   2 × 2                                  1,716 / 26 ms | 1,729 / 217 ms
#   2 × 4 (chosen since, below)            2,037 / 21 ms | 1,773 / 295 ms
#   2 × 8 (chosen then)                    1,950 / 22 ms | 1,723 / 162 ms
#   2 × 16                                 1,550 / 29 ms | 1,764 / 164 ms
#   1 × 8                                    798 / 42 ms |   745 / 398 ms
# (a quiet machine, 2026-12-01, with the timer-only event handler; after the reminder handler
# landed (~1.1 ms CPU a request) and with other work taking ~0.7 core, the full bench gave
# 2 × 8 945–1,253 req/s, p99 38–52 ms at 20; 824–861 req/s, p99 466–576 ms at 200; none
# over 2 s).
# It saturates at 5–20 concurrent, the host's two cores full; past that latency grows with
# concurrency (p99 ~0.7–1.1 s at 400), still inside LINE's 2 s. A second process doubles
# the rate (two GILs); more threads add GIL contention, fewer queue requests behind slow
# connections. gevent was not taken: nothing in the request waits long enough for
# greenlets to pay, and monkey-patching would fight the sender's asyncio thread.
# With the whole formation on the host (bench.formation: rq_worker, timer_worker, linesim,
# Redis; 2,000 timer webhooks at 20 concurrent, new connections; runs interleaved, load
# average 3.4–5): 2 × 4 p99 44–68 ms, max 66–191 ms against 2 × 8's 71–118 ms, 114–209 ms
# (6 rounds each) — the request threads and the reply sender share one GIL per process, and
# 8 threads of 1 ms of CPU each queue behind one another for it. At 200 concurrent 2 × 4 is
# worse (p99 627–728 ms against 415–587 ms), still far inside LINE's 2 s.
workers = int(read_one("WEB_CONCURRENCY"))  # the PaaS sets it (2 on basic)
worker_class = "gthread"
threads = int(read_one("GUNICORN_THREADS"))
# Redis: WEB_TOTAL connections for all web workers together (bot/adapters/redis/connection.py).
os.environ.setdefault("WEB_REDIS_CONNECTIONS", str(max(1, WEB_TOTAL // max(1, workers))))
timeout = 25  # under the router's 30 s
graceful_timeout = 20  # SIGTERM → 30 s → SIGKILL on the PaaS
keepalive = 5
# gunicorn's control socket defaults to one path per user (~/.gunicorn): several instances on
# one machine (tests, local runs) would fight over it, and nothing here uses it.
control_socket_disable = True
accesslog = None  # access lines add nothing here; the app logs one line per event


def on_starting(server: object) -> None:
    """Fail once, with a one-line message, before any worker forks."""
    from bot.bootstrap import load_settings_or_exit

    load_settings_or_exit()


def post_worker_init(worker: object) -> None:
    """In each worker, after it loaded the app and before it takes requests: build its
    services (bot/bootstrap.py), else the first webhooks of a fresh process pay for them
    (~15 ms more at the head of bench/formation.py's burst). Nothing connects yet."""
    services = getattr(getattr(worker, "wsgi", None), "extensions", {}).get("bot.services")
    if services is not None:
        services()


def worker_exit(server: object, worker: object) -> None:
    """In the worker, after its accepted requests finished: send (or hand to RQ) its queued
    replies before the process ends. Within graceful_timeout, after which the master kills."""
    from bot.entrypoints.web import shutdown

    shutdown(float(read_one("REPLY_DRAIN_S")))
