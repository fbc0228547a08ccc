"""The hold and the quota as status, /admin and /metrics show them: one reading of Redis
(keys.QUOTA_STATE and the held count), written by the timer workers."""

from __future__ import annotations

from typing import Any

import redis

from bot.adapters.redis.held_store import held_count
from bot.adapters.redis.quota_state import read_snapshot
from bot.domain.quota import operator_notice


def quota_report(client: redis.Redis) -> dict[str, Any]:
    snapshot = read_snapshot(client)
    held = held_count(client)
    report = snapshot.to_dict(held)
    report["notice"] = operator_notice(snapshot.hold is not None, held, snapshot.numbers)
    return report
