"""毎朝7時に今日の予定 / 予定 毎朝7時 / agenda daily 7am: the day's reminders in one push on a
rule (the agenda's own reminder, bot/domain/agenda.py); 予定 停止 stops it. One agenda a chat:
setting another replaces it. Stored once per event like any reminder."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain import agenda, intents, reminder_texts
from bot.domain.ports import Added, StoreFullError
from bot.domain.reminders import Reminder, reminder_id_for_event
from bot.domain.texts import Button, Reply
from bot.service.context import Turn
from bot.service.follow_up_commands import cancel_with_follow_ups


def set_agenda(intent: intents.SetAgenda, turn: Turn, zone: ZoneInfo) -> str:
    book = turn.ctx.reminders
    before = [r.id for r in book.pending(turn.chat_id) if agenda.is_agenda(r)]
    if intent.rule is None or intent.first is None:
        if not book.mark_event_seen(turn.event_id):
            return "duplicate"
        cancel_with_follow_ups(turn, before)
        return turn.reply(
            _said("📅 予定の送信を止めました。\nThe daily agenda is off."), "agenda_off"
        )
    rid = reminder_id_for_event(turn.event_id or str(turn.timestamp_ms))
    reminder = Reminder.recurring(
        turn.chat_id, rid, _ms(intent.first), agenda.AGENDA_LABEL, intent.rule
    )
    limit = turn.ctx.settings.max_reminders_per_chat
    try:
        added = book.add(reminder, event_id=turn.event_id or None, max_pending=limit + len(before))
    except StoreFullError:
        return turn.reply(reminder_texts.not_stored(), "not_stored")
    if added is Added.DUPLICATE:
        return "duplicate"
    if added is Added.FULL:
        return turn.reply(reminder_texts.chat_full(limit), "chat_full")
    cancel_with_follow_ups(turn, [old for old in before if old != rid])  # one agenda a chat
    rule = reminder.rule().describe_ja()
    text = (
        f"📅 {rule} に、その日の予定を1通のプッシュでお送りします（予定のない日は送りません）。\n"
        f"The day's reminders in one push, {rule}; nothing on an empty day."
    )
    return turn.reply(_said(text), "agenda_on")


def _said(text: str) -> Reply:
    return Reply(text, (Button("今日の予定", text="今日の予定"), Button("一覧", text="一覧")))


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
