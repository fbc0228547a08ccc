"""The RQ worker process: heavy replies from the high, default and low queues."""

from __future__ import annotations

import importlib
import logging

from rq.worker import HerokuWorker

from bot.adapters import morphology
from bot.adapters.job_queue import ALL_QUEUES
from bot.adapters.redis.connection import sync_client
from bot.bootstrap import configure_logging, load_settings_or_exit

log = logging.getLogger(__name__)


def main() -> int:
    settings = load_settings_or_exit()
    configure_logging(settings.log_level)
    # Loaded in the parent so each forked work horse shares them instead of rebuilding them:
    # janome's dictionary, and the jobs module with the LINE SDK (1.7 s to import).
    morphology.tokenizer()
    importlib.import_module("bot.entrypoints.jobs")
    # HerokuWorker: on SIGTERM the running job is stopped after a few seconds and fails
    # (its Retry puts it back) well before the PaaS's SIGKILL at 30 s.
    worker = HerokuWorker(ALL_QUEUES, connection=sync_client(settings.redis_url))
    worker.work(with_scheduler=False, logging_level=settings.log_level)
    return 0
