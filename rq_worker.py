"""Procfile `rq_worker`: runs heavy replies from the high, default and low queues."""

from bot.entrypoints.rq_worker import main

if __name__ == "__main__":
    raise SystemExit(main())
