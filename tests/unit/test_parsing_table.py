"""The forms the bot reads, as a table: (reference, text) → (kind, value, label).

value: the first moment (ISO-8601, its offset checked too) for timer, once and recurring; the
reason for unreadable and out_of_range; the number ("all" for None) for cancel; the zone for
timezone; the text for analyze; empty for list and help.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.intents import (
    Analyze,
    AskWhich,
    CalendarFeed,
    CancelReminder,
    Intent,
    NotifyToken,
    OutOfRange,
    RemindOnce,
    RemindRecurring,
    SetTimezone,
    StartTimer,
    Unreadable,
)
from bot.domain.parsing import read_message

TOKYO = "Asia/Tokyo"
NEW_YORK = "America/New_York"
REFERENCES: dict[str, tuple[str, str]] = {
    "TUE": ("2026-12-01T10:00", TOKYO),  # a Tuesday morning
    "TUE_LATE": ("2026-12-01T23:00", TOKYO),
    "TUE_EARLY": ("2026-12-01T06:00", TOKYO),
    "MON": ("2026-12-07T08:00", TOKYO),
    "MON_LATE": ("2026-12-07T20:00", TOKYO),
    "SUN": ("2026-12-06T10:00", TOKYO),
    "YEAR_END": ("2026-12-31T23:30", TOKYO),
    "MONTH_END": ("2027-01-31T12:00", TOKYO),  # a Sunday, before a February of 28 days
    "FEB": ("2027-02-10T10:00", TOKYO),
    "AFTER_FEB": ("2027-03-01T10:00", TOKYO),
    "LEAP_EVE": ("2028-02-28T10:00", TOKYO),
    "BEFORE_HOLIDAY": ("2027-01-08T09:00", TOKYO),  # Friday before 成人の日 (Mon 1-11)
    "GOLDEN_WEEK": ("2027-04-30T09:00", TOKYO),  # Friday; Mon–Wed 5-3..5-5 are holidays
    "SUBSTITUTE": ("2026-05-01T09:00", TOKYO),  # 5-4, 5-5 holidays, 5-6 振替休日
    "NY_SPRING": ("2027-03-13T12:00", NEW_YORK),  # the day before clocks go forward
    "NY_SPRING_NIGHT": ("2027-03-14T00:30", NEW_YORK),
    "NY_FALL": ("2027-11-06T12:00", NEW_YORK),  # the day before clocks go back
    "NY_FALL_NIGHT": ("2027-11-07T00:30", NEW_YORK),
    "SUN_NOON": ("2026-12-06T12:46", TOKYO),  # the issue's own moment: a Sunday lunchtime
    "AT_FOUR": ("2026-12-06T16:00", TOKYO),
}

TABLE = """
TUE | 180 | timer | 2026-12-01T10:03+09:00 |
TUE | １８０ | timer | 2026-12-01T10:03+09:00 |
TUE | 3分 | timer | 2026-12-01T10:03+09:00 |
TUE | 1時間30分 | timer | 2026-12-01T11:30+09:00 |
TUE | 1h30m | timer | 2026-12-01T11:30+09:00 |
TUE | 90s | timer | 2026-12-01T10:01:30+09:00 |
TUE | 2.5時間 | timer | 2026-12-01T12:30+09:00 |
TUE | 十五分後 | timer | 2026-12-01T10:15+09:00 |
TUE | 10分後に電話 | timer | 2026-12-01T10:10+09:00 | 電話
TUE | in 10 min | timer | 2026-12-01T10:10+09:00 |
TUE | 3日後 | timer | 2026-12-04T10:00+09:00 |
TUE | 180秒 | timer | 2026-12-01T10:03+09:00 |
TUE | 3分 カップ麺 | timer | 2026-12-01T10:03+09:00 | カップ麺
TUE | 2 min tea | timer | 2026-12-01T10:02+09:00 | tea
TUE | 1時間半 | timer | 2026-12-01T11:30+09:00 |
TUE | 2週間後 | timer | 2026-12-15T10:00+09:00 |
TUE | 45 minutes | timer | 2026-12-01T10:45+09:00 |
TUE | 1 hour | timer | 2026-12-01T11:00+09:00 |
TUE | 30分後 会議 | timer | 2026-12-01T10:30+09:00 | 会議
TUE | 180 ラーメン | timer | 2026-12-01T10:03+09:00 | ラーメン
TUE | 十分 | timer | 2026-12-01T10:10+09:00 |
TUE | 二時間 | timer | 2026-12-01T12:00+09:00 |
TUE | 1日後 | timer | 2026-12-02T10:00+09:00 |
TUE | in 3 days | timer | 2026-12-04T10:00+09:00 |
TUE | ３分 | timer | 2026-12-01T10:03+09:00 |
TUE | 5分後にお風呂 | timer | 2026-12-01T10:05+09:00 | お風呂
TUE | 1h | timer | 2026-12-01T11:00+09:00 |
TUE | 8760時間 | timer | 2027-12-01T10:00+09:00 |
TUE | 今から5分 | timer | 2026-12-01T10:05+09:00 |
TUE | あと5分 | timer | 2026-12-01T10:05+09:00 |
TUE | 5分たったら | timer | 2026-12-01T10:05+09:00 |
TUE | in 1 hour call mom | timer | 2026-12-01T11:00+09:00 | call mom
TUE | 1分30秒 | timer | 2026-12-01T10:01:30+09:00 |
TUE | 3時間後に会議 | timer | 2026-12-01T13:00+09:00 | 会議
TUE | 7:30 | once | 2026-12-01T19:30+09:00 |
TUE | 7時30分 | once | 2026-12-01T19:30+09:00 |
TUE | 7時半 | once | 2026-12-01T19:30+09:00 |
TUE | 19時 | once | 2026-12-01T19:00+09:00 |
TUE | 午後3時 | once | 2026-12-01T15:00+09:00 |
TUE | 朝7時 | once | 2026-12-02T07:00+09:00 |
TUE | 夜9時 | once | 2026-12-01T21:00+09:00 |
TUE | 正午 | once | 2026-12-01T12:00+09:00 |
TUE | 三時 | once | 2026-12-01T15:00+09:00 |
TUE | at 7:30 | once | 2026-12-01T19:30+09:00 |
TUE | 午前0時 | once | 2026-12-02T00:00+09:00 |
TUE | 7pm | once | 2026-12-01T19:00+09:00 |
TUE | 9am | once | 2026-12-02T09:00+09:00 |
TUE | 9 am | once | 2026-12-02T09:00+09:00 |
TUE | 3時 | once | 2026-12-01T15:00+09:00 |
TUE | 12時 | once | 2026-12-01T12:00+09:00 |
TUE | 10時 | once | 2026-12-01T22:00+09:00 |
TUE | 11時 | once | 2026-12-01T11:00+09:00 |
TUE | 0時 | once | 2026-12-02T00:00+09:00 |
TUE | 23:59 | once | 2026-12-01T23:59+09:00 |
TUE | 午前9時 | once | 2026-12-02T09:00+09:00 |
TUE | 午後12時 | once | 2026-12-01T12:00+09:00 |
TUE | 夕方5時 | once | 2026-12-01T17:00+09:00 |
TUE | 昼1時 | once | 2026-12-01T13:00+09:00 |
TUE | 8:05 | once | 2026-12-01T20:05+09:00 |
TUE | 3時に歯医者 | once | 2026-12-01T15:00+09:00 | 歯医者
TUE_LATE | 7時 | once | 2026-12-02T07:00+09:00 |
TUE_LATE | 3時 | once | 2026-12-02T03:00+09:00 |
TUE_LATE | 23:30 | once | 2026-12-01T23:30+09:00 |
TUE_LATE | 22時 | once | 2026-12-02T22:00+09:00 |
TUE_LATE | 11時 | once | 2026-12-02T11:00+09:00 |
TUE_LATE | 今夜 | out_of_range | past |
TUE_EARLY | 7:30 | once | 2026-12-01T07:30+09:00 |
TUE_EARLY | 6時 | once | 2026-12-01T18:00+09:00 |
TUE_EARLY | 5時 | once | 2026-12-01T17:00+09:00 |
TUE_EARLY | 今日 | once | 2026-12-01T09:00+09:00 |
TUE | 今日 | out_of_range | past |
TUE | 今日 15時 | once | 2026-12-01T15:00+09:00 |
TUE | 今日 3時 | once | 2026-12-01T15:00+09:00 |
TUE | 今日の夜 | once | 2026-12-01T20:00+09:00 |
TUE | 明日 | once | 2026-12-02T09:00+09:00 |
TUE | 明後日 | once | 2026-12-03T09:00+09:00 |
TUE | あさって | once | 2026-12-03T09:00+09:00 |
TUE | 3日後の10時 | once | 2026-12-04T10:00+09:00 |
TUE | 月曜 | once | 2026-12-07T09:00+09:00 |
TUE | 来週月曜 10時 | once | 2026-12-07T10:00+09:00 |
TUE | 今度の金曜 | once | 2026-12-04T09:00+09:00 |
TUE | 12/25 | once | 2026-12-25T09:00+09:00 |
TUE | 12月25日 18:00 | once | 2026-12-25T18:00+09:00 |
TUE | 2027年1月3日 | once | 2027-01-03T09:00+09:00 |
TUE | tomorrow 9am | once | 2026-12-02T09:00+09:00 |
TUE | next monday 10:00 | once | 2026-12-07T10:00+09:00 |
TUE | 今夜 | once | 2026-12-01T20:00+09:00 |
TUE | 今晩 | once | 2026-12-01T20:00+09:00 |
TUE | 明日 3時 | once | 2026-12-02T03:00+09:00 |
TUE | 明日 7:30 | once | 2026-12-02T07:30+09:00 |
TUE | 明日 午後3時 | once | 2026-12-02T15:00+09:00 |
TUE | 明日の夜 | once | 2026-12-02T20:00+09:00 |
TUE | 明日の朝 | once | 2026-12-02T08:00+09:00 |
TUE | 明日 昼 | once | 2026-12-02T12:00+09:00 |
TUE | 明日 夕方 | once | 2026-12-02T17:00+09:00 |
TUE | 明日の夜9時 | once | 2026-12-02T21:00+09:00 |
TUE | 火曜 | once | 2026-12-08T09:00+09:00 |
TUE | 火曜 15時 | once | 2026-12-01T15:00+09:00 |
TUE | 来週火曜 | once | 2026-12-08T09:00+09:00 |
TUE | 今週金曜 | once | 2026-12-04T09:00+09:00 |
TUE | 今週月曜 | out_of_range | past |
TUE | 再来週月曜 | once | 2026-12-14T09:00+09:00 |
TUE | 水曜日 | once | 2026-12-02T09:00+09:00 |
TUE | 日曜 | once | 2026-12-06T09:00+09:00 |
TUE | 11/30 | once | 2027-11-30T09:00+09:00 |
TUE | 12/1 | once | 2027-12-01T09:00+09:00 |
TUE | 12/1 15時 | once | 2026-12-01T15:00+09:00 |
TUE | 2026年12月1日 | out_of_range | past |
TUE | 12月25日 夜7時 | once | 2026-12-25T19:00+09:00 |
TUE | 25日 | once | 2026-12-25T09:00+09:00 |
TUE | 1日 | once | 2027-01-01T09:00+09:00 |
TUE | 2027-01-05 | once | 2027-01-05T09:00+09:00 |
TUE | 2027/1/5 10:00 | once | 2027-01-05T10:00+09:00 |
TUE | tonight | once | 2026-12-01T20:00+09:00 |
TUE | today 3pm | once | 2026-12-01T15:00+09:00 |
TUE | tomorrow | once | 2026-12-02T09:00+09:00 |
TUE | friday 8pm | once | 2026-12-04T20:00+09:00 |
TUE | day after tomorrow | once | 2026-12-03T09:00+09:00 |
TUE | 明日の朝7時 ゴミ出し | once | 2026-12-02T07:00+09:00 | ゴミ出し
TUE | ゴミ出し 明日7時 | once | 2026-12-02T07:00+09:00 | ゴミ出し
TUE | 明日の15時から会議 | once | 2026-12-02T15:00+09:00 | 会議
TUE | 会議は明日10時 | once | 2026-12-02T10:00+09:00 | 会議
TUE | 12/25 18:00 パーティー | once | 2026-12-25T18:00+09:00 | パーティー
TUE | 今夜 ゴミ出し | once | 2026-12-01T20:00+09:00 | ゴミ出し
TUE | 明日 朝ごはん | once | 2026-12-02T09:00+09:00 | 朝ごはん
TUE | 明日の朝の散歩 | once | 2026-12-02T08:00+09:00 | 散歩
TUE | 明日の午後 | once | 2026-12-02T13:00+09:00 |
TUE | 明日の午前 | once | 2026-12-02T09:00+09:00 |
TUE | 来週の月曜日の10時 | once | 2026-12-07T10:00+09:00 |
TUE | 水曜の夜 | once | 2026-12-02T20:00+09:00 |
TUE | tomorrow at 7:30 gym | once | 2026-12-02T07:30+09:00 | gym
TUE | 7時起床 | once | 2026-12-01T19:00+09:00 | 起床
TUE | ゴミ出しは明日の朝 | once | 2026-12-02T08:00+09:00 | ゴミ出し
TUE | 金曜日の18時に飲み会 | once | 2026-12-04T18:00+09:00 | 飲み会
TUE | 10日の15時 | once | 2026-12-10T15:00+09:00 |
MON | 月曜 | once | 2026-12-07T09:00+09:00 |
MON | 今度の月曜 | once | 2026-12-07T09:00+09:00 |
MON | next monday | once | 2026-12-14T09:00+09:00 |
MON | 来週月曜 | once | 2026-12-14T09:00+09:00 |
MON_LATE | 月曜 | once | 2026-12-14T09:00+09:00 |
MON_LATE | 月曜 21時 | once | 2026-12-07T21:00+09:00 |
SUN | 来週月曜 | once | 2026-12-07T09:00+09:00 |
SUN | 月曜 | once | 2026-12-07T09:00+09:00 |
SUN | 来週日曜 | once | 2026-12-13T09:00+09:00 |
YEAR_END | 明日 | once | 2027-01-01T09:00+09:00 |
YEAR_END | 明日 7:00 | once | 2027-01-01T07:00+09:00 |
YEAR_END | 1/1 | once | 2027-01-01T09:00+09:00 |
YEAR_END | 12/31 | once | 2027-12-31T09:00+09:00 |
YEAR_END | 30分 | timer | 2027-01-01T00:00+09:00 |
YEAR_END | 23:45 | once | 2026-12-31T23:45+09:00 |
YEAR_END | 7時 | once | 2027-01-01T07:00+09:00 |
YEAR_END | 毎月末 18:00 | recurring | 2027-01-31T18:00+09:00 |
YEAR_END | 毎年1月1日 | recurring | 2027-01-01T09:00+09:00 |
MONTH_END | 毎月31日 | recurring | 2027-03-31T09:00+09:00 |
MONTH_END | 毎月末 18:00 | recurring | 2027-01-31T18:00+09:00 |
MONTH_END | 毎月末 | recurring | 2027-02-28T09:00+09:00 |
MONTH_END | 明日 | once | 2027-02-01T09:00+09:00 |
MONTH_END | 31日 | once | 2027-03-31T09:00+09:00 |
MONTH_END | 毎月30日 | recurring | 2027-03-30T09:00+09:00 |
FEB | 毎月末 18:00 | recurring | 2027-02-28T18:00+09:00 |
FEB | 毎月29日 | recurring | 2027-03-29T09:00+09:00 |
FEB | 2月29日 | out_of_range | too_far |
FEB | 毎年2月29日 | recurring | 2028-02-29T09:00+09:00 |
AFTER_FEB | 2月29日 | once | 2028-02-29T09:00+09:00 |
AFTER_FEB | 毎年2月29日 | recurring | 2028-02-29T09:00+09:00 |
LEAP_EVE | 毎年2月29日 | recurring | 2028-02-29T09:00+09:00 |
LEAP_EVE | 明日 | once | 2028-02-29T09:00+09:00 |
LEAP_EVE | 2月29日 | once | 2028-02-29T09:00+09:00 |
LEAP_EVE | 毎月末 | recurring | 2028-02-29T09:00+09:00 |
BEFORE_HOLIDAY | 平日 8:00 | recurring | 2027-01-12T08:00+09:00 |
BEFORE_HOLIDAY | 平日 10:00 | recurring | 2027-01-08T10:00+09:00 |
BEFORE_HOLIDAY | every weekday 8:00 | recurring | 2027-01-12T08:00+09:00 |
BEFORE_HOLIDAY | 毎週月曜 | recurring | 2027-01-11T09:00+09:00 |
GOLDEN_WEEK | 平日 8:00 | recurring | 2027-05-06T08:00+09:00 |
SUBSTITUTE | 平日 8:00 | recurring | 2026-05-07T08:00+09:00 |
TUE | 毎日 7:30 | recurring | 2026-12-02T07:30+09:00 |
TUE | 毎朝 | recurring | 2026-12-02T08:00+09:00 |
TUE | 毎晩 | recurring | 2026-12-01T20:00+09:00 |
TUE | 平日 8:00 | recurring | 2026-12-02T08:00+09:00 |
TUE | 土日 10:00 | recurring | 2026-12-05T10:00+09:00 |
TUE | 毎週月曜 | recurring | 2026-12-07T09:00+09:00 |
TUE | 毎週月水金 7:00 | recurring | 2026-12-02T07:00+09:00 |
TUE | 隔週月曜 9:00 | recurring | 2026-12-07T09:00+09:00 |
TUE | 毎月1日 | recurring | 2027-01-01T09:00+09:00 |
TUE | 毎月第2火曜 9:00 | recurring | 2026-12-08T09:00+09:00 |
TUE | 毎月末 18:00 | recurring | 2026-12-31T18:00+09:00 |
TUE | 毎年3月3日 | recurring | 2027-03-03T09:00+09:00 |
TUE | every day 7:30 | recurring | 2026-12-02T07:30+09:00 |
TUE | every weekday 8:00 | recurring | 2026-12-02T08:00+09:00 |
TUE | 毎日 22時 | recurring | 2026-12-01T22:00+09:00 |
TUE | 毎日 3時 | recurring | 2026-12-02T03:00+09:00 |
TUE | 毎晩9時 | recurring | 2026-12-01T21:00+09:00 |
TUE | 毎朝7時 | recurring | 2026-12-02T07:00+09:00 |
TUE | 毎週火曜 15:00 | recurring | 2026-12-01T15:00+09:00 |
TUE | 毎週火曜 9:00 | recurring | 2026-12-08T09:00+09:00 |
TUE | 毎週日曜日 | recurring | 2026-12-06T09:00+09:00 |
TUE | 毎日曜 | recurring | 2026-12-06T09:00+09:00 |
TUE | 隔週金曜 | recurring | 2026-12-04T09:00+09:00 |
TUE | every monday | recurring | 2026-12-07T09:00+09:00 |
TUE | every other friday | recurring | 2026-12-04T09:00+09:00 |
TUE | 毎月15日 12時 | recurring | 2026-12-15T12:00+09:00 |
TUE | 毎月最終金曜 | recurring | 2026-12-25T09:00+09:00 |
TUE | 毎年12月25日 | recurring | 2026-12-25T09:00+09:00 |
TUE | 毎年1/1 | recurring | 2027-01-01T09:00+09:00 |
TUE | weekends | recurring | 2026-12-05T09:00+09:00 |
TUE | 毎週末 | recurring | 2026-12-05T09:00+09:00 |
TUE | 毎月 | recurring | 2027-01-01T09:00+09:00 |
TUE | 毎週 | recurring | 2026-12-08T09:00+09:00 |
TUE | 毎週月曜 9:00 ジムに行く | recurring | 2026-12-07T09:00+09:00 | ジムに行く
TUE | 毎朝7時に薬を飲む | recurring | 2026-12-02T07:00+09:00 | 薬を飲む
TUE | 毎週月曜 日報 | recurring | 2026-12-07T09:00+09:00 | 日報
TUE | 毎月1日と15日 | recurring | 2026-12-15T09:00+09:00 |
TUE | 毎週月曜と木曜 8時 | recurring | 2026-12-03T08:00+09:00 |
TUE | 毎月第二火曜 | recurring | 2026-12-08T09:00+09:00 |
TUE | every friday 5pm | recurring | 2026-12-04T17:00+09:00 |
TUE | 毎週月曜 朝 | recurring | 2026-12-07T08:00+09:00 |
TUE | 毎日 夜 | recurring | 2026-12-01T20:00+09:00 |
NY_SPRING | 毎日 2:30 | recurring | 2027-03-14T03:30-04:00 |
NY_SPRING | 明日 2:30 | once | 2027-03-14T03:30-04:00 |
NY_SPRING | 24時間 | timer | 2027-03-14T13:00-04:00 |
NY_SPRING | 1日後 | timer | 2027-03-14T12:00-04:00 |
NY_SPRING | 明日 | once | 2027-03-14T09:00-04:00 |
NY_SPRING_NIGHT | 3時間 | timer | 2027-03-14T04:30-04:00 |
NY_SPRING_NIGHT | 2:30 | once | 2027-03-14T03:30-04:00 |
NY_FALL | 毎日 1:30 | recurring | 2027-11-07T01:30-04:00 |
NY_FALL | 明日 1:30 | once | 2027-11-07T01:30-04:00 |
NY_FALL | 24時間 | timer | 2027-11-07T11:00-05:00 |
NY_FALL | 1日後 | timer | 2027-11-07T12:00-05:00 |
NY_FALL_NIGHT | 3時間 | timer | 2027-11-07T02:30-05:00 |
TUE | ゴミ出し | unreadable | no_time | ゴミ出し
TUE | hello | greeting | |
TUE |  | unreadable | empty |
TUE | 25時 | unreadable | invalid_time |
TUE | 7:75 | unreadable | invalid_time |
TUE | 2月30日 | unreadable | invalid_date |
TUE | 13月1日 | unreadable | invalid_date |
TUE | 2027年2月29日 | unreadable | invalid_date |
TUE | 毎月32日 | unreadable | invalid_date |
TUE | 毎年2月30日 | unreadable | invalid_date |
TUE | 毎月第6火曜 | unreadable | invalid_date |
TUE | 99999999999999999999 | out_of_range | too_far |
TUE | 99999999999分 | out_of_range | too_far |
TUE | 0 | out_of_range | not_positive |
TUE | 0分 | out_of_range | not_positive |
TUE | -5分 | out_of_range | not_positive |
TUE | 400日後 | out_of_range | too_far |
TUE | 8761時間 | out_of_range | too_far |
TUE | 9999年1月1日 | out_of_range | too_far |
TUE | 2028年1月1日 | out_of_range | too_far |
TUE | 2020年1月1日 | out_of_range | past |
TUE | 一覧 | list | |
TUE | list | list | |
TUE | リスト | list | |
TUE | 取消 2 | cancel | 2 |
TUE | 取り消し 3 | cancel | 3 |
TUE | キャンセル 1 | cancel | 1 |
TUE | キャンセル | abandon | |
TUE | タイムゾーン | timezone_shown | |
TUE | ありがとう! | greeting | |
TUE | cancel 4 | cancel | 4 |
TUE | 取消 全部 | cancel | all |
TUE | cancel all | cancel | all |
TUE | 全部取消 | cancel | all |
TUE | タイムゾーン America/New_York | timezone | America/New_York |
TUE | timezone Asia/Tokyo | timezone | Asia/Tokyo |
TUE | timezone Mars/Base | unreadable | unknown_timezone |
TUE | help | help | |
TUE | ヘルプ | help | |
TUE | 使い方 | help | |
TUE | ? | help | |
TUE | menu | help | |
TUE | メニュー | help | |
TUE | ＨＥＬＰ | help | |
TUE | 解析 すもももももももものうち | analyze | すもももももももものうち |
TUE | analyze | analyze | |
TUE | カレンダー | calendar | False |
TUE | カレンダー 削除 | calendar | True |
TUE | calendar | calendar | False |
TUE | 通知トークン | notify_token | issue |
TUE | 通知トークン 削除 | notify_token | revoke |
TUE | 通知トークン 一覧 | notify_token | list |
TUE | notify token revoke | notify_token | revoke |
AT_FOUR | 夕方 | once | 2026-12-06T17:00+09:00 |
AT_FOUR | 夕方に買い物 | once | 2026-12-06T17:00+09:00 | 買い物
SUN_NOON | 来月の第2月曜日 10時 会議 | once | 2027-01-11T10:00+09:00 | 会議
SUN_NOON | 7時15分前に出発 | once | 2026-12-06T18:45+09:00 | 出発
SUN_NOON | PM11時10分 寝る | once | 2026-12-06T23:10+09:00 | 寝る
SUN_NOON | 毎日新聞を読む | unreadable | no_time | 毎日新聞を読む
SUN_NOON | 十分な睡眠をとる | unreadable | no_time | 十分な睡眠をとる
SUN_NOON | 1時間前に教えて | ask | unread_time |
SUN_NOON | 夕方 | once | 2026-12-06T17:00+09:00 |
SUN_NOON | 8月の10日 | once | 2027-08-10T09:00+09:00 |
SUN_NOON | 来月の十五日 | once | 2027-01-15T09:00+09:00 |
SUN_NOON | 今月28日 | once | 2026-12-28T09:00+09:00 |
SUN_NOON | 来月3日 | once | 2027-01-03T09:00+09:00 |
SUN_NOON | 7月の第1金曜 | once | 2027-07-02T09:00+09:00 |
SUN_NOON | 20時15 | once | 2026-12-06T20:15+09:00 |
SUN_NOON | AM9:30 | once | 2026-12-07T09:30+09:00 |
SUN_NOON | 9:30AM | once | 2026-12-07T09:30+09:00 |
SUN_NOON | Dec 24 6pm | once | 2026-12-24T18:00+09:00 |
SUN_NOON | Tue 7pm | once | 2026-12-08T19:00+09:00 |
SUN_NOON | Sat, Oct 12 | ask | weekday_mismatch |
SUN_NOON | friday next week | once | 2026-12-11T09:00+09:00 |
SUN_NOON | 8 tomorrow night | once | 2026-12-07T20:00+09:00 |
SUN_NOON | tomorrow morning at 6 | once | 2026-12-07T06:00+09:00 |
SUN_NOON | 3日後の朝 | once | 2026-12-09T08:00+09:00 |
SUN_NOON | 毎週の月曜日夜8時 | recurring | 2026-12-07T20:00+09:00 |
SUN_NOON | 令和9年1月5日 | once | 2027-01-05T09:00+09:00 |
SUN_NOON | R9/1/5 | once | 2027-01-05T09:00+09:00 |
SUN_NOON | 2日と3時間後 | timer | 2026-12-08T15:46+09:00 |
SUN_NOON | あさって | once | 2026-12-08T09:00+09:00 |
SUN_NOON | かようび | once | 2026-12-08T09:00+09:00 |
SUN_NOON | (金) | once | 2026-12-11T09:00+09:00 |
SUN_NOON | in an hour and a half | timer | 2026-12-06T14:16+09:00 |
SUN_NOON | in twenty minutes | timer | 2026-12-06T13:06+09:00 |
SUN_NOON | in a quarter hour | timer | 2026-12-06T13:01+09:00 |
SUN_NOON | two days from now | timer | 2026-12-08T12:46+09:00 |
SUN_NOON | 4週間後 | timer | 2027-01-03T12:46+09:00 |
SUN_NOON | 明日9時に会議って教えて | once | 2026-12-07T09:00+09:00 | 会議
SUN_NOON | 会議をお願いします | unreadable | no_time | 会議
SUN_NOON | 明日7時 ゴミ出しです | once | 2026-12-07T07:00+09:00 | ゴミ出し
SUN_NOON | 明日7時 ゴミ出ししてね | once | 2026-12-07T07:00+09:00 | ゴミ出し
SUN_NOON | 明日7時にゴミ出しをリマインドして | once | 2026-12-07T07:00+09:00 | ゴミ出し
SUN_NOON | リマインド 明日7時 ゴミ出し | once | 2026-12-07T07:00+09:00 | ゴミ出し
SUN_NOON | 9時ごろ 会議 | once | 2026-12-06T21:00+09:00 | 会議
SUN_NOON | 明日10時頃に | once | 2026-12-07T10:00+09:00 |
SUN_NOON | 6月18日(金) | once | 2027-06-18T09:00+09:00 |
SUN_NOON | 6月3日(木) 10時 | once | 2027-06-03T10:00+09:00 |
SUN_NOON | 2時間前 | out_of_range | in_the_past |
SUN_NOON | 3日前 | out_of_range | in_the_past |
SUN_NOON | 5 days ago | out_of_range | in_the_past |
SUN_NOON | 昨日の6時 | out_of_range | in_the_past |
SUN_NOON | 先週の金曜 | out_of_range | in_the_past |
SUN_NOON | 去年の今頃 | out_of_range | in_the_past |
SUN_NOON | 一時的 | unreadable | no_time | 一時的
SUN_NOON | 朝食 | unreadable | no_time | 朝食
SUN_NOON | 月曜日が好き | ask | unread_time | 日が好き
SUN_NOON | 3日目 | unreadable | no_time | 3日目
SUN_NOON | 1日中 | unreadable | no_time | 1日中
SUN_NOON | 3回に1回 | unreadable | no_time | 3回に1回
SUN_NOON | 元旦マラソン | unreadable | no_time | 元旦マラソン
SUN_NOON | 090-1234-5678 | unreadable | no_time | 090-1234-5678
SUN_NOON | 1,980円 | unreadable | no_time | 1,980円
SUN_NOON | v2.3.1 | unreadable | no_time | v2.3.1
SUN_NOON | 180 | timer | 2026-12-06T12:49+09:00 |
SUN_NOON | 明々後日 | once | 2026-12-09T09:00+09:00 |
SUN_NOON | 来月末 | once | 2027-01-31T09:00+09:00 |
SUN_NOON | 再来月5日 | once | 2027-02-05T09:00+09:00 |
SUN_NOON | 来年3月3日 | once | 2027-03-03T09:00+09:00 |
SUN_NOON | 来月の最初の月曜 | once | 2027-01-04T09:00+09:00 |
SUN_NOON | 来月の最後の金曜 | once | 2027-01-29T09:00+09:00 |
SUN_NOON | 元日 | once | 2027-01-01T09:00+09:00 |
SUN_NOON | 大晦日 | once | 2026-12-31T09:00+09:00 |
SUN_NOON | Jan 5 at 10am | once | 2027-01-05T10:00+09:00 |
SUN_NOON | March 3rd 7pm | once | 2027-03-03T19:00+09:00 |
SUN_NOON | 5 Jan | once | 2027-01-05T09:00+09:00 |
SUN_NOON | the 3rd of april | once | 2027-04-03T09:00+09:00 |
SUN_NOON | Fri 8am | once | 2026-12-11T08:00+09:00 |
SUN_NOON | thu. | once | 2026-12-10T09:00+09:00 |
SUN_NOON | day after tomorrow at 8 | once | 2026-12-08T08:00+09:00 |
SUN_NOON | 午後3時半 | once | 2026-12-06T15:30+09:00 |
SUN_NOON | 明後日の夜 | once | 2026-12-08T20:00+09:00 |
SUN_NOON | 来週火曜日の午後 | once | 2026-12-08T13:00+09:00 |
SUN_NOON | in a couple of minutes | timer | 2026-12-06T12:48+09:00 |
SUN_NOON | 2時間半後 | timer | 2026-12-06T15:16+09:00 |
SUN_NOON | 半日後 | timer | 2026-12-07T00:46+09:00 |
SUN_NOON | 10分経ったら | timer | 2026-12-06T12:56+09:00 |
SUN_NOON | 10分過ぎたら | timer | 2026-12-06T12:56+09:00 |
SUN_NOON | 10分経過後 | timer | 2026-12-06T12:56+09:00 |
SUN_NOON | 毎日7時と19時 | recurring | 2026-12-06T19:00+09:00 |
SUN_NOON | 毎週月曜と木曜の8時 | recurring | 2026-12-07T08:00+09:00 |
SUN_NOON | 2時間おき | recurring | 2026-12-06T14:46+09:00 |
SUN_NOON | 30分ごと | recurring | 2026-12-06T13:16+09:00 |
SUN_NOON | 1日おき | recurring | 2026-12-07T09:00+09:00 |
SUN_NOON | 3日に1回 | recurring | 2026-12-07T09:00+09:00 |
SUN_NOON | every 2 hours | recurring | 2026-12-06T14:46+09:00 |
SUN_NOON | every other day | recurring | 2026-12-07T09:00+09:00 |
SUN_NOON | 9時から18時まで1時間おき | recurring | 2026-12-06T13:00+09:00 |
SUN_NOON | 毎月最終金曜 | recurring | 2026-12-25T09:00+09:00 |
SUN_NOON | last friday of every month | recurring | 2026-12-25T09:00+09:00 |
SUN_NOON | 毎日7時 12月まで | recurring | 2026-12-07T07:00+09:00 |
SUN_NOON | 毎日7時 10回 | recurring | 2026-12-07T07:00+09:00 |
SUN_NOON | every day 7am until Dec 31 | recurring | 2026-12-07T07:00+09:00 |
SUN_NOON | every monday 3 times | recurring | 2026-12-07T09:00+09:00 |
SUN_NOON | remind me to call mom at 5pm | once | 2026-12-06T17:00+09:00 | call mom
SUN_NOON | ゴミ出しは明日の朝 | once | 2026-12-07T08:00+09:00 | ゴミ出し
SUN_NOON | 今日中にレポート | ask | unread_time | レポート
SUN_NOON | お昼12時 ランチ | once | 2026-12-07T12:00+09:00 | ランチ
SUN_NOON | 夜中の2時 試合 | once | 2026-12-07T02:00+09:00 | 試合
SUN_NOON | on the 25th pay rent | once | 2026-12-25T09:00+09:00 | pay rent
SUN_NOON | 毎週日曜の夜 1週間の振り返り | recurring | 2026-12-06T20:00+09:00 | 1週間の振り返り
SUN_NOON | 明日10時 2時間の会議 | once | 2026-12-07T10:00+09:00 | 2時間の会議
SUN_NOON | 明日の夜中2時 | once | 2026-12-08T02:00+09:00 |
SUN_NOON | 明日の午前中 電話 | once | 2026-12-07T09:00+09:00 | 電話
SUN_NOON | 夜中 | once | 2026-12-07T00:00+09:00 |
SUN_NOON | 明朝7時 出発 | once | 2026-12-07T07:00+09:00 | 出発
SUN_NOON | 明晩 飲み会 | once | 2026-12-07T20:00+09:00 | 飲み会
SUN_NOON | weekly on Sunday 10am | recurring | 2026-12-13T10:00+09:00 |
SUN_NOON | 半年後 | timer | 2027-06-06T12:46+09:00 |
SUN_NOON | クリスマス 19時 | once | 2026-12-25T19:00+09:00 |
SUN_NOON | 12月24日 クリスマス会 | once | 2026-12-24T09:00+09:00 | クリスマス会
SUN_NOON | 2月14日 バレンタイン | once | 2027-02-14T09:00+09:00 | バレンタイン
SUN_NOON | クリスマスイブ 18時 ディナー | once | 2026-12-24T18:00+09:00 | ディナー
SUN_NOON | クリスマスプレゼント 買う | unreadable | no_time | クリスマスプレゼント 買う
SUN_NOON | 7時前に起こして | ask | unread_time |
SUN_NOON | 7時過ぎ | ask | unread_time |
SUN_NOON | 2、3分 | ask | unread_time |
SUN_NOON | 5〜10分 | ask | unread_time |
SUN_NOON | また明日 | greeting | |
"""


def _rows() -> list[tuple[str, str, str, str, str]]:
    rows = []
    for line in TABLE.strip().splitlines():
        reference, text, kind, value, label = (cell.strip() for cell in line.split("|"))
        rows.append((reference, text, kind, value, label))
    return rows


ROWS = _rows()


def _reference(name: str) -> datetime:
    moment, zone = REFERENCES[name]
    return datetime.fromisoformat(moment).replace(tzinfo=ZoneInfo(zone))


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _value(intent: Intent, now: datetime) -> str:
    if isinstance(intent, StartTimer):
        due = now.astimezone(UTC) + timedelta(seconds=intent.seconds)
        return _iso(due.astimezone(now.tzinfo))
    if isinstance(intent, RemindOnce):
        return _iso(intent.at)
    if isinstance(intent, RemindRecurring):
        return _iso(intent.first)
    if isinstance(intent, Unreadable | OutOfRange | AskWhich):
        return intent.reason
    if isinstance(intent, CancelReminder):
        return "all" if intent.number is None else str(intent.number)
    if isinstance(intent, SetTimezone):
        return intent.zone
    if isinstance(intent, Analyze):
        return intent.text
    if isinstance(intent, CalendarFeed):
        return str(intent.revoke)
    if isinstance(intent, NotifyToken):
        return intent.action
    return ""


def test_the_table_is_large_and_has_no_repeats() -> None:
    assert len(ROWS) >= 170
    keys = [(reference, text) for reference, text, *_ in ROWS]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize(
    ("reference", "text", "kind", "value", "label"),
    ROWS,
    ids=[f"{row[0]}:{row[1]}" for row in ROWS],
)
def test_reads(reference: str, text: str, kind: str, value: str, label: str) -> None:
    now = _reference(reference)
    intent = read_message(text, now=now)
    expected_value = value
    if kind in {"timer", "once", "recurring"}:
        expected_value = _iso(datetime.fromisoformat(value))
    assert (intent.kind, _value(intent, now), getattr(intent, "label", "")) == (
        kind,
        expected_value,
        label,
    ), intent


# Heavy commands and the operator's broadcast: (text, kind, text read, confirmation code).
HEAVY_ROWS = [
    ("読み 東京特許許可局", "reading", "東京特許許可局", ""),
    ("よみ すもも", "reading", "すもも", ""),
    ("reading 猫", "reading", "猫", ""),
    ("読み", "reading", "", ""),
    ("キーワード 形態素解析の本", "keywords", "形態素解析の本", ""),
    ("keywords 形態素", "keywords", "形態素", ""),
    ("配信 メンテナンスのお知らせ", "broadcast", "メンテナンスのお知らせ", ""),
    ("broadcast hello all", "broadcast", "hello all", ""),
    ("配信 確定 ab12cd34", "broadcast", "", "ab12cd34"),
    ("broadcast confirm AB12CD34", "broadcast", "", "ab12cd34"),
    ("配信 確定 xyz", "broadcast", "確定 xyz", ""),
]


@pytest.mark.parametrize(("text", "kind", "value", "code"), HEAVY_ROWS,
                         ids=[row[0] for row in HEAVY_ROWS])  # fmt: skip
def test_reads_heavy_commands(text: str, kind: str, value: str, code: str) -> None:
    intent = read_message(text, now=_reference("TUE"))
    assert (intent.kind, getattr(intent, "text", None), getattr(intent, "confirm", "")) == (
        kind, value, code
    ), intent  # fmt: skip


# Look-alikes: words that read like time and are not. Alone, none of them is a reminder (the
# bot answers with a question or asks when); the past gets its own answer.
NEGATIVE = [
    "毎日新聞", "毎日新聞を読む", "十分な睡眠をとる", "十分に休む", "一時的な不具合", "一時停止",
    "朝食", "朝ごはんを作る", "昼休み", "夜景がきれい", "月曜日が好き", "金曜が楽しみ",
    "3日目", "1日中雨", "一日中", "3回に1回", "5回目", "元旦マラソン", "三日月",
    "090-1234-5678", "03-1234-5678", "1,980円", "¥500", "$20", "v2.3.1", "version 1.2.3",
    "50%オフ", "2年生", "3年目", "1時間前に教えて", "30分前に知らせて", "来月 会議", "今年こそ",
    "来年の目標", "週末どうする", "good morning", "good night everyone", "3 times", "10回",
    "12月まで", "(金)は休み",
]  # fmt: skip
PAST = ["昨日の6時", "先週の金曜", "2時間前", "3日前", "5 days ago", "yesterday 9am", "一昨日",
        "去年の今頃", "an hour ago", "last week", "先月の会議"]  # fmt: skip


@pytest.mark.parametrize("text", NEGATIVE)
@pytest.mark.parametrize("reference", ["TUE", "SUN_NOON", "TUE_LATE"])
def test_look_alikes_never_set_a_reminder(reference: str, text: str) -> None:
    intent = read_message(text, now=_reference(reference))
    assert intent.kind not in {"timer", "once", "recurring"}, intent


@pytest.mark.parametrize("text", PAST)
def test_the_past_is_answered_as_the_past(text: str) -> None:
    intent = read_message(text, now=_reference("SUN_NOON"))
    assert (intent.kind, getattr(intent, "reason", "")) == ("out_of_range", "in_the_past"), intent


def test_a_bare_number_keeps_meaning_seconds() -> None:
    intent = read_message("180", now=_reference("TUE"))
    assert isinstance(intent, StartTimer)
    assert intent.seconds == 180
