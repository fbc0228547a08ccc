"""An intent as the JSON object `python -m bot parse` prints and /api/reminders answers with.

{"text", "kind", "next": [ISO-8601...], "label"} plus "seconds" (timer), "rule" (recurring),
"alerts" (ISO-8601 moments before the first one) and "nag" (until done), "reason"
(unreadable, out of range, ask) and, for an ask, "unread" (the pieces that looked like time)
and "readings" (the offered readings, each an object of this same shape). Pure.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.domain.intents import (
    AskWhich,
    Intent,
    OutOfRange,
    RemindOnce,
    RemindRecurring,
    StartTimer,
    Unreadable,
)

RECURRING_SHOWN = 3


def describe(
    text: str, intent: Intent, at: datetime, *, sub_second: bool = False
) -> dict[str, Any]:
    """The JSON object for one message read at `at`."""
    line: dict[str, Any] = {"text": text, "kind": intent.kind, "next": [], "label": ""}
    if isinstance(intent, StartTimer):
        due = (at.astimezone(UTC) + timedelta(seconds=intent.seconds)).astimezone(at.tzinfo)
        line.update(
            next=[due.isoformat(timespec="auto" if sub_second else "seconds")],
            label=intent.label,
            seconds=intent.seconds,
        )
    elif isinstance(intent, RemindOnce):
        line.update(next=[_iso(intent.at)], label=intent.label)
    elif isinstance(intent, RemindRecurring):
        zone = at.tzinfo
        assert zone is not None
        upcoming = [intent.first, *intent.rule.occurrences(intent.first, zone, RECURRING_SHOWN - 1)]
        line.update(
            next=[_iso(moment) for moment in upcoming],
            label=intent.label,
            rule=intent.rule.describe_ja(),
        )
    elif isinstance(intent, Unreadable):
        line.update(label=intent.label, reason=intent.reason)
    elif isinstance(intent, OutOfRange):
        line.update(reason=intent.reason)
    elif isinstance(intent, AskWhich):
        line.update(
            label=intent.label,
            reason=intent.reason,
            unread=list(intent.unread),
            readings=[
                describe(text, reading, at, sub_second=sub_second) for reading in intent.readings
            ],
        )
    if isinstance(intent, RemindOnce | RemindRecurring) and intent.alerts:
        first = intent.at if isinstance(intent, RemindOnce) else intent.first
        line["alerts"] = [_iso(first - timedelta(seconds=before)) for before in intent.alerts]
    if isinstance(intent, StartTimer | RemindOnce | RemindRecurring) and intent.nag is not None:
        line["nag"] = {"every_minutes": intent.nag.every_minutes, "times": intent.nag.times}
    return line


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
