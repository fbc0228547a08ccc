"""A recurring rule: an RFC 5545 RRULE (python-dateutil) on the chat's local wall clock.

The rule holds no time zone: `next_after` and `occurrences` take the chat's zone, so a chat
that changes zone keeps its rules at the same wall-clock times. Wall-clock times that do not
exist or exist twice (DST) go through `localize`, the one place that decides them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from itertools import islice, pairwise

from dateutil.rrule import rrule, rrulestr

from bot.domain.holidays import is_japanese_holiday

_SKIP_HOLIDAYS_FLAG = "X-HOL"
_ANCHOR_FLAG = "X-FROM="
# How many candidates to look at before deciding a rule has no next occurrence: a 平日 rule
# skips at most a week or so of holidays; anything needing more is a rule that has ended.
_MAX_CANDIDATES = 400
_WEEKDAYS_JA = {"MO": "月", "TU": "火", "WE": "水", "TH": "木", "FR": "金", "SA": "土", "SU": "日"}
_ALLOWED_PARTS = frozenset(
    {
        "FREQ",
        "INTERVAL",
        "BYDAY",
        "BYMONTHDAY",
        "BYMONTH",
        "BYHOUR",
        "BYMINUTE",
        "BYSETPOS",
        "WKST",
        "UNTIL",
        "COUNT",
    }
)


def localize(naive: datetime, tz: tzinfo) -> datetime:
    """The aware moment a wall-clock time in `tz` names.

    A time in a DST gap does not exist: it moves forward by the gap (2:30 on a spring-forward
    night becomes 3:30). A time that exists twice takes the first (fold=0).
    """
    # fold=0 reads a gap time with the offset before the change; the round trip through UTC
    # then lands it on the wall clock after the change, i.e. forward by the gap.
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC).astimezone(tz)


def zone_of(moment: datetime) -> tzinfo:
    """The zone of an aware moment (the parser's `now` is checked aware where a message enters)."""
    assert moment.tzinfo is not None
    return moment.tzinfo


def between(start: datetime, end: datetime) -> timedelta:
    """The real time from `start` to `end`. Python subtracts (and compares) two datetimes that
    share a tzinfo on their wall clocks, which is wrong across a DST change; UTC is not."""
    return end.astimezone(UTC) - start.astimezone(UTC)


def is_after(moment: datetime, reference: datetime) -> bool:
    """`moment` is strictly later than `reference` in real time (see `between`)."""
    return between(reference, moment) > timedelta(0)


@lru_cache(maxsize=4096)
def _parsed_rule(rule: str) -> rrule:
    parsed = rrulestr(rule, dtstart=datetime(2000, 1, 1))
    if not isinstance(parsed, rrule):  # pragma: no cover - a bare RRULE never gives a set
        raise ValueError("not a single rule")
    return parsed


def _rule_parts(rule: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for part in rule.split(";"):
        name, sep, value = part.partition("=")
        if not sep or not value or name not in _ALLOWED_PARTS or name in parts:
            raise ValueError(f"bad rule part {part!r}")
        parts[name] = value
    return parts


@dataclass(frozen=True, slots=True)
class Recurrence:
    """`rule`: the RRULE body; `skip_holidays`: drop Japanese public holidays (平日);
    `anchor`: the first day of the rule, needed when INTERVAL > 1 (隔週) so the weeks count
    from a fixed date."""

    rule: str
    skip_holidays: bool = False
    anchor: date | None = None

    def __post_init__(self) -> None:
        if "|" in self.rule or "\n" in self.rule or "\r" in self.rule:
            raise ValueError("rule must not contain '|' or line breaks")
        parts = _rule_parts(self.rule)
        if parts.get("FREQ") not in {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}:
            raise ValueError("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY")
        if "BYHOUR" not in parts or "BYMINUTE" not in parts:
            raise ValueError("a rule names its time of day (BYHOUR, BYMINUTE)")
        if self.anchor is None and _depends_on_start(parts):
            raise ValueError("this rule needs an anchor date")
        try:
            _parsed_rule(self.rule)
        except (ValueError, TypeError, KeyError, IndexError, OverflowError) as error:
            raise ValueError(f"bad rule: {error}") from error

    def next_after(self, moment: datetime, tz: tzinfo) -> datetime | None:
        """The first occurrence strictly after `moment`, aware in `tz`; None if it has ended."""
        found = self.occurrences(moment, tz, 1)
        return found[0] if found else None

    def occurrences(self, after: datetime, tz: tzinfo, count: int) -> list[datetime]:
        """The next `count` occurrences strictly after `after`, aware in `tz`."""
        local = after.astimezone(tz).replace(tzinfo=None)
        # Start a day early: the wall clock and the absolute order may differ by a DST shift.
        start = datetime.combine(local.date(), time()) - timedelta(days=1)
        if self.anchor is not None:
            start = datetime.combine(self.anchor, time())
        rule = _parsed_rule(self.rule).replace(dtstart=start)
        found: list[datetime] = []
        candidates = rule.xafter(max(start, local - timedelta(days=1)), inc=True)
        for candidate in islice(candidates, _MAX_CANDIDATES + count):
            if self.skip_holidays and is_japanese_holiday(candidate.date()):
                continue
            moment = localize(candidate, tz)
            if is_after(moment, after):
                found.append(moment)
                if len(found) == count:
                    break
        return found

    def describe_ja(self) -> str:
        """The rule in words: "毎週 月・水・金 7:00", "平日(祝日を除く) 8:00", "毎月末 18:00"."""
        return _described_ja(self)

    def _describe_days(self, parts: dict[str, str]) -> str:
        freq = parts["FREQ"]
        interval = int(parts.get("INTERVAL", "1"))
        days = parts.get("BYDAY", "")
        if freq == "DAILY":
            return "毎日" if interval == 1 else f"{interval}日ごと"
        if freq == "WEEKLY":
            names = [_WEEKDAYS_JA.get(code[-2:], code) for code in days.split(",") if code]
            if days == "MO,TU,WE,TH,FR" and interval == 1:
                return "平日(祝日を除く)" if self.skip_holidays else "平日"
            if days == "SA,SU" and interval == 1:
                return "土日"
            head = "毎週" if interval == 1 else ("隔週" if interval == 2 else f"{interval}週ごと")
            return f"{head} {names[0]}曜" if len(names) == 1 else f"{head} {'・'.join(names)}"
        if freq == "MONTHLY":
            if parts.get("BYMONTHDAY") == "-1":
                return "毎月末"
            if "BYMONTHDAY" in parts:
                return "毎月 " + "・".join(f"{day}日" for day in parts["BYMONTHDAY"].split(","))
            nth, code = days[:-2].lstrip("+"), days[-2:]
            weekday = _WEEKDAYS_JA.get(code, code)
            return f"毎月 最終{weekday}曜" if nth == "-1" else f"毎月 第{nth}{weekday}曜"
        return f"毎年 {parts.get('BYMONTH', '?')}月{parts.get('BYMONTHDAY', '?')}日"

    def encode(self) -> str:
        """A short ASCII form for storage, e.g. "FREQ=DAILY;BYHOUR=7;BYMINUTE=30;X-HOL"."""
        text = self.rule
        if self.skip_holidays:
            text += ";" + _SKIP_HOLIDAYS_FLAG
        if self.anchor is not None:
            text += ";" + _ANCHOR_FLAG + self.anchor.strftime("%Y%m%d")
        return text

    @classmethod
    def decode(cls, text: str) -> Recurrence:
        """The rule `encode` wrote; ValueError for anything else."""
        if not text.isascii():
            raise ValueError("a stored rule is ASCII")
        rule_parts: list[str] = []
        skip_holidays = False
        anchor: date | None = None
        for part in text.split(";"):
            if part == _SKIP_HOLIDAYS_FLAG and not skip_holidays:
                skip_holidays = True
            elif part.startswith(_ANCHOR_FLAG) and anchor is None:
                digits = part.removeprefix(_ANCHOR_FLAG)
                if len(digits) != 8 or not digits.isdigit():
                    raise ValueError(f"bad anchor {digits!r}")
                anchor = datetime.strptime(digits, "%Y%m%d").date()
            else:
                rule_parts.append(part)
        return cls(";".join(rule_parts), skip_holidays, anchor)


@lru_cache(maxsize=1024)
def _described_ja(rule: Recurrence) -> str:
    # Every notification card says its rule twice (subtitle and altText), and the chats due at
    # one instant mostly share a handful of rules: worded once each, not ~20 µs per push.
    parts = _rule_parts(rule.rule)
    days = rule._describe_days(parts)
    if rule.skip_holidays and "祝日" not in days:
        days += "(祝日を除く)"
    text = f"{days} {_describe_clock(parts)}"
    if "UNTIL" in parts:
        until = parts["UNTIL"]
        text += f" ({int(until[:4])}年{int(until[4:6])}月{int(until[6:8])}日まで)"
    return text


def _describe_clock(parts: dict[str, str]) -> str:
    """7:00, 7:00・19:00, or an interval's span: 9:00〜18:00 1時間ごと."""
    hours = [int(hour) for hour in parts["BYHOUR"].split(",")]
    minutes = [int(minute) for minute in parts["BYMINUTE"].split(",")]
    marks = sorted(hour * 60 + minute for hour in hours for minute in minutes)
    times = [f"{mark // 60}:{mark % 60:02d}" for mark in marks]
    if len(times) <= 4:
        return "・".join(times)
    steps = {later - earlier for earlier, later in pairwise(marks)}
    if len(steps) == 1:
        step = steps.pop()
        every = f"{step // 60}時間" if step % 60 == 0 else f"{step}分"
        return f"{times[0]}〜{times[-1]} {every}ごと"
    return "・".join(times[:4]) + f" ほか{len(times) - 4}回"


def _depends_on_start(parts: dict[str, str]) -> bool:
    """True when the rule's days would move with its start: intervals, counts, or a weekly,
    monthly or yearly rule that does not name its days."""
    if parts.get("INTERVAL", "1") != "1" or "COUNT" in parts:
        return True
    freq = parts["FREQ"]
    if freq == "WEEKLY":
        return "BYDAY" not in parts
    if freq == "MONTHLY":
        return "BYDAY" not in parts and "BYMONTHDAY" not in parts
    if freq == "YEARLY":
        return "BYMONTH" not in parts or ("BYDAY" not in parts and "BYMONTHDAY" not in parts)
    return False
