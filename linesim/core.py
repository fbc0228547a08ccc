"""The simulator's shared state, one instance per app."""

from __future__ import annotations

from typing import Any

from linesim.config import FaultConfig, SimConfig
from linesim.faults import FaultEngine
from linesim.ratelimit import SlidingWindow
from linesim.state import RecordLog, ReplyTokens, RetryKeys, RichMenus, Stats

MAX_STORED_EVENTS = 100_000


class Simulator:
    """Everything the LINE API, webhook and control handlers share."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.clock = config.clock
        # A copy: scripted outcomes are consumed and reset() must start from the original.
        self.faults = FaultEngine(config.faults.updated({}))
        self.messages = RecordLog(config.max_records)
        self.requests = RecordLog(config.max_records)
        # Every webhook sent to the bot: {seq, events, status, elapsed_ms, sent_at_ms[, error]}.
        self.webhooks = RecordLog(config.max_records)
        self.richmenus = RichMenus()
        # Members seen speaking in each group or room: a push there bills each of them.
        self.members: dict[str, set[str]] = {}
        self.tokens = ReplyTokens(self.clock)
        self.retry_keys = RetryKeys(self.clock)
        self.stats = Stats()
        self.users: dict[str, dict[str, Any]] = {}
        self.events: dict[str, dict[str, Any]] = {}
        self.limiters: dict[str, SlidingWindow] = {}
        self._build_limiters()

    # -- faults -------------------------------------------------------------------------------

    def set_faults(self, config: FaultConfig, reseed: bool) -> None:
        old_limits = self.faults.config.rate_limits
        self.faults.replace(config, reseed)
        if config.rate_limits != old_limits:
            self._build_limiters()

    def _build_limiters(self) -> None:
        """One sliding 1-s window per limited endpoint (linesim/ratelimit.py says why)."""
        self.limiters = {
            name: SlidingWindow(rate)
            for name, rate in self.faults.config.rate_limits.items()
            if rate is not None
        }

    def rate_limited(self, endpoint: str) -> bool:
        """Counts this request (refused ones too); True when it is over the endpoint's limit."""
        limiter = self.limiters.get(endpoint)
        return limiter is not None and not limiter.allow(self.clock())

    # -- users and events ---------------------------------------------------------------------

    def know_user(self, user_id: str, **profile: Any) -> dict[str, Any]:
        """Remember a user so GET profile finds them; explicit fields override earlier ones."""
        entry = self.users.get(user_id)
        if entry is None:
            is_demo = user_id == self.config.demo_user_id
            entry = {
                "userId": user_id,
                "displayName": "デモユーザー" if is_demo else f"User {user_id[-4:]}",
                "language": "ja",
                "pictureUrl": f"https://profile.line-scdn.net/linesim/{user_id}",
            }
            self.users[user_id] = entry
        entry.update({k: v for k, v in profile.items() if v is not None})
        return entry

    def know_member(self, chat: str, user_id: str) -> None:
        self.members.setdefault(chat, set()).add(user_id)

    def quota_refuses(self, to: str | list[str]) -> bool:
        """An enforced quota that this push or multicast (billed per recipient) would exceed:
        LINE answers it with the monthly-limit 429, and it costs nothing."""
        cfg = self.faults.config
        if not cfg.quota_enforced or cfg.quota_limit is None:
            return False
        return self.stats.billable + self.recipients(to) > cfg.quota_limit

    def quota(self) -> dict[str, Any]:
        """What the quota endpoints, the control endpoint and the chat page report."""
        cfg = self.faults.config
        used, limit = self.stats.billable, cfg.quota_limit
        return {
            "limit": limit,
            "used": used,
            "remaining": None if limit is None else max(0, limit - used),
            "enforced": cfg.quota_enforced,
        }

    def recipients(self, to: str | list[str]) -> int:
        """How many messages LINE bills for one push or multicast."""
        if isinstance(to, list):
            return len(to)
        return max(1, len(self.members.get(to, ()))) if to[:1] in ("C", "R") else 1

    def store_event(self, event: dict[str, Any]) -> None:
        if len(self.events) >= MAX_STORED_EVENTS:
            self.events.pop(next(iter(self.events)))
        self.events[event["webhookEventId"]] = event

    # -- housekeeping -------------------------------------------------------------------------

    def prune(self) -> None:
        cfg = self.faults.config
        self.tokens.prune(cfg.reply_token_ttl_s)
        self.retry_keys.prune(cfg.retry_key_ttl_s)

    def reset(self) -> None:
        """Forget messages, requests, tokens, keys, users, events; faults back to start-up ones."""
        self.messages.clear()
        self.requests.clear()
        self.webhooks.clear()
        self.richmenus.clear()
        self.members.clear()
        self.tokens.clear()
        self.retry_keys.clear()
        self.users.clear()
        self.events.clear()
        self.stats = Stats()
        self.set_faults(self.config.faults.updated({}), reseed=True)
