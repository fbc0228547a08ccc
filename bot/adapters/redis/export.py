"""Export and import every pending reminder as JSON lines, for a plan change or a migration.

Export reads every chat hash by SCAN over `rem:chat:*` (an operator command may scan; the bot
never does) and writes, after one header line, one line per chat setting and per reminder:

    {"format": "line-timer-bot/reminders", "version": 1, "exported_at_ms": ...}
    {"chat": "U…", "timezone": "America/New_York"}
    {"chat": "U…", "id": "…", "record": "<Reminder.encode()>", "due_ms": 1767225600000,
     "state": "due" | "leased", "kind": "o", "occurrence_ms": …, "attempt": 0, "label": "…"}

`record` is what import uses (the other fields are for reading); a hash field that is neither
due nor leased (not pending: nothing would deliver it) is counted, not exported.

Import re-adds through the bot's own Lua ADD (`ReminderStore.add`, no chat limit), so each
reminder is armed for its occurrence exactly as if it had just been set (one waiting for a
retry is retried at once). A reminder whose id the chat already holds is kept as it is:
importing twice changes nothing, and an import into a live bot never rewinds what it has
delivered since.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, cast

import redis

from bot.adapters.redis import keys
from bot.adapters.redis.reminder_store import Added, ReminderStore
from bot.domain.reminders import MalformedReminderError, Reminder, member_of

FORMAT = "line-timer-bot/reminders"
VERSION = 1
SCAN_COUNT = 500
NO_LIMIT = 2**31


@dataclass
class ExportReport:
    chats: int = 0
    reminders: int = 0
    settings: int = 0
    not_pending: int = 0  # hash fields nothing would deliver
    malformed: int = 0


@dataclass
class ImportReport:
    added: int = 0
    kept: int = 0  # the chat already held that id
    settings: int = 0
    refused: list[str] = field(default_factory=list)  # "line N: why"


def export_lines(client: redis.Redis, now_ms: int, report: ExportReport) -> Iterator[str]:
    yield json.dumps({"format": FORMAT, "version": VERSION, "exported_at_ms": now_ms})
    prefix = keys.chat_key("")
    batch: list[bytes] = []
    for key in client.scan_iter(match=prefix + "*", count=SCAN_COUNT):
        batch.append(cast(bytes, key))
        if len(batch) >= SCAN_COUNT:
            yield from _export_batch(client, batch, prefix, report)
            batch = []
    yield from _export_batch(client, batch, prefix, report)


def _export_batch(
    client: redis.Redis, batch: list[bytes], prefix: str, report: ExportReport
) -> Iterator[str]:
    if not batch:
        return
    pipe = client.pipeline(transaction=False)
    for key in batch:
        pipe.hgetall(key)
    hashes = cast(list[dict[bytes, bytes]], pipe.execute())
    chats: list[tuple[str, dict[str, str]]] = []
    for key, raw in zip(batch, hashes, strict=True):
        chat_id = key.decode()[len(prefix) :]
        chats.append((chat_id, {k.decode(): v.decode() for k, v in raw.items()}))
    members = [
        member_of(c, f) for c, fields in chats for f in fields if f not in keys.SETTING_FIELDS
    ]
    due, leased = _scores(client, members)
    for chat_id, fields in chats:
        report.chats += 1
        zone = fields.get(keys.SETTING_TIMEZONE)
        if zone:
            report.settings += 1
            yield json.dumps({"chat": chat_id, "timezone": zone}, ensure_ascii=False)
        for reminder_id, record in sorted(fields.items()):
            if reminder_id in keys.SETTING_FIELDS:
                continue
            line = _reminder_line(
                chat_id, reminder_id, record, due=due, leased=leased, report=report
            )
            if line is not None:
                yield line


def _scores(
    client: redis.Redis, members: list[str]
) -> tuple[dict[str, float | None], dict[str, float | None]]:
    if not members:
        return {}, {}
    pipe = client.pipeline(transaction=False)
    pipe.zmscore(keys.REMINDERS_DUE, members)
    pipe.zmscore(keys.REMINDERS_LEASED, members)
    due, leased = cast(list[list[float | None]], pipe.execute())
    return dict(zip(members, due, strict=True)), dict(zip(members, leased, strict=True))


def _reminder_line(
    chat_id: str,
    reminder_id: str,
    record: str,
    *,
    due: dict[str, float | None],
    leased: dict[str, float | None],
    report: ExportReport,
) -> str | None:
    try:
        reminder = Reminder.decode(chat_id, reminder_id, record)
    except MalformedReminderError:
        report.malformed += 1
        return None
    member = reminder.member
    if due.get(member) is not None:
        state, due_ms = "due", int(cast(float, due[member]))
    elif leased.get(member) is not None:
        state, due_ms = "leased", reminder.occurrence_ms  # in flight: its lease is no due time
    else:
        report.not_pending += 1
        return None
    report.reminders += 1
    data: dict[str, Any] = {
        "chat": chat_id,
        "id": reminder_id,
        "record": record,
        "due_ms": due_ms,
        "state": state,
        "kind": reminder.kind.value,
        "occurrence_ms": reminder.occurrence_ms,
        "attempt": reminder.attempt,
        "label": reminder.label,
    }
    return json.dumps(data, ensure_ascii=False)


def export_to(client: redis.Redis, out: IO[str], now_ms: int) -> ExportReport:
    report = ExportReport()
    for line in export_lines(client, now_ms, report):
        out.write(line + "\n")
    return report


def import_lines(client: redis.Redis, lines: Iterable[str]) -> ImportReport:
    store = ReminderStore(client)
    report = ImportReport()
    for number, raw in enumerate(lines, start=1):
        text = raw.strip()
        if not text:
            continue
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise ValueError("not an object")
            _import_one(client, store, data, report)
        except (ValueError, KeyError, TypeError, MalformedReminderError) as exc:
            report.refused.append(f"line {number}: {type(exc).__name__}: {exc}")
    return report


def _import_one(
    client: redis.Redis, store: ReminderStore, data: dict[str, Any], report: ImportReport
) -> None:
    if "format" in data:
        if data["format"] != FORMAT or int(data.get("version", 0)) > VERSION:
            raise ValueError(f"not an export this release reads: {data['format']!r}")
        return
    chat_id = str(data["chat"])
    if not chat_id or chat_id.startswith("_"):
        raise ValueError("no chat")
    if "timezone" in data:
        # Kept when the chat already chose one: the import never overrides a live choice.
        client.hsetnx(keys.chat_key(chat_id), keys.SETTING_TIMEZONE, str(data["timezone"]))
        report.settings += 1
        return
    reminder_id = str(data["id"])
    if reminder_id in keys.SETTING_FIELDS:
        raise ValueError("a setting's name is no reminder id")
    reminder = Reminder.decode(chat_id, reminder_id, str(data["record"]))
    if client.hexists(keys.chat_key(chat_id), reminder_id):
        report.kept += 1
        return
    result = store.add(reminder, event_id=None, max_pending=NO_LIMIT)
    if result is Added.ADDED:
        report.added += 1
    else:
        raise ValueError(f"not stored: {result.value}")
