"""LINE's limits on what users tap: quick replies, actions (postback, datetimepicker), Flex.

These run before the SDK's models, which know the shapes but not all of LINE's numbers
(a quick reply label ≤ 20, a carousel ≤ 12 bubbles, a picker's formats and range).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

Detail = dict[str, str]

MAX_QUICK_ITEMS = 13
MAX_QUICK_LABEL = 20
MAX_ACTION_LABEL = 40  # template/Flex button labels (LINE clips them; 40 is its documented cap)
MAX_DATA = 300
MAX_DISPLAY_TEXT = 300
MAX_ALT_TEXT = 1500
MAX_BUBBLES = 12
PICKER_MODES = ("date", "time", "datetime")
_PICKER_FORMATS = {
    "date": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "time": re.compile(r"\d{2}:\d{2}"),
    "datetime": re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}"),
}
_STRPTIME = {"date": "%Y-%m-%d", "time": "%H:%M", "datetime": "%Y-%m-%dT%H:%M"}
PICKER_MIN = "1900-01-01T00:00"
PICKER_MAX = "2100-12-31T23:59"
ACTION_TYPES = frozenset(
    {"postback", "message", "uri", "datetimepicker", "camera", "cameraRoll", "location",
     "richmenuswitch", "clipboard"}
)  # fmt: skip


def _detail(message: str, where: str) -> Detail:
    return {"message": message, "property": where}


def _valid_moment(mode: str, value: str) -> bool:
    """A date/time/datetime in LINE's format that exists on the calendar."""
    if not _PICKER_FORMATS[mode].fullmatch(value):
        return False
    try:
        datetime.strptime(value.upper(), _STRPTIME[mode])
    except ValueError:
        return False
    return True


def check_picker(action: dict[str, Any], where: str) -> list[Detail]:
    mode = action.get("mode")
    if mode not in PICKER_MODES:
        return [
            _detail(f"Must be one of the following values: {list(PICKER_MODES)}", f"{where}.mode")
        ]
    details: list[Detail] = []
    values: dict[str, str] = {}
    for key in ("initial", "min", "max"):
        value = action.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or not _valid_moment(mode, value):
            example = {"date": "2017-06-18", "time": "06:15", "datetime": "2017-06-18T06:15"}[mode]
            details.append(_detail(f"Invalid {mode} format (like {example})", f"{where}.{key}"))
            continue
        if mode != "time":
            full = value.upper() if mode == "datetime" else value + "T00:00"
            if not PICKER_MIN <= full <= PICKER_MAX:
                details.append(
                    _detail(f"Must be within {PICKER_MIN} and {PICKER_MAX}", f"{where}.{key}")
                )
                continue
        values[key] = value.upper()
    if "min" in values and "max" in values and values["min"] > values["max"]:
        details.append(_detail("max must be later than min", f"{where}.max"))
    initial = values.get("initial")
    if initial is not None and not (
        values.get("min", initial) <= initial <= values.get("max", initial)
    ):
        details.append(_detail("initial must be between min and max", f"{where}.initial"))
    return details


def check_action(action: Any, where: str, label_max: int = MAX_ACTION_LABEL) -> list[Detail]:
    if not isinstance(action, dict):
        return [_detail("Must be an object", where)]
    atype = action.get("type")
    if atype not in ACTION_TYPES:
        return [_detail(f"Unknown action type: {atype}", f"{where}.type")]
    details: list[Detail] = []
    label = action.get("label")
    if isinstance(label, str) and len(label) > label_max:
        details.append(_detail(f"Length must be between 0 and {label_max}", f"{where}.label"))
    if atype in ("postback", "datetimepicker"):
        data = action.get("data")
        if not isinstance(data, str):
            details.append(_detail("May not be empty", f"{where}.data"))
        elif len(data) > MAX_DATA:
            details.append(_detail(f"Length must be between 0 and {MAX_DATA}", f"{where}.data"))
    if atype == "postback":
        shown = action.get("displayText")
        if isinstance(shown, str) and len(shown) > MAX_DISPLAY_TEXT:
            details.append(
                _detail(f"Length must be between 0 and {MAX_DISPLAY_TEXT}", f"{where}.displayText")
            )
    elif atype == "datetimepicker":
        details.extend(check_picker(action, where))
    elif atype == "message" and not (isinstance(action.get("text"), str) and action["text"]):
        details.append(_detail("May not be empty", f"{where}.text"))
    return details


def check_quick_reply(quick: Any, where: str) -> list[Detail]:
    if not isinstance(quick, dict) or not isinstance(quick.get("items"), list):
        return [_detail("Must be an object with items", where)]
    items = quick["items"]
    if not 1 <= len(items) <= MAX_QUICK_ITEMS:
        return [_detail(f"Size must be between 1 and {MAX_QUICK_ITEMS}", f"{where}.items")]
    details: list[Detail] = []
    for i, item in enumerate(items):
        at = f"{where}.items[{i}]"
        if not isinstance(item, dict):
            details.append(_detail("Must be an object", at))
            continue
        details.extend(check_action(item.get("action"), f"{at}.action", MAX_QUICK_LABEL))
    return details


def _walk_flex(node: Any, where: str, out: list[Detail]) -> None:
    """Every action inside a Flex container (buttons, tappable boxes, texts, images)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "action":
                out.extend(check_action(value, f"{where}.action"))
            elif isinstance(value, (dict, list)):
                _walk_flex(value, f"{where}.{key}", out)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _walk_flex(value, f"{where}[{i}]", out)


def check_flex(msg: dict[str, Any], where: str) -> list[Detail]:
    details: list[Detail] = []
    alt = msg.get("altText")
    if not isinstance(alt, str) or not alt:
        details.append(_detail("May not be empty", f"{where}.altText"))
    elif len(alt) > MAX_ALT_TEXT:
        details.append(_detail(f"Length must be between 0 and {MAX_ALT_TEXT}", f"{where}.altText"))
    contents = msg.get("contents")
    ctype = contents.get("type") if isinstance(contents, dict) else None
    if ctype not in ("bubble", "carousel"):
        details.append(
            _detail("Must be one of the following values: [bubble, carousel]", f"{where}.contents")
        )
        return details
    assert isinstance(contents, dict)
    if ctype == "carousel":
        bubbles = contents.get("contents")
        if not isinstance(bubbles, list) or not 1 <= len(bubbles) <= MAX_BUBBLES:
            details.append(
                _detail(f"Size must be between 1 and {MAX_BUBBLES}", f"{where}.contents.contents")
            )
            return details
    _walk_flex(contents, f"{where}.contents", details)
    return details


def check_message(msg: dict[str, Any], where: str) -> list[Detail]:
    """LINE's tapping limits for one message object (its type already known to be valid)."""
    details: list[Detail] = []
    if msg.get("type") == "flex":
        details.extend(check_flex(msg, where))
    elif msg.get("type") == "template":
        _walk_flex(msg.get("template"), f"{where}.template", details)
    if "quickReply" in msg:
        details.extend(check_quick_reply(msg["quickReply"], f"{where}.quickReply"))
    return details
