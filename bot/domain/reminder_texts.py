"""What the bot says about reminders: confirmations, the list, notifications. Pure.

Every confirmation states the resolved moment with its year and weekday
(`2026年12月25日(金) 18:00`) so a misreading shows at once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.domain.follow_ups import Links, describe_before
from bot.domain.reminders import Kind, Reminder
from bot.domain.texts import Button, Reply, describe_duration, describe_duration_en

WEEKDAYS_JA = "月火水木金土日"
UNDO_LABEL = "取り消す"
LIST_BUTTON = Button("一覧", text="一覧")


def moment_ja(moment: datetime, *, seconds: bool = False) -> str:
    """`2026年12月25日(金) 18:00` (with `:SS` for timers)."""
    clock = moment.strftime("%H:%M:%S" if seconds else "%H:%M").lstrip("0")
    clock = clock if not clock.startswith(":") else "0" + clock
    return f"{moment.year}年{moment.month}月{moment.day}日({WEEKDAYS_JA[moment.weekday()]}) {clock}"


@lru_cache(maxsize=1024)
def moment_ja_at(ms: int, zone: ZoneInfo, *, seconds: bool = False) -> str:
    """moment_ja of an epoch-ms moment read in `zone`. Remembered: the chats due at one instant
    share it, and each card says it twice (subtitle and altText)."""
    return moment_ja(local(ms, zone), seconds=seconds)


def moment_en(moment: datetime) -> str:
    return moment.strftime("%a %d %b %Y %H:%M")


def local(ms: int, zone: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(zone)


def rule_ja(reminder: Reminder) -> str:
    try:
        return reminder.rule().describe_ja()
    except ValueError:
        return "くり返し"


def undo_button(reminder: Reminder) -> Button:
    return Button(UNDO_LABEL, data=f"undo:{reminder.id}", display_text=UNDO_LABEL)


def alert_cannot_recur() -> Reply:
    return Reply(
        "毎月・毎年・祝日を除くくり返しでは、日をまたぐ事前通知（前日など）は設定できません。"
        "時刻の前の通知（30分前など）は使えます。\n"
        "An alert the day before can't repeat with a monthly, yearly or holiday-skipping rule.",
        (LIST_BUTTON,),
    )


def follow_ups_said(
    children: list[Reminder], links: Links, skipped: list[int], zone: ZoneInfo
) -> list[str]:
    """The confirmation's lines about alerts before and repeats until done (what they may
    cost in pushes included)."""
    by_id = {child.id: child for child in children}
    lines = []
    for rid, before in links.alerts:
        when = local(by_id[rid].occurrence_ms, zone).strftime("%H:%M").lstrip("0")
        lines.append(f"⏰ {describe_before(before)}（{when}）にもお知らせします。")
    for before in skipped:
        lines.append(f"（{describe_before(before)}はもう過ぎているため省きます）")
    if links.nags:
        count = len(links.nags)
        lines.append(
            f"🔁 完了を押すまで{links.every_minutes}分おきに最大{count}回くり返します"
            f"（プッシュ最大{count}通 / up to {count} more pushes until 完了）。"
        )
    return lines


def with_lines(reply: Reply, lines: list[str]) -> Reply:
    if not lines:
        return reply
    head, sep, tail = reply.text.partition("\n")
    return Reply(head + "\n" + "\n".join(lines) + sep + tail, reply.quick_replies)


def edit_rule_needs_time() -> Reply:
    return Reply(
        "くり返しのリマインダーは時刻だけ変更できます（例: 変更 3 9時）。別の日にするには取り消して"
        "設定し直してください。\nA repeating reminder can change its time only (e.g. 変更 3 9:00).",
        (LIST_BUTTON,),
    )


def edit_busy() -> Reply:
    return Reply(
        "ちょうどお知らせ中のため変更できませんでした。一覧から確かめてください。\n"
        "It was being delivered just now; check the list and try again.",
        (LIST_BUTTON,),
    )


def edited(confirmation: Reply) -> Reply:
    return Reply("✏️ 変更しました。\n" + confirmation.text, confirmation.quick_replies)


def edit_button(reminder: Reminder, zone: ZoneInfo) -> Button:
    """時間を変更: the date-time picker, prefilled with the reminder's moment; its answer moves
    the reminder (a recurring one changes its time of day)."""
    when = local(reminder.occurrence_ms, zone).strftime("%Y-%m-%dT%H:%M")
    return Button(
        "時間を変更",
        data=f"edit:{reminder.id}",
        display_text="時間を変更",
        picker="datetime",
        initial=when,
    )


def confirmation(reminder: Reminder, zone: ZoneInfo) -> Reply:
    when = local(reminder.occurrence_ms, zone)
    what = f"「{reminder.label}」" if reminder.label else ""
    buttons = (undo_button(reminder), edit_button(reminder, zone), LIST_BUTTON)
    if reminder.kind is Kind.TIMER:
        text = (
            f"⏱ {describe_duration(reminder.seconds)}のタイマー{what}をセットしました。\n"
            f"{moment_ja(when, seconds=True)} にお知らせします。\n"
            f"Timer set for {describe_duration_en(reminder.seconds)} "
            f"(until {when.strftime('%H:%M:%S')})."
        )
    elif reminder.kind is Kind.RECURRING:
        text = (
            f"🔁 {rule_ja(reminder)} に{what or 'お知らせ'}をくり返します。\n"
            f"次回: {moment_ja(when)}\n"
            f"Repeats; next on {moment_en(when)}."
        )
    else:
        text = (
            f"⏰ {moment_ja(when)} に{what or 'お知らせ'}をリマインドします。\n"
            f"I'll remind you on {moment_en(when)}."
        )
    return Reply(text, buttons)


def notification(reminder: Reminder, zone: ZoneInfo) -> str:
    """The pushed text: the label first (it is what the lock screen shows)."""
    if reminder.kind is Kind.TIMER:
        length = describe_duration(reminder.seconds)
        if reminder.label:
            return f"⏰ {reminder.label}の時間です！（{length}）"
        return f"⏰ {length}たちました！\n{describe_duration_en(reminder.seconds)} are up!"
    when = moment_ja_at(reminder.occurrence_ms, zone)
    head = f"⏰ {reminder.label}" if reminder.label else "⏰ リマインダーの時間です"
    if reminder.kind is Kind.RECURRING:
        return f"{head}\n（{rule_ja(reminder)}・{when}）"
    return f"{head}\n（{when} に設定したリマインダー）"


def listing(
    reminders: list[Reminder], zone: ZoneInfo, follow_ups: dict[str, list[Reminder]] | None = None
) -> Reply:
    """The numbered list; `follow_ups`: each reminder's alerts and repeats, shown under it."""
    if not reminders:
        return Reply(
            "予定しているリマインダーはありません。\nNo reminders pending.",
            (Button("10分後", text="10分後"), Button("明日の朝8時", text="明日の朝8時")),
        )
    lines = [f"📋 リマインダー一覧（{len(reminders)}件）"]
    for number, reminder in enumerate(reminders, 1):
        when = moment_ja(local(reminder.occurrence_ms, zone), seconds=reminder.kind is Kind.TIMER)
        what = reminder.label or (
            f"{describe_duration(reminder.seconds)}のタイマー"
            if reminder.kind is Kind.TIMER
            else "（内容なし）"
        )
        if reminder.kind is Kind.RECURRING:
            lines.append(f"{number}. {what} — {rule_ja(reminder)}（次回 {when}）")
        else:
            lines.append(f"{number}. {what} — {when}")
        for child in (follow_ups or {}).get(reminder.id, []):
            at = local(child.occurrence_ms, zone).strftime("%m/%d %H:%M").lstrip("0")
            lines.append(f"　└ {child.label.split(':')[0].split(' (')[0]} {at}")
    lines.append("「取消 番号」で取り消し、「取消 全部」ですべて取り消します。")
    buttons = tuple(
        Button(f"取消 {n}", text=f"取消 {n}") for n in range(1, min(len(reminders), 10) + 1)
    )
    return Reply("\n".join(lines), buttons)


def cancelled(reminders: list[Reminder], zone: ZoneInfo) -> Reply:
    if len(reminders) == 1:
        reminder = reminders[0]
        what = f"「{reminder.label}」" if reminder.label else ""
        when = moment_ja(local(reminder.occurrence_ms, zone))
        return Reply(f"🗑 {when} のリマインダー{what}を取り消しました。\nCancelled.", (LIST_BUTTON,))
    return Reply(
        f"🗑 {len(reminders)}件のリマインダーを取り消しました。\nCancelled {len(reminders)}."
    )


def nothing_to_cancel() -> Reply:
    return Reply("取り消すリマインダーはありません。\nNothing to cancel.", (LIST_BUTTON,))


def no_such_number(number: int, count: int) -> Reply:
    return Reply(
        f"{number}番のリマインダーはありません（{count}件あります）。「一覧」で番号を確かめてください。\n"
        f"There is no reminder {number}.",
        (LIST_BUTTON,),
    )


def chat_full(limit: int) -> Reply:
    return Reply(
        f"リマインダーは1つのトークで{limit}件までです。「一覧」から不要なものを取り消してください。\n"
        f"This chat already has {limit} reminders pending; cancel some first.",
        (LIST_BUTTON,),
    )


def timezone_set(zone: str, now: datetime) -> Reply:
    return Reply(
        f"🌐 タイムゾーンを {zone} にしました（現在 {moment_ja(now)}）。\n"
        "これから設定するリマインダーに使います。\n"
        f"Time zone set to {zone}."
    )


def not_stored() -> Reply:
    return Reply(
        "ごめんなさい、いまリマインダーを保存できませんでした。少し待ってからもう一度送ってください。\n"
        "Sorry, the reminder could not be stored. Please try again in a moment."
    )


def already_gone() -> Reply:
    return Reply(
        "そのリマインダーはもうありません（取り消し済みか、お知らせ済みです）。\n"
        "That reminder is already gone.",
        (LIST_BUTTON,),
    )


def already_done() -> Reply:
    return Reply("この通知はもう操作済みです。\nThat was already done.", (LIST_BUTTON,))


def done(label: str, by: str = "") -> Reply:
    """完了 on a card; in a group `by` names who tapped it."""
    what = f"「{label}」" if label else ""
    who = f"✓ 完了: {by}\n" if by else ""
    return Reply(
        f"{who}✅ {what}完了にしました。おつかれさまでした！\nMarked as done.", (LIST_BUTTON,)
    )


def snoozed_by(minutes: int | None, by: str) -> Reply:
    """Who snoozed a group's card, before its confirmation (`minutes` None: to tomorrow)."""
    when = f"{minutes}分後" if minutes else "明日"
    return Reply(f"⏰ {when}に再通知: {by}")


def try_again() -> Reply:
    return Reply(
        "いま送信中のため変更できませんでした。少し待ってからもう一度どうぞ。\n"
        "It is being sent right now; please try again in a moment.",
        (LIST_BUTTON,),
    )


def skipped(current: Reminder, after: Reminder, zone: ZoneInfo) -> Reply:
    skipped_at = moment_ja(local(current.occurrence_ms, zone))
    next_at = moment_ja(local(after.occurrence_ms, zone))
    return Reply(
        f"⏭ 次回（{skipped_at}）はお休みします。その次は {next_at} です。\n"
        f"Skipping {skipped_at}; next on {next_at}.",
        (LIST_BUTTON,),
    )


def timezone_is(zone: ZoneInfo, now: datetime) -> Reply:
    """What a bare タイムゾーン (the rich menu's 設定) shows: the zone and how to change it."""
    return Reply(
        f"🌐 このトークのタイムゾーンは {zone.key} です（現在 {moment_ja(now)}）。\n"
        "変えるには「タイムゾーン America/New_York」のように送ってください。\n"
        f'This chat\'s time zone is {zone.key}; send e.g. "timezone Europe/London" to change it.',
        (
            Button("東京", text="タイムゾーン Asia/Tokyo"),
            Button("ニューヨーク", text="タイムゾーン America/New_York"),
            Button("ロンドン", text="タイムゾーン Europe/London"),
        ),
    )
