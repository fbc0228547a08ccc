"""When a claimed reminder's occurrence is sent, skipped or followed by another. Pure.

The rule for occurrences missed while every worker was down (a deploy, an outage): a one-shot
reminder or timer is always delivered, however late (it is the only one there is). A recurring
occurrence is delivered late only within RECURRING_GRACE_MS of its moment; older than that it
is skipped, and the reminder is re-armed for its next occurrence after now — a user whose
`毎日 7:00` was missed at 07:00 hears it at 07:20, but not at 19:00.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.domain.recurrence import localize
from bot.domain.reminders import Kind, Reminder

RECURRING_GRACE_MS = 30 * 60 * 1000

# Why remember the next occurrence: everyone with `毎日 7:00` in one zone is due at the same
# instant, and dateutil takes ~35 µs to find what follows it, a fifth of the timer worker's CPU
# per push at LINE's full rate (py-spy, bench.morning). Exact, not an approximation: if n is
# the first occurrence after a, it is also the first after any t in [a, n), so one answer per
# stored rule and zone serves every claim until n. An ended rule (None) is never remembered.
_NEXT_KNOWN_MAX = 4096
_next_known: dict[tuple[str, ZoneInfo], tuple[int, int]] = {}  # (rule, zone) → (a, n), ms


@dataclass(frozen=True, slots=True)
class Send:
    """Push this occurrence; on success, arm `then` (None: the reminder is done)."""

    then: Reminder | None


@dataclass(frozen=True, slots=True)
class Skip:
    """Too late to be useful: send nothing and arm `then` (None: the rule has ended)."""

    then: Reminder | None


Plan = Send | Skip


def zone_of(name: str, default: ZoneInfo) -> ZoneInfo:
    if not name:
        return default
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return default


def following(reminder: Reminder, after_ms: int, zone: ZoneInfo) -> Reminder | None:
    """The reminder armed for its first occurrence after `after_ms`, or None (one-shot, or a
    rule that has ended or cannot be read)."""
    if reminder.kind is not Kind.RECURRING:
        return None
    known = _next_known.get((reminder.arg, zone))
    if known is not None and known[0] <= after_ms < known[1]:
        return reminder.rearmed(known[1])
    try:
        rule = reminder.rule()
    except ValueError:
        return None
    after = datetime.fromtimestamp(after_ms / 1000, UTC).astimezone(zone)
    nxt = rule.next_after(after, zone)
    if nxt is None:
        return None
    next_ms = int(nxt.timestamp() * 1000)
    if len(_next_known) >= _NEXT_KNOWN_MAX:
        _next_known.clear()
    _next_known[(reminder.arg, zone)] = (after_ms, next_ms)
    return reminder.rearmed(next_ms)


def plan(reminder: Reminder, now_ms: int, zone: ZoneInfo) -> Plan:
    """What to do with an occurrence a worker has just claimed."""
    if reminder.kind is not Kind.RECURRING:
        return Send(None)
    if now_ms - reminder.occurrence_ms > RECURRING_GRACE_MS:
        return Skip(following(reminder, now_ms, zone))
    return Send(following(reminder, max(now_ms, reminder.occurrence_ms), zone))


def localize_on(day: date, clock_of: datetime, zone: ZoneInfo) -> datetime:
    """`day` at the wall-clock time of `clock_of` (read in `zone`), e.g. 明日 at the same time."""
    wall = clock_of.astimezone(zone)
    return localize(datetime.combine(day, wall.time().replace(tzinfo=None)), zone)
