"""Delivering one claimed entry: push it and carry out what bot.domain.delivery decides.

Nothing here may leave a claimed entry unsettled because something raised: an unexpected
exception is a failed attempt (counted, backed off, dead-lettered after MAX_ATTEMPTS) — left
to its lease, it would come back every second forever with its attempts never counted.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.domain import agenda, cards, delivery, occurrences, texts
from bot.domain.claims import Claimed, ClaimedLegacyTimer, DeadLetter
from bot.domain.delivery import PushOutcome
from bot.domain.ports import StoreErrors
from bot.domain.push import Message, PushResult, text_message
from bot.domain.reminders import Kind, Reminder
from bot.domain.timers import Timer
from bot.service.members import EVERYONE, MAX_MENTIONS, SPEAKERS_WINDOW_MS
from bot.service.ports import DeliveryBook, HeldBook
from bot.service.settling import LegacySettling, ReminderSettling, Settling

log = logging.getLogger(__name__)

# How long a settling write (ack, retry, dead letter) keeps trying through a Redis outage.
SETTLE_DEADLINE_S = 20.0
REDIS_RETRY_S = (0.1, 0.25, 0.5, 1.0, 2.0)


class Pusher(Protocol):
    async def push(self, to: str, messages: list[Message], retry_key: str) -> PushResult: ...


class QuotaGate(Protocol):
    """Whether pushes are held for the month's quota (bot.service.quota_watch.QuotaWatch)."""

    holding: bool

    async def on_monthly_limit(self, now_ms: int) -> None: ...
    def on_pushed(self) -> None: ...


@dataclass
class DeliveryStats:
    delivered: int = 0
    already_delivered: int = 0
    retried: int = 0
    rate_limited: int = 0
    dead: int = 0
    handed_back: int = 0
    skipped: int = 0  # recurring occurrences missed by more than the grace window
    failed: int = 0  # attempts our own code raised in (counted like a 5xx)
    held: int = 0  # kept for their chat while the month's quota is spent


class Deliverer:
    def __init__(
        self,
        store: DeliveryBook,
        pusher: Pusher,
        *,
        default_zone: ZoneInfo,
        clock: Callable[[], int],
        jitter: Callable[[], float] = random.random,
        on_delivered: Callable[[int], None] | None = None,
        held: HeldBook | None = None,
        quota: QuotaGate | None = None,
        store_errors: StoreErrors = (OSError,),
    ) -> None:
        self._store = store
        self.store_errors = store_errors
        self.held, self.quota = held, quota
        # Told the lateness (ms after its moment) of every occurrence acknowledged as delivered.
        self._on_delivered = on_delivered
        self._pusher = pusher
        self._zone = default_zone
        self._clock = clock
        self._jitter = jitter
        self.stats = DeliveryStats()

    async def deliver(self, entry: Claimed) -> None:
        try:
            if isinstance(entry, ClaimedLegacyTimer):
                await self._deliver_legacy(entry.member, entry.timer)
            elif entry.reminder is None:
                await self._dead_malformed(entry.member)
            else:
                await self._deliver(entry.reminder, entry.timezone)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("delivery raised; counted as a failed attempt")
            await self.failed(entry)

    def now(self) -> int:
        return self._clock()

    def zone_of(self, name: str) -> ZoneInfo:
        return occurrences.zone_of(name, self._zone)

    def holding(self) -> bool:
        """The month's quota is spent: hold what is claimed instead of pushing it."""
        return self.quota is not None and self.quota.holding and self.held is not None

    def settling_for(self, reminder: Reminder, then: Reminder | None) -> ReminderSettling:
        return ReminderSettling(self._store, reminder, then, self.held)

    async def hand_back(self, entry: Claimed, now: int) -> None:
        """Sent or not, it goes back: a repeat carries the same retry key (409 = done)."""
        if isinstance(entry, ClaimedLegacyTimer):
            timer = entry.timer
            if timer is None:
                return
            await self.settle(lambda: self._store.requeue_legacy(entry.member, timer, now))
        else:
            reminder = entry.reminder
            if reminder is None:
                return
            await self.settle(lambda: self._store.requeue(reminder, reminder, now))
        self.stats.handed_back += 1

    async def _deliver(self, reminder: Reminder, zone_name: str) -> None:
        zone = occurrences.zone_of(zone_name, self._zone)
        plan = occurrences.plan(reminder, self._clock(), zone)
        settling = ReminderSettling(self._store, reminder, plan.then, self.held)
        if isinstance(plan, occurrences.Skip):
            self.stats.skipped += 1
            await self.settle(settling.ack)
            return
        if reminder.kind is Kind.NOTIFY:
            # As LINE Notify sent it: the text, nothing around it. Its own keys, never held
            # (the API answers 429 while the quota is held, so none is queued then).
            messages = [text_message(reminder.label)]
        elif self.holding():
            self.stats.held += 1  # a push now would only meet the monthly-limit 429
            await self.settle(settling.hold)
            return
        elif agenda.is_agenda(reminder):
            reminders = await self._store.chat_reminders(reminder.chat_id)
            listing = agenda.agenda_push(reminders, reminder.occurrence_ms, zone)
            if listing is None:  # an empty day: nothing is sent, the next one is armed
                await self.settle(settling.ack)
                return
            messages = [listing]
        else:
            card = cards.notification_message(reminder, zone, self._clock())
            messages = [card, *await self.mentions(reminder.chat_id, [reminder.id])]
        result = await self.push(reminder.chat_id, messages, reminder.retry_key)
        await self.carry_out(settling, result)

    async def mentions(self, chat_id: str, reminder_ids: list[str]) -> list[Message]:
        """In a group, a message mentioning who set these (none when unknown, or when Redis
        does not answer: the notification matters more than the mention)."""
        if not cards.is_group(chat_id):
            return []
        try:
            setters = await self._store.setters_of(chat_id, reminder_ids)
            if EVERYONE in setters:  # set for みんな: who spoke there lately
                since = self._clock() - SPEAKERS_WINDOW_MS
                setters = [*setters, *await self._store.speakers_of(chat_id, since)]
        except self.store_errors:
            return []
        mentioned = [s for s in dict.fromkeys(setters) if s != EVERYONE][:MAX_MENTIONS]
        return [cards.mention_message(mentioned)] if mentioned else []

    async def _deliver_legacy(self, member: str, timer: Timer | None) -> None:
        """A timer of the previous release: the same policy on its own keys and retry key."""
        if timer is None:
            letter = DeadLetter(member, "", "", "malformed", None, None, self._clock())
            await self.settle(lambda: self._store.dead_letter_legacy(member, letter, self._clock()))
            self.stats.dead += 1
            return
        message = text_message(texts.timer_done(timer))
        result = await self._push(timer.chat_id, message, timer.retry_key)
        await self.carry_out(LegacySettling(self._store, member, timer), result)

    async def failed(self, entry: Claimed) -> None:
        """Our own code raised while delivering `entry`: a failed attempt, like a 5xx."""
        settling: Settling
        if isinstance(entry, ClaimedLegacyTimer):
            if entry.timer is None:
                return
            settling = LegacySettling(self._store, entry.member, entry.timer)
        else:
            if entry.reminder is None:
                return
            settling = ReminderSettling(self._store, entry.reminder, None, self.held)
        await self.carry_out(settling, PushResult(PushOutcome.FAILED))

    async def carry_out(self, settling: Settling, result: PushResult) -> None:
        """Do what the policy decides for this push result, on the entry's own keys."""
        now = self._clock()
        decision = self.decide(result, settling.attempt)
        if isinstance(decision, delivery.Acknowledge):
            self.delivered(now - settling.due_ms)
            await self.settle(settling.ack)
        elif isinstance(decision, delivery.RetryAt):
            at = now + decision.delay_ms
            await self.settle(lambda: settling.retry(at, count_attempt=True))
        elif isinstance(decision, delivery.PauseAll):
            await self.pause(now, decision.wait_ms)
            at = now + decision.wait_ms
            await self.settle(lambda: settling.retry(at, count_attempt=False))
        elif isinstance(decision, delivery.HoldForChat) and self.held is not None:
            await self.settle(settling.hold)
            if self.quota is not None:
                await self.settle(lambda: self.on_monthly_limit(now))
        else:
            reason = decision.reason if isinstance(decision, delivery.GiveUp) else "monthly_limit"
            log.warning("notification dead-lettered: %s status=%s", reason, result.status)
            await self.settle(lambda: settling.dead(reason, result, now))

    async def _dead_malformed(self, member: str) -> None:
        letter = DeadLetter(member, "", "", "malformed", None, None, self._clock())
        await self.settle(lambda: self._store.drop_malformed(member, letter, self._clock()))
        self.stats.dead += 1

    async def _push(self, to: str, message: Message, retry_key: str) -> PushResult:
        return await self.push(to, [message], retry_key)

    async def push(self, to: str, messages: list[Message], retry_key: str) -> PushResult:
        try:
            return await self._pusher.push(to, messages, retry_key)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("push raised; counted as a failed attempt")
            return PushResult(PushOutcome.FAILED)

    async def on_monthly_limit(self, now: int) -> None:
        if self.quota is not None:
            await self.quota.on_monthly_limit(now)

    def delivered(self, late_ms: int) -> None:
        if self.quota is not None:
            self.quota.on_pushed()
        if self._on_delivered is not None:
            self._on_delivered(late_ms)

    def decide(self, result: PushResult, failed_attempts: int) -> delivery.Decision:
        decision = delivery.decide(
            result.outcome, failed_attempts, result.retry_after_s, self._jitter()
        )
        s = self.stats
        if isinstance(decision, delivery.Acknowledge):
            if result.outcome is PushOutcome.DELIVERED:
                s.delivered += 1
            else:
                s.already_delivered += 1
        elif isinstance(decision, delivery.RetryAt):
            s.retried += 1
            s.failed += result.outcome is PushOutcome.FAILED
        elif isinstance(decision, delivery.PauseAll):
            s.rate_limited += 1
        elif isinstance(decision, delivery.HoldForChat) and self.held is not None:
            s.held += 1
        else:
            s.dead += 1
        return decision

    async def pause(self, now: int, wait_ms: int) -> None:
        log.warning("LINE answered 429; pausing pushes for %d ms", wait_ms)
        await self.settle(lambda: self._store.pause_pushes(now + wait_ms, now))

    async def settle(self, operation: Callable[[], Awaitable[object]]) -> None:
        """Retry a Redis write through an outage. If it never lands the lease runs out, the
        entry is claimed again and the retry key turns the repeat push into a 409."""
        deadline = time.monotonic() + SETTLE_DEADLINE_S
        attempt = 0
        while True:
            try:
                await operation()
                return
            except self.store_errors as exc:
                if time.monotonic() > deadline:
                    log.error(
                        "could not settle a claimed entry (%s); its lease will return it",
                        type(exc).__name__,
                    )
                    return
                await asyncio.sleep(REDIS_RETRY_S[min(attempt, len(REDIS_RETRY_S) - 1)])
                attempt += 1
