"""Pushing a held notification once the quota allows again (the hold: bot.domain.quota), with
the retry key of its occurrence — LINE refused that key's first push with the monthly limit,
so a 409 means a repeat of this push, never of the first."""

from __future__ import annotations

import asyncio
import logging

from bot.domain import cards, delivery
from bot.domain.claims import DeadLetter
from bot.domain.held import HeldEntry
from bot.service.delivering import Deliverer
from bot.service.ports import HeldBook

log = logging.getLogger(__name__)

HELD_RETRY_MS = 5_000  # our own code raised: taken again this much later


async def deliver_held(deliverer: Deliverer, entry: HeldEntry) -> None:
    held = deliverer.held
    assert held is not None  # only a worker with a HeldBook claims held notifications
    try:
        await _deliver_held(deliverer, held, entry)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("held delivery raised; taken again later")
        at = deliverer.now() + HELD_RETRY_MS
        await deliverer.settle(lambda: held.release(entry, at))


async def _deliver_held(d: Deliverer, held: HeldBook, entry: HeldEntry) -> None:
    reminder = entry.reminder
    if reminder is None:
        await d.settle(lambda: held.done(entry))  # unreadable: nothing to say
        return
    card = cards.notification_message(reminder, d.zone_of(entry.timezone), d.now())
    messages = [card, *await d.mentions(reminder.chat_id, [reminder.id])]
    result = await d.push(reminder.chat_id, messages, reminder.retry_key)
    decision, now = d.decide(result, reminder.attempt), d.now()
    if isinstance(decision, delivery.Acknowledge):
        d.delivered(now - reminder.occurrence_ms)
        await d.settle(lambda: held.done(entry))
    elif isinstance(decision, delivery.RetryAt | delivery.PauseAll):
        wait = decision.delay_ms if isinstance(decision, delivery.RetryAt) else 0
        if isinstance(decision, delivery.PauseAll):
            wait = decision.wait_ms
            await d.pause(now, wait)
        await d.settle(lambda: held.release(entry, now + wait))
    elif isinstance(decision, delivery.HoldForChat):
        await d.settle(lambda: held.release(entry, now))  # still held, for its chat
        await d.settle(lambda: d.on_monthly_limit(now))
    else:
        letter = DeadLetter(
            entry.member, reminder.encode(), reminder.chat_id, decision.reason,
            result.status, result.request_id, now,
        )  # fmt: skip
        await d.settle(lambda: held.dead_letter(entry, letter, now))
