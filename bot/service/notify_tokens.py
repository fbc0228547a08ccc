"""通知トークン in a chat: issue a Notify-style API token (shown once), revoke them all, or
list how many there are and when each was last used. The API itself: bot/service/notify_api.py.
"""

from __future__ import annotations

import logging

from bot.domain import notify
from bot.domain.intents import NotifyToken
from bot.domain.occurrences import zone_of
from bot.service.context import Turn

log = logging.getLogger(__name__)


def handle(intent: NotifyToken, turn: Turn) -> str:
    tokens = turn.ctx.notify
    if tokens is None:  # a process built without the API (none of the Procfile's)
        return "notify_unavailable"
    # Once per event: a redelivered 通知トークン must not issue (and show) a second token.
    if turn.event_id and not turn.ctx.reminders.mark_event_seen(turn.event_id):
        return "duplicate"
    if intent.action == "revoke":
        count = tokens.revoke_all(turn.chat_id)
        log.info("notify tokens revoked: %d", count)
        return turn.reply(notify.revoked(count), "notify_revoked")
    if intent.action == "list":
        zone = zone_of(turn.ctx.reminders.timezone(turn.chat_id) or "", turn.ctx.settings.tz)
        return turn.reply(notify.listing(tokens.last_uses(turn.chat_id), zone), "notify_list")
    token = notify.new_token()
    held = tokens.issue(
        turn.chat_id, notify.digest(token), turn.timestamp_ms, cap=notify.TOKENS_PER_CHAT
    )
    if held is None:
        return turn.reply(notify.too_many(notify.TOKENS_PER_CHAT), "notify_too_many")
    return turn.reply(notify.issued(token, held), "notify_issued")
