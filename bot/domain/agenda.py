"""A day's agenda: every occurrence of a chat's reminders on one day of its wall clock,
soonest first, and how it is said. Pure."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.recurrence import localize
from bot.domain.reminders import Kind, Reminder
from bot.domain.texts import Button, Reply

# A rule every 5 minutes fires 288 times a day: the agenda names the first ones and counts.
MAX_LINES = 30
# The agenda's own reminder (a recurring one, set by 毎朝7時に今日の予定) carries this label:
# the timer worker pushes the day's list instead of a card. A worker of the previous release
# would push a card with the label, not lose it.
AGENDA_LABEL = "📅 今日の予定"
Occurrence = tuple[datetime, Reminder]
_WEEKDAYS_JA = "月火水木金土日"


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The day's first moment and the next day's, on the chat's wall clock."""
    return localize(datetime.combine(day, time()), zone), localize(
        datetime.combine(day + timedelta(days=1), time()), zone
    )


def occurrences_on(reminders: list[Reminder], day: date, zone: ZoneInfo) -> list[Occurrence]:
    """(moment, reminder) for each occurrence on `day`, soonest first. A recurring reminder
    counts from the occurrence it is armed for (a skipped one is not on the agenda)."""
    start, end = day_bounds(day, zone)
    found: list[Occurrence] = []
    for reminder in reminders:
        armed = datetime.fromtimestamp(reminder.occurrence_ms / 1000, UTC).astimezone(zone)
        if reminder.kind is not Kind.RECURRING:
            if start <= armed < end:
                found.append((armed, reminder))
            continue
        try:
            rule = reminder.rule()
        except ValueError:
            continue
        moment = armed
        while moment < end:
            if moment >= start:
                found.append((moment, reminder))
            following = rule.next_after(moment, zone)
            if following is None:
                break
            moment = following
    return sorted(found, key=lambda item: (item[0], item[1].id))


def agenda_text(items: list[Occurrence], day: date) -> str:
    heading = f"📅 {day.month}月{day.day}日({_WEEKDAYS_JA[day.weekday()]})の予定"
    if not items:
        return f"{heading}\nこの日のリマインダーはありません。\nNothing scheduled that day."
    lines = [
        f"{moment.strftime('%H:%M')} {reminder.label or 'リマインダー'}"
        for moment, reminder in items[:MAX_LINES]
    ]
    if len(items) > MAX_LINES:
        lines.append(f"…ほか{len(items) - MAX_LINES}件")
    return f"{heading}\n" + "\n".join(lines) + f"\n({len(items)}件 / {len(items)} reminders)"


def agenda_reply(items: list[Occurrence], day: date) -> Reply:
    return Reply(agenda_text(items, day), (Button("一覧", text="一覧"),))


def is_agenda(reminder: Reminder) -> bool:
    return reminder.kind is Kind.RECURRING and reminder.label == AGENDA_LABEL


def agenda_push(
    reminders: list[Reminder], occurrence_ms: int, zone: ZoneInfo
) -> dict[str, object] | None:
    """The agenda's push for the day its occurrence falls on: one text message listing the
    day's other reminders from that moment on, or None when there are none (nothing sent)."""
    moment = datetime.fromtimestamp(occurrence_ms / 1000, UTC).astimezone(zone)
    others = [r for r in reminders if not is_agenda(r)]
    items = [(at, r) for at, r in occurrences_on(others, moment.date(), zone) if at >= moment]
    if not items:
        return None
    return {"type": "text", "text": agenda_text(items, moment.date())[:5000]}
