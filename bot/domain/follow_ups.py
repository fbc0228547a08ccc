"""Alerts before an event (30分前にも) and reminders until done (完了するまで) as follow-ups:
each is a reminder of its own in the same chat — its own occurrence, its own retry key,
delivered exactly once by the same engine — linked to the reminder it belongs to. Pure.

Why separate reminders rather than stages of one record: the engine's exactly-once path
(claim, lease, push with one retry key per occurrence, ack) is unchanged, and a worker of the
previous release that claims a follow-up during a deploy delivers it as what it is, an
ordinary reminder whose label says what it is for (`⏰ 30分前: 会議 (10:00)`).

A recurring reminder's follow-ups recur with it: the same rule at the shifted time of day. A
shift across midnight moves a weekly rule's days with it; a monthly or yearly rule, or one that
skips holidays, cannot say "the day before" as a rule, so such an alert is refused.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.domain.intents import Nag
from bot.domain.recurrence import Recurrence
from bot.domain.reminders import Kind, Reminder

_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MAX_ALERTS = 5
MAX_NAGS = 20


@dataclass(frozen=True, slots=True)
class Links:
    """A reminder's follow-ups: its alerts (id, seconds before) and its until-done repeats (id,
    nth), and the repeats' spacing in minutes."""

    alerts: list[tuple[str, int]] = field(default_factory=list)
    nags: list[tuple[str, int]] = field(default_factory=list)
    every_minutes: int = 0

    @property
    def ids(self) -> list[str]:
        return [rid for rid, _ in self.alerts] + [rid for rid, _ in self.nags]

    def encode(self) -> str:
        return json.dumps(
            {"a": self.alerts, "n": self.nags, "e": self.every_minutes}, separators=(",", ":")
        )

    @classmethod
    def decode(cls, raw: str | bytes | None) -> Links:
        try:
            data = json.loads(raw or "{}")
            alerts = [(str(rid), int(before)) for rid, before in data.get("a", [])]
            nags = [(str(rid), int(nth)) for rid, nth in data.get("n", [])]
            return cls(alerts, nags, int(data.get("e", 0)))
        except (ValueError, TypeError, AttributeError):
            return cls()


def describe_before(seconds: int) -> str:
    if seconds % 86400 == 0:
        return f"{seconds // 86400}日前"
    if seconds % 3600 == 0:
        return f"{seconds // 3600}時間前"
    return f"{seconds // 60}分前"


def _local(ms: int, zone: object) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(zone)  # type: ignore[arg-type]


def shifted_rule(rule: Recurrence, seconds: int) -> Recurrence | None:
    """The same rule `seconds` later (negative: earlier) on the wall clock; None when the
    shift crosses midnight for a rule whose days cannot simply move."""
    parts = dict(part.split("=", 1) for part in rule.rule.split(";"))
    hours = [int(h) for h in parts["BYHOUR"].split(",")]
    minutes = [int(m) for m in parts["BYMINUTE"].split(",")]
    marks = sorted({h * 60 + m + seconds // 60 for h in hours for m in minutes})
    day_shifts = {mark // 1440 for mark in marks}
    if len(day_shifts) != 1 or seconds % 60:
        return None
    (day_shift,) = day_shifts
    new_hours = sorted({(mark % 1440) // 60 for mark in marks})
    new_minutes = sorted({mark % 60 for mark in marks})
    if len(new_hours) * len(new_minutes) != len(marks):
        return None
    body = re.sub(r"BYHOUR=[^;]*", "BYHOUR=" + ",".join(map(str, new_hours)), rule.rule)
    body = re.sub(r"BYMINUTE=[^;]*", "BYMINUTE=" + ",".join(map(str, new_minutes)), body)
    anchor = rule.anchor
    if day_shift:
        freq = parts["FREQ"]
        if freq not in ("DAILY", "WEEKLY") or rule.skip_holidays or "BYMONTHDAY" in parts:
            return None
        if freq == "WEEKLY":
            codes = parts["BYDAY"].split(",")
            days = [_DAYS[(_DAYS.index(code[-2:]) + day_shift) % 7] for code in codes]
            body = re.sub(r"BYDAY=[^;]*", "BYDAY=" + ",".join(days), body)
        if anchor is not None:
            anchor = anchor + timedelta(days=day_shift)
    if "UNTIL" in parts:
        until = datetime.strptime(parts["UNTIL"], "%Y%m%dT%H%M%S") + timedelta(seconds=seconds)
        body = re.sub(r"UNTIL=[^;]*", "UNTIL=" + until.strftime("%Y%m%dT%H%M%S"), body)
    try:
        return Recurrence(body, rule.skip_holidays, anchor)
    except ValueError:
        return None


def _child(
    parent: Reminder, rid: str, shift_s: int, label: str, *, zone: object, now_ms: int
) -> Reminder | None:
    due = parent.occurrence_ms + shift_s * 1000
    if parent.kind is not Kind.RECURRING:
        return Reminder(parent.chat_id, rid, Kind.ONCE, due, label)
    rule = shifted_rule(parent.rule(), shift_s)
    if rule is None:
        return None
    # The follow-up of the parent's first occurrence, or the next one still ahead.
    after = _local(max(due - 1000, now_ms), zone)
    first = rule.next_after(after, zone)  # type: ignore[arg-type]
    if first is None:
        return None
    return Reminder.recurring(parent.chat_id, rid, int(first.timestamp() * 1000), label, rule)


def follow_ups(
    parent: Reminder,
    alerts: tuple[int, ...],
    nag: Nag | None,
    ids: list[str],
    *,
    zone: object,
    now_ms: int,
) -> tuple[list[Reminder], Links, list[int]] | None:
    """(the follow-up reminders, their links, the alerts skipped because their moment has
    passed); None when an alert cannot recur with its rule. `ids`: one per follow-up, in
    order (alerts first)."""
    when = _local(parent.occurrence_ms, zone).strftime("%H:%M").lstrip("0") or "0:00"
    what = parent.label or "お知らせ"
    made: list[Reminder] = []
    links = Links(every_minutes=nag.every_minutes if nag else 0)
    skipped: list[int] = []
    queue = iter(ids)
    for before in alerts[:MAX_ALERTS]:
        rid = next(queue)
        if parent.kind is not Kind.RECURRING and parent.occurrence_ms - before * 1000 <= now_ms:
            skipped.append(before)
            continue
        label = f"⏰ {describe_before(before)}: {what} ({when})"
        child = _child(parent, rid, -before, label, zone=zone, now_ms=now_ms)
        if child is None:
            return None
        made.append(child)
        links.alerts.append((rid, before))
    if nag is not None:
        for nth in range(1, min(nag.times, MAX_NAGS) + 1):
            rid = next(queue)
            label = f"🔁 {what} ({nth + 1}回目・完了でおしまい)"
            shift = nth * nag.every_minutes * 60
            child = _child(parent, rid, shift, label, zone=zone, now_ms=now_ms)
            if child is None:
                return None
            made.append(child)
            links.nags.append((rid, nth))
    return made, links, skipped


def needed_ids(alerts: tuple[int, ...], nag: Nag | None) -> int:
    return min(len(alerts), MAX_ALERTS) + (min(nag.times, MAX_NAGS) if nag else 0)
