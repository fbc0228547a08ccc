"""Arming, listing, cancelling, moving and completing reminders that have follow-ups (alerts
before them, repeats until done): the follow-ups are reminders of their own, linked to their
reminder (bot/domain/follow_ups.py); this module keeps them together."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain import follow_ups, intents, reminder_texts
from bot.domain.follow_ups import Links
from bot.domain.reminder_texts import local
from bot.domain.reminders import Kind, Reminder, reminder_id_for_event
from bot.service.context import Turn
from bot.service.storing import refused

log = logging.getLogger(__name__)


def arm_with_follow_ups(
    turn: Turn, reminder: Reminder, intent: intents.Reminding, zone: ZoneInfo, mention: str
) -> str:
    """Store a reminder and its follow-ups as one, once per event, and confirm them."""
    count = follow_ups.needed_ids(intent.alerts, intent.nag)
    seed = turn.event_id or str(turn.timestamp_ms)
    ids = [reminder_id_for_event(seed, index) for index in range(1, count + 1)]
    made = follow_ups.follow_ups(
        reminder, intent.alerts, intent.nag, ids, zone=zone, now_ms=turn.timestamp_ms
    )
    if made is None:
        return turn.reply_once(reminder_texts.alert_cannot_recur(), "alert_refused")
    children, links, skipped = made
    limit = turn.ctx.settings.max_reminders_per_chat
    not_stored = refused(
        turn,
        lambda: turn.ctx.reminders.add_group(
            [reminder, *children],
            links.encode(),
            event_id=turn.event_id or None,
            max_pending=limit,
            setter=mention,
        ),
        limit,
    )
    if not_stored is not None:
        return not_stored
    confirmation = reminder_texts.confirmation(reminder, zone)
    extra = reminder_texts.follow_ups_said(children, links, skipped, zone)
    turn.ctx.line.reply(turn.reply_token, [reminder_texts.with_lines(confirmation, extra)])
    return reminder.kind.name.lower()


def links_of(turn: Turn) -> dict[str, Links]:
    return {rid: Links.decode(raw) for rid, raw in turn.ctx.reminders.links(turn.chat_id).items()}


def follow_up_ids(table: dict[str, Links]) -> set[str]:
    """The ids of every follow-up in a chat's links (they are not numbered in 一覧)."""
    return {rid for links in table.values() for rid in links.ids}


def cancel_with_follow_ups(
    turn: Turn, reminder_ids: list[str], table: dict[str, Links] | None = None
) -> int:
    """Cancel reminders and their follow-ups; returns how many of `reminder_ids` went.
    `table`: the chat's links when the caller has read them already."""
    book = turn.ctx.reminders
    links = links_of(turn) if table is None else table
    extra = [child for rid in reminder_ids if rid in links for child in links[rid].ids]
    gone = book.cancel(turn.chat_id, reminder_ids)
    if extra:
        book.cancel(turn.chat_id, extra)
    book.forget_links(turn.chat_id, reminder_ids)
    return gone


def stop_repeats(turn: Turn, reminder_id: str, occurrence_ms: int, zone: ZoneInfo) -> int:
    """完了 on a card of `reminder_id` (or of one of its repeats): the repeats still to come
    for that occurrence go. A one-shot's repeats are cancelled; a recurring reminder's skip to
    their next occurrence. Returns how many stopped."""
    table = links_of(turn)
    owner = reminder_id
    if owner not in table:
        owner = next((rid for rid, links in table.items() if reminder_id in links.ids), "")
    links = table.get(owner)
    if links is None or not links.nags:
        return 0
    book = turn.ctx.reminders
    parent = book.get(turn.chat_id, owner)
    repeats = [book.get(turn.chat_id, rid) for rid, _ in links.nags]
    pending = [r for r in repeats if r is not None]
    if parent is None or parent.kind is not Kind.RECURRING:
        return book.cancel(turn.chat_id, [r.id for r in pending])
    stopped = 0
    window_end = occurrence_ms + (len(links.nags) + 1) * links.every_minutes * 60_000
    for repeat in pending:
        if repeat.occurrence_ms <= window_end:
            following = repeat.rule().next_after(local(repeat.occurrence_ms, zone), zone)
            if following is not None and book.rearm(repeat, repeat.rearmed(_ms(following))):
                stopped += 1
    return stopped


def move_follow_ups(turn: Turn, moved: Reminder, zone: ZoneInfo) -> None:
    """After an edit: the follow-ups follow their reminder to its new moment (the same ids,
    re-armed; one whose moment has already passed is cancelled)."""
    links = links_of(turn).get(moved.id)
    if links is None:
        return
    nag = intents.Nag(links.every_minutes, len(links.nags)) if links.nags else None
    alerts = tuple(before for _, before in links.alerts)
    made = follow_ups.follow_ups(moved, alerts, nag, links.ids, zone=zone, now_ms=turn.timestamp_ms)
    book = turn.ctx.reminders
    if made is None:
        book.cancel(turn.chat_id, links.ids)
        book.forget_links(turn.chat_id, [moved.id])
        return
    targets = {child.id: child for child in made[0]}
    for rid in links.ids:
        current = book.get(turn.chat_id, rid)
        if current is None:
            continue
        target = targets.get(rid)
        if target is None:
            book.cancel(turn.chat_id, [rid])  # its moment has passed
        else:
            book.rearm(current, target)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
