"""Procfile `timer_worker`: pushes due timers."""

from bot.bootstrap import run_timer_worker

if __name__ == "__main__":
    raise SystemExit(run_timer_worker())
