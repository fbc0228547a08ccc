"""Who did it, in a group or room: the display name of the member behind an event, for the
replies that say who acted (a card's 完了 or snooze). Never in the way: "" outside a group,
for a member LINE does not know, or when LINE did not answer within the adapter's bound."""

from __future__ import annotations

from bot.service.context import Turn

GROUP_PREFIXES = ("C", "R")  # a group's id starts with C, a room's with R


def who_acted(turn: Turn) -> str:
    names = turn.ctx.names
    if names is None or not turn.user_id or turn.chat_id[:1] not in GROUP_PREFIXES:
        return ""
    return names.name_of(turn.chat_id, turn.user_id) or ""
