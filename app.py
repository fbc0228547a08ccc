"""Procfile `web`: `gunicorn app:app` (see gunicorn.conf.py)."""

from bot.bootstrap import build_web_app_from_env

app = build_web_app_from_env()
