"""The parser's ask (AskWhich): a message it could read only in part, or that contradicts itself.

Nothing is stored but the question (asking.Question, 30-min TTL, the member who asked): its
label and the readings offered, as the reminder records a tap will arm. A reading's button
carries only the question's nonce and the reading's index, and its reminder id is derived from
both, so a second tap or a redelivered event names the same reminder and stores nothing new.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.domain import ask_texts, intents, postbacks
from bot.domain.reminder_texts import local
from bot.domain.reminders import Kind, MalformedReminderError, Reminder, reminder_id_for_event
from bot.domain.texts import Button, Reply
from bot.service import asking
from bot.service.context import Turn


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _record(reading: intents.Reminding, sent_ms: int, label: str) -> Reminder:
    """A reading as the record a tap arms (chat and id are filled in at the tap). A timer runs
    from the message, as every relative expression is read against the user's moment."""
    label = (reading.label or label)[: asking.LABEL_CHARS]
    if isinstance(reading, intents.StartTimer):
        due = sent_ms + reading.seconds * 1000
        return Reminder("", "", Kind.TIMER, due, label, str(reading.seconds))
    if isinstance(reading, intents.RemindOnce):
        return Reminder("", "", Kind.ONCE, _ms(reading.at), label)
    return Reminder.recurring("", "", _ms(reading.first), label, reading.rule)


def ask(
    turn: Turn, intent: intents.AskWhich, zone: ZoneInfo, previous: asking.Question | None
) -> str:
    """Say what was read and what was not, offer the readings, and keep only the question.

    `previous`: the member's open question, which this one replaces; its label stands in when
    the message brought none, and a change of a listed reminder stays that change."""
    if turn.event_id and not turn.ctx.reminders.mark_event_seen(turn.event_id):
        return "duplicate"
    now = datetime.fromtimestamp(turn.timestamp_ms / 1000, UTC).astimezone(zone)
    max_days = turn.ctx.settings.reminder_max_days
    label = (intent.label or (previous.label if previous else ""))[: asking.LABEL_CHARS]
    # A reading with alerts or repeats is not offered as a button: a tap arms one record, and
    # dropping its follow-ups silently would be a guess (the picker and typing still answer).
    plain = [r for r in intent.readings if not r.alerts and r.nag is None]
    records = [_record(r, turn.timestamp_ms, label) for r in plain]
    first = local(records[0].occurrence_ms, zone) if records else None
    # A button that could only answer "that has passed" is not offered. Without a member to
    # keep the question for (LINE did not say who), there is nowhere to keep readings either:
    # the picker still works, its data carrying the label.
    offered = [
        r for r in records if asking.within(local(r.occurrence_ms, zone), now, max_days) is None
    ][: postbacks.MAX_READINGS]
    if not turn.user_id:
        offered = []
    question = asking.Question(
        asking.new_nonce(),
        label,
        previous.edit_id if previous else "",
        tuple(r.encode() for r in offered),
    )
    if turn.user_id:
        turn.ctx.reminders.ask(turn.chat_id, turn.user_id, question.encode())
    buttons = []
    for index, record in enumerate(offered):
        shown = ask_texts.button_label(record, local(record.occurrence_ms, zone), now)
        data = postbacks.picked_reading(question.nonce, index)
        buttons.append(Button(shown, data=data, display_text=shown))
    buttons += [asking.picker_button(question, now, max_days), asking.CANCEL_BUTTON]
    text = ask_texts.question(intent.reason, label, intent.unread, first, bool(offered))
    return turn.reply(Reply(text, tuple(buttons)), "ask_which")


def tapped(
    question: asking.Question | None, tap: postbacks.PickedReading, chat_id: str
) -> Reminder | None:
    """The reminder a tapped reading arms, or None when its question is no longer open (it
    expired, was answered, or is another member's)."""
    if question is None or question.nonce != tap.nonce or tap.index >= len(question.readings):
        return None
    rid = reminder_id_for_event(f"ask:{tap.nonce}", tap.index)
    try:
        return Reminder.decode(chat_id, rid, question.readings[tap.index])
    except MalformedReminderError:
        return None
