"""The timer worker's view of the month's quota: whether pushes are held, when to ask LINE
again, and the operator's warnings. The policy is bot.domain.quota; this carries it out.

Why the hold is shared in Redis (keys.QUOTA_STATE) rather than per worker: a 429 seen by one
worker means every worker's next push would meet it too, so all hold within `SYNC_MS`; and
`python -m bot status`, /admin and /metrics read it from there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bot.domain import quota
from bot.domain.ports import StoreErrors
from bot.domain.quota import Numbers
from bot.service.ports import HeldBook, QuotaBook

log = logging.getLogger(__name__)

# How stale a worker's idea of the shared hold may be (one HGETALL per claim at most this often).
SYNC_MS = 1_000
# What an old worker dead-lettered before this one began holding is taken back from this far.
RESCUE_SLACK_MS = 5 * 60_000
# While holding, the previous release's new letters are looked for this often: a deploy's
# overlap (old workers dead-letter what they claim) is the first 30 s of a new worker. Each
# look reads only the letters since the last one (less a minute for clocks and late writes).
RESCUE_EVERY_MS = 5_000
RESCUE_OVERLAP_MS = 60_000

# LINE's numbers, or None when it did not answer (bot.adapters.line.quota, in a thread).
QuotaFetch = Callable[[], Awaitable[Numbers | None]]


class QuotaWatch:
    def __init__(
        self,
        state: QuotaBook,
        held: HeldBook,
        fetch: QuotaFetch | None,
        clock: Callable[[], int],
        *,
        wake: Callable[[], None] = lambda: None,
        store_errors: StoreErrors = (OSError,),
    ) -> None:
        self._state = state
        self.store_errors = store_errors
        self._held = held
        self._fetch = fetch
        self._clock = clock
        self._wake = wake  # the claim loop: look again (pushes resumed, or a hold began)
        self.holding = False
        self._since_ms = 0
        self._rescued_ms: int | None = None  # when letters were last looked for
        self._synced_ms: int | None = None
        self._numbers: Numbers | None = None
        self._pushed = 0  # our pushes since LINE's numbers were read (each costs at least 1)
        self._forced = False
        self._recheck = asyncio.Event()
        self._beginning = False  # a hold is being written: Redis does not show it yet

    # --- the claim loop ---

    async def sync(self, now_ms: int) -> bool:
        """Whether pushes are held (the shared state, read at most once per SYNC_MS)."""
        stale = self._synced_ms is None or now_ms - self._synced_ms >= SYNC_MS
        if stale and not self._beginning:
            snapshot = await self._state.read()
            self._synced_ms = now_ms
            was = self.holding
            self.holding = snapshot.hold is not None or self._beginning
            if self.holding and snapshot.hold is not None:
                self._since_ms = snapshot.hold.since_ms
                if self._rescued_ms is None or now_ms - self._rescued_ms >= RESCUE_EVERY_MS:
                    await self._rescue(now_ms)
                if quota.month_of(now_ms) != snapshot.hold.month:
                    self._recheck.set()  # a new month: resume without waiting
            if was and not self.holding:
                log.warning("quota: pushes resumed by another worker")
                self._wake()  # push what is held here too
        return self.holding

    async def on_monthly_limit(self, now_ms: int) -> None:
        """LINE answered the monthly-limit 429: hold every push, in every worker."""
        if self.holding:
            return  # the pushes in flight meet it together; the first one began the hold
        await self._begin(now_ms, quota.HOLD_MONTHLY_LIMIT)

    def on_pushed(self) -> None:
        """A push was accepted: count it, and ask LINE again as soon as our own count says a
        warning threshold or the quota itself may have been reached."""
        self._pushed += 1
        numbers = self._numbers
        if numbers is None or numbers.limit is None:
            return
        estimate = Numbers(numbers.limit, numbers.used + self._pushed)
        if quota.thresholds_reached(estimate) != quota.thresholds_reached(numbers) or (
            estimate.spent and not numbers.spent
        ):
            self._recheck.set()

    def request_recheck(self, *, forced: bool) -> None:
        """`python -m bot quota --resume` (forced), or a new month: ask LINE now."""
        self._forced = self._forced or forced
        self._recheck.set()

    # --- the re-check task ---

    async def run(self) -> None:
        """Ask LINE for the quota when the worker starts (a spent quota is held before any
        push meets the 429), then every REFRESH_PUSHING_MS while pushing, every
        RECHECK_HOLDING_MS while holding, and at once when asked to."""
        while True:
            self._recheck.clear()
            forced, self._forced = self._forced, False
            try:
                await self.check(self._clock(), forced=forced)
            except self.store_errors as exc:
                log.warning("quota check failed (%s)", type(exc).__name__)
            wait_s = quota.recheck_after_ms(self.holding, self._numbers) / 1000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._recheck.wait(), timeout=wait_s)

    async def check(self, now_ms: int, *, forced: bool = False) -> None:
        numbers = await self._fetch() if self._fetch is not None else None
        if numbers is not None:
            self._numbers, self._pushed = numbers, 0
            await self._state.write_numbers(numbers, None, now_ms)
            await self._warn(numbers, now_ms)
        elif self._fetch is not None:
            await self._state.write_numbers(None, "LINE did not answer", now_ms)
        snapshot = await self._state.read()
        self._synced_ms = now_ms
        if snapshot.hold is not None:
            self.holding = True
            self._since_ms = snapshot.hold.since_ms
            await self._rescue(now_ms)  # before a resume too: those are then pushed with it
            if quota.should_resume(snapshot.hold, now_ms, numbers, forced=forced):
                await self._resume(numbers)
        elif numbers is not None and quota.should_hold(numbers):
            await self._begin(now_ms, quota.HOLD_CONSUMPTION)
        else:
            self.holding = False

    # --- internals ---

    async def _begin(self, now_ms: int, reason: str) -> None:
        self.holding, self._beginning = True, True
        try:
            await self._write_hold(now_ms, reason)
        finally:
            self._beginning = False
        await self._rescue(now_ms)

    async def _write_hold(self, now_ms: int, reason: str) -> None:
        if self._numbers is None and self._fetch is not None:
            # The limit this hold began at: only a higher one (a raised plan) ends it early.
            self._numbers = await self._fetch()
            if self._numbers is not None:
                await self._warn(self._numbers, now_ms)
        if self._numbers is not None:
            # Written before the hold, so whoever sees the hold sees what LINE said with it
            # (a check's own write may still be on its way on another connection).
            await self._state.write_numbers(self._numbers, None, now_ms)
        hold = quota.start_hold(now_ms, reason, self._numbers)
        if await self._state.begin_hold(hold):
            self._since_ms = now_ms
            n = self._numbers
            log.warning(
                "quota: monthly message limit reached (%s; used=%s limit=%s): pushes are HELD"
                " until the month changes or the plan is raised; held notifications go out in"
                " each chat's next reply (free) or by push when the quota allows",
                reason,
                None if n is None else n.used,
                None if n is None else n.limit,
            )
            self._wake()

    async def _resume(self, numbers: Numbers | None) -> None:
        await self._state.end_hold()
        self.holding = False
        held = await self._held.count()
        log.warning(
            "quota: pushes RESUMED (used=%s limit=%s); %d held notifications will be pushed",
            None if numbers is None else numbers.used,
            None if numbers is None else numbers.limit,
            held,
        )
        self._wake()

    async def _rescue(self, now_ms: int) -> None:
        """What a worker of the previous release dead-lettered for the monthly limit (during a
        deploy overlap) comes back into the hold."""
        if not self._since_ms:
            return  # when the hold began is not known here yet (the next sync reads it)
        since = self._since_ms - RESCUE_SLACK_MS
        if self._rescued_ms is not None:
            since = max(since, self._rescued_ms - RESCUE_OVERLAP_MS)
        moved = await self._held.rescue(since)
        self._rescued_ms = now_ms
        if moved:
            log.warning("quota: %d monthly-limit dead letters taken back into the hold", moved)

    async def _warn(self, numbers: Numbers, now_ms: int) -> None:
        month = quota.month_of(now_ms)
        for percent in quota.thresholds_reached(numbers):
            if await self._state.first_warning(percent, month):
                log.warning(
                    "quota: %d%% of this month's messages used (%d of %s)",
                    percent,
                    numbers.used,
                    numbers.limit,
                )
