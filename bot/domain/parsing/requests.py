"""Requests about what is already set, read before any time expression: editing one
(変更 3 9時, 3番を明日の9時に, change 3 to friday 10am), the agenda (今日の予定, 明日の予定,
毎朝7時に今日の予定, 予定 毎朝7時, agenda daily 7am, 予定 停止) and the digest (まとめて通知,
まとめて通知 オフ). The time part (`rest`) is then read like any message."""

from __future__ import annotations

import re
from dataclasses import dataclass

_MAX_NUMBER_DIGITS = 6
_EDIT = re.compile(
    r"(?:変更|change|edit|move|reschedule)\s*#?\s*(?P<n>\d+)\s*番?\s*(?:(?:to|を|は|→)\s*)?(?P<rest>.*)",
    re.IGNORECASE | re.DOTALL,
)
_EDIT_JA = re.compile(
    r"(?P<n>\d+)\s*番目?\s*(?:を|は|の時間を|の時刻を)\s*(?P<rest>.+?)\s*(?:に|へ)?\s*"
    r"(?:変更|変えて|ずらして|移して|して)?\s*(?:ください|下さい|お願いします)?$",
    re.DOTALL,
)
_AGENDA_WORDS = r"(?:今日の予定|今日のリマインダー|予定|agenda|today'?s\s+agenda)"
_AGENDA_SHOW = re.compile(
    r"(?P<day>今日|明日|today'?s|tomorrow'?s)\s*の?\s*(?:予定|リマインダー|agenda)", re.IGNORECASE
)
_AGENDA_STOP = re.compile(rf"{_AGENDA_WORDS}\s*(?:停止|解除|オフ|off|stop|やめる)", re.IGNORECASE)
_AGENDA_SET_AFTER = re.compile(rf"(?P<rest>.+?)\s*に?\s*{_AGENDA_WORDS}", re.IGNORECASE)
_AGENDA_SET_BEFORE = re.compile(rf"{_AGENDA_WORDS}\s+(?P<rest>.+)", re.IGNORECASE)
_DIGEST = re.compile(
    r"(?:まとめて通知|digest)(?:\s*(?P<off>オフ|off|停止|解除|やめる))?", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class Request:
    """kind: "edit", "agenda" (show), "agenda_set", "agenda_stop" or "digest"."""

    kind: str
    number: int = 0
    rest: str = ""
    days_ahead: int = 0
    on: bool = True


def read_request(folded: str) -> Request | None:
    """The request `folded` (the whole message, NFKC-folded) makes, or None."""
    edit = _EDIT.fullmatch(folded) or _EDIT_JA.fullmatch(folded)
    if edit is not None:
        digits = edit["n"]
        number = 0 if len(digits) > _MAX_NUMBER_DIGITS else int(digits)
        return Request("edit", number, edit["rest"].strip())
    show = _AGENDA_SHOW.fullmatch(folded)
    if show is not None:
        return Request(
            "agenda", days_ahead=0 if show["day"].lower().startswith(("今日", "today")) else 1
        )
    if _AGENDA_STOP.fullmatch(folded):
        return Request("agenda_stop")
    digest = _DIGEST.fullmatch(folded)
    if digest is not None:
        return Request("digest", on=digest["off"] is None)
    agenda = _AGENDA_SET_BEFORE.fullmatch(folded) or _AGENDA_SET_AFTER.fullmatch(folded)
    if agenda is not None:
        return Request("agenda_set", rest=agenda["rest"].strip())
    return None
