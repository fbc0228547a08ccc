"""Settings are validated once, with a message naming the bad variable."""

from __future__ import annotations

import pytest

from bot.settings import Settings, SettingsError

BASE = {
    "LINE_CHANNEL_SECRET": "s",
    "LINE_CHANNEL_ACCESS_TOKEN": "t",
    "REDIS_URL": "redis://127.0.0.1:1/0",
}


def test_defaults() -> None:
    settings = Settings.from_env(BASE)
    assert settings.line_api_base_url == "https://api.line.me"
    assert settings.timezone == "Asia/Tokyo"


def test_redistogo_fallback_and_trailing_slash() -> None:
    env = {k: v for k, v in BASE.items() if k != "REDIS_URL"}
    env |= {"REDISTOGO_URL": "rediss://h:1", "LINE_API_BASE_URL": "http://127.0.0.1:9/"}
    settings = Settings.from_env(env)
    assert settings.redis_url == "rediss://h:1"
    assert settings.line_api_base_url == "http://127.0.0.1:9"


@pytest.mark.parametrize(
    ("drop_or_set", "message"),
    [
        ({"LINE_CHANNEL_SECRET": ""}, "LINE_CHANNEL_SECRET is not set"),
        ({"LINE_CHANNEL_ACCESS_TOKEN": " "}, "LINE_CHANNEL_ACCESS_TOKEN is not set"),
        ({"REDIS_URL": ""}, "REDIS_URL is not set"),
        ({"REDIS_URL": "http://x"}, "REDIS_URL"),
        ({"PORT": "eighty"}, "PORT"),
        ({"BOT_TIMEZONE": "Mars/Base"}, "BOT_TIMEZONE"),
        ({"REMINDER_MAX_DAYS": "0"}, "REMINDER_MAX_DAYS"),
        ({"MAX_REMINDERS_PER_CHAT": "many"}, "MAX_REMINDERS_PER_CHAT"),
        ({"TIMER_LEASE_MS": "50"}, "TIMER_LEASE_MS"),
    ],
)
def test_bad_settings_name_the_variable(drop_or_set: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message) as info:
        Settings.from_env(BASE | drop_or_set)
    assert "\n" not in str(info.value)


def test_the_readme_table_is_the_declaration() -> None:
    from pathlib import Path

    from bot.settings import markdown_table

    docs = Path(__file__).resolve().parents[2] / "docs"
    readme = (docs / "configuration.md").read_text(encoding="utf-8")
    start = readme.index("<!-- settings table: made by bot.settings.markdown_table() -->")
    end = readme.index("<!-- end of settings table -->")
    assert readme[start:end].split("\n", 1)[1].strip() == markdown_table()


def test_localdev_passes_every_declared_variable_and_nothing_else_of_the_bots() -> None:
    from bot.settings import variable_names
    from localdev.wiring import BOT_VARIABLES

    assert set(BOT_VARIABLES) == set(variable_names())
    assert "REDISTOGO_URL" in BOT_VARIABLES  # aliases too


def test_one_variable_is_read_and_checked_alone() -> None:
    from bot.settings import read_one

    assert read_one("GUNICORN_THREADS", {}) == 4
    assert read_one("GUNICORN_THREADS", {"GUNICORN_THREADS": "16"}) == 16
    with pytest.raises(SettingsError, match="GUNICORN_THREADS"):
        read_one("GUNICORN_THREADS", {"GUNICORN_THREADS": "0"})
    assert read_one("ADMIN_USER_IDS", {"ADMIN_USER_IDS": " U1, ,U2 "}) == frozenset({"U1", "U2"})
    assert read_one("LINE_API_BASE_URL", {"LINE_API_BASE_URL": "http://x/"}) == "http://x"
