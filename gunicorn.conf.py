"""gunicorn settings for the web process. Values come from the PaaS environment."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '5000')}"
# Threads overlap the one reply call each webhook makes; the PaaS sets WEB_CONCURRENCY.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# Redis: 8 connections for all web workers together (see bot/entrypoints/web.py).
os.environ.setdefault("WEB_REDIS_CONNECTIONS", str(max(1, 8 // max(1, workers))))
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


def worker_exit(server: object, worker: object) -> None:
    """In the worker, after its accepted requests finished: send (or hand to RQ) its queued
    replies before the process ends. Within graceful_timeout, after which the master kills."""
    from bot.entrypoints.web import REPLY_DRAIN_S, shutdown

    shutdown(float(os.environ.get("REPLY_DRAIN_S") or REPLY_DRAIN_S))
