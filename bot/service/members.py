"""Who did it, in a group or room: the display name of the member behind an event, for the
replies that say who acted (a card's 完了 or snooze). Never in the way: "" outside a group,
for a member LINE does not know, or when LINE did not answer within the adapter's bound."""

from __future__ import annotations

from bot.service.context import Turn

GROUP_PREFIXES = ("C", "R")  # a group's id starts with C, a room's with R
# A group's reminder whose label says みんな mentions everyone who spoke there lately: its
# setter is kept as EVERYONE (rem:by:<chat>, which the previous release never reads), and the
# timer worker mentions the group's recent speakers in its place.
EVERYONE_WORD = "みんな"
EVERYONE = "*"
SPEAKERS_WINDOW_MS = 30 * 24 * 3600 * 1000  # "lately": as long as the adapter keeps them
MAX_MENTIONS = 50  # of LINE's 100 substitutions a text v2 message may carry


def who_acted(turn: Turn) -> str:
    names = turn.ctx.names
    if names is None or not turn.user_id or turn.chat_id[:1] not in GROUP_PREFIXES:
        return ""
    return names.name_of(turn.chat_id, turn.user_id) or ""


def setter_of(turn: Turn, label: str) -> str:
    """Whom a group's (or room's) reminder's notification mentions: who set it, or EVERYONE
    when its label says みんな ("" in a 1:1 chat: the chat is the person)."""
    if turn.chat_id[:1] not in GROUP_PREFIXES:
        return ""
    return EVERYONE if EVERYONE_WORD in label else turn.user_id


def confirms_too(turn: Turn, occurrence: str) -> bool:
    """In a group, each member's first 完了 on an occurrence counts (once per member)."""
    if turn.chat_id[:1] not in GROUP_PREFIXES or not turn.user_id:
        return False
    return turn.ctx.reminders.act_once(turn.chat_id, f"{occurrence}:{turn.user_id}")


def confirmed(turn: Turn, occurrence: str) -> str:
    """Who confirmed this occurrence so far, this member last ("" outside a group, or when no
    name is known: the reply goes out without names)."""
    name = who_acted(turn)
    if not name:
        return ""
    if turn.ctx.members is None:
        return name
    return ", ".join(turn.ctx.members.confirm(turn.chat_id, occurrence, name))
