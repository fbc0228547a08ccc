"""The RQ worker classes the rq_worker process runs (bot/entrypoints/rq_worker.py)."""
