"""The month's quota a realistic mix of reminders spends, with and without putting a chat's
notifications due in the same second into one push.

    python -m bench.push_budget [--days 30]

A push costs one message of the month's quota per recipient, whatever it carries (1–5
message objects): a push to a 10-member group costs 10. The mix, for one chat set each:
- a 10-member group whose members each set `毎朝7時` (ゴミ出し, 当番, …): 10 reminders at 7:00;
- a user with three reminders at 7:00 (薬, 体温, 水やり) and one at 21:00;
- a family group of 4 with `平日 8:00` and `毎週土曜 9:00`;
- a user with `30分ごと` between 9:00 and 18:00 on weekdays (20 a day).
(まとめて通知 — the day's morning one-shots inside the agenda's push instead of their own — is
not built: the agenda itself is one more push a day, which the bot says when it is set.)
Each notification is one occurrence; the grouping is bot/domain/batching.group, the one the
timer worker uses (window 1 s, five a push). Occurrences are generated from the rules with
bot/domain/recurrence.Recurrence, so holidays and weekends count as the worker's would.

Measured (2026-12-06, December 2026, 31 days; pure computation, no Redis or LINE):

    mix                            notifications  pushes before  after  quota before  after
    group of 10, 毎朝7時 each                  310            310     62          3100    620
    user, 3 at 7:00 + 1 at 21:00             124            124     62           124     62
    family of 4, 平日 8:00 + 土曜 9:00           27             27     27           108    108
    user, 30分ごと 9-18 weekdays               460            460    460           460    460
    month (31 days) quota                                                     3792   1250
    saved: 67 % of the quota (free plan: 200 messages a month)
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.batching import group
from bot.domain.recurrence import Recurrence

TOKYO = ZoneInfo("Asia/Tokyo")


@dataclass(frozen=True)
class Chat:
    name: str
    members: int  # recipients a push reaches (1 for a 1:1 chat)
    rules: tuple[str, ...]  # RRULE bodies, one reminder each
    skip_holidays: tuple[bool, ...] = ()


MIX = (
    Chat("group of 10, 毎朝7時 each", 10, ("FREQ=DAILY;BYHOUR=7;BYMINUTE=0",) * 10),
    Chat(
        "user, 3 at 7:00 + 1 at 21:00",
        1,
        ("FREQ=DAILY;BYHOUR=7;BYMINUTE=0",) * 3 + ("FREQ=DAILY;BYHOUR=21;BYMINUTE=0",),
    ),
    Chat(
        "family of 4, 平日 8:00 + 土曜 9:00",
        4,
        (
            "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=8;BYMINUTE=0",
            "FREQ=WEEKLY;BYDAY=SA;BYHOUR=9;BYMINUTE=0",
        ),
        (True, False),
    ),
    Chat(
        "user, 30分ごと 9-18 weekdays",
        1,
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9,10,11,12,13,14,15,16,17,18;BYMINUTE=0,30",),
    ),
)


def occurrences(chat: Chat, start: date, days: int) -> list[tuple[str, int]]:
    """(chat, occurrence ms) for every occurrence of the chat's rules in the period."""
    begin = datetime.combine(start, datetime.min.time(), TOKYO) - timedelta(seconds=1)
    end = begin + timedelta(days=days)
    out: list[tuple[str, int]] = []
    for index, body in enumerate(chat.rules):
        skip = chat.skip_holidays[index] if index < len(chat.skip_holidays) else False
        rule = Recurrence(body, skip)
        moment = rule.next_after(begin, TOKYO)
        while moment is not None and moment < end:
            out.append((chat.name, int(moment.timestamp() * 1000)))
            moment = rule.next_after(moment, TOKYO)
    return out


def pushes(items: list[tuple[str, int]], window_ms: int) -> int:
    return len(group(items, lambda item: item[0], lambda item: item[1], window_ms))


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--days", type=int, default=31)
    parser.add_argument("--start", default="2026-12-01")
    args = parser.parse_args()
    start = date.fromisoformat(args.start)
    head = ("mix", "notifications", "pushes before", "after", "quota before", "after")
    print(f"{head[0]:38} {head[1]:>13} {head[2]:>14} {head[3]:>6} {head[4]:>13} {head[5]:>6}")
    total_before = total_after = 0
    for chat in MIX:
        items = occurrences(chat, start, args.days)
        before, after = pushes(items, 0), pushes(items, 1_000)
        q_before, q_after = before * chat.members, after * chat.members
        total_before += q_before
        total_after += q_after
        print(f"{chat.name:38} {len(items):13} {before:14} {after:6} {q_before:13} {q_after:6}")
    label = f"month ({args.days} days) quota"
    print(f"{label:38} {'':13} {'':14} {'':6} {total_before:13} {total_after:6}")
    print(f"saved: {1 - total_after / total_before:.0%} of the quota (free plan: 200 a month)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
