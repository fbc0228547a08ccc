"""一覧 and 取消 N: the chat's reminders, numbered as the user saw them (follow-ups — alerts
and repeats — under their reminder, not numbered), and cancelling by that number."""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import ZoneInfo

from bot.domain import cards, reminder_texts
from bot.domain.texts import Reply
from bot.service.context import Turn
from bot.service.follow_up_commands import cancel_with_follow_ups, follow_up_ids, links_of


def show_list(turn: Turn, zone: ZoneInfo) -> str:
    if not turn.ctx.reminders.mark_event_seen(turn.event_id):
        return "duplicate"
    return turn.reply(list_reply(turn, zone), "list")


def list_reply(turn: Turn, zone: ZoneInfo, *, page: int = 1) -> Reply:
    """一覧: a carousel (its altText the numbered text list), remembered for `取消 N`."""
    everything = turn.ctx.reminders.pending(turn.chat_id)
    table = links_of(turn)
    children = follow_up_ids(table)
    pending = [r for r in everything if r.id not in children]
    if page == 1:
        turn.ctx.reminders.remember_listed(turn.chat_id, [r.id for r in pending])
    # Each parent's follow-ups in due order (the order `pending` returns), not in link order.
    kin = {rid: set(links.ids) for rid, links in table.items()}
    under = {rid: [r for r in everything if r.id in ids] for rid, ids in kin.items()}
    listing = reminder_texts.listing(pending, zone, under)
    if not pending or (page - 1) * cards.LIST_PAGE_SIZE >= len(pending):
        return listing
    carousel = cards.list_message(pending, zone, listing.text, page)
    return replace(listing, flex_json=cards.to_json(carousel))


def cancel_numbered(turn: Turn, number: int | None, zone: ZoneInfo) -> str:
    if not turn.ctx.reminders.mark_event_seen(turn.event_id):
        return "duplicate"
    book = turn.ctx.reminders
    table = links_of(turn)
    children = follow_up_ids(table)
    everything = book.pending(turn.chat_id)
    pending = [r for r in everything if r.id not in children]
    if not pending:
        return turn.reply(reminder_texts.nothing_to_cancel(), "cancel_nothing")
    if number is None:
        cancel_with_follow_ups(turn, [r.id for r in everything], table)
        return turn.reply(reminder_texts.cancelled(pending, zone), "cancel_all")
    # The N the user saw in the last 一覧 (reminders may have fired since), else today's order.
    order = book.listed(turn.chat_id) or [r.id for r in pending]
    by_id = {r.id: r for r in pending}
    if not 1 <= number <= len(order) or order[number - 1] not in by_id:
        return turn.reply(reminder_texts.no_such_number(number, len(pending)), "cancel_unknown")
    victim = by_id[order[number - 1]]
    cancel_with_follow_ups(turn, [victim.id], table)
    return turn.reply(reminder_texts.cancelled([victim], zone), "cancel")
