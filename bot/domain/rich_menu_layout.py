"""The bot's rich menu, as data: three panels side by side, what each says and sends.

Pure: no LINE, no Pillow. The LINE body (`menu_body`) and the image are both built from
`PANELS`, so the tappable areas and what is drawn under them can't drift apart. `plan` decides,
from what LINE lists, what `python -m bot richmenu` has to do to end with exactly one menu.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

MENU_NAME = "reminder-bot v1"  # how our menus are told apart from anyone else's
CHAT_BAR_TEXT = "メニュー"
WIDTH, HEIGHT = 2500, 843  # LINE's "compact" size

Icon = Literal["list", "help", "clock"]


@dataclass(frozen=True, slots=True)
class Bounds:
    x: int
    y: int
    width: int
    height: int

    def as_json(self) -> dict[str, int]:
        return {"x": self.x, "y": self.y, "width": self.width, "height": self.height}


@dataclass(frozen=True, slots=True)
class Panel:
    icon: Icon
    title: str  # drawn big
    caption: str  # drawn small, under the title
    label: str  # the action's label (≤ 20 characters; accessibility, some LINE versions)
    text: str  # what the tap sends as the user's message
    bounds: Bounds


def split_width(total: int, parts: int) -> list[tuple[int, int]]:
    """(x, width) of `parts` adjacent columns covering 0..total; the last takes the remainder."""
    if parts < 1 or total < parts:
        raise ValueError(f"can't split {total} into {parts}")
    step = total // parts
    columns = [(i * step, step) for i in range(parts - 1)]
    last_x = step * (parts - 1)
    return [*columns, (last_x, total - last_x)]


_CONTENT: tuple[tuple[Icon, str, str, str, str], ...] = (
    ("list", "一覧", "リマインダーを見る", "一覧", "一覧"),
    ("help", "使い方", "送れる言葉と例", "使い方", "ヘルプ"),
    ("clock", "設定", "タイムゾーン", "タイムゾーン", "タイムゾーン"),
)


def _panels() -> tuple[Panel, ...]:
    columns = split_width(WIDTH, len(_CONTENT))
    return tuple(
        Panel(icon, title, caption, label, text, Bounds(x, 0, width, HEIGHT))
        for (icon, title, caption, label, text), (x, width) in zip(_CONTENT, columns, strict=True)
    )


PANELS: tuple[Panel, ...] = _panels()


def menu_body(panels: Sequence[Panel] = PANELS) -> dict[str, Any]:
    """The `POST /v2/bot/richmenu` body, in LINE's JSON (camelCase)."""
    return {
        "size": {"width": WIDTH, "height": HEIGHT},
        "selected": True,  # shown open when the chat opens
        "name": MENU_NAME,
        "chatBarText": CHAT_BAR_TEXT,
        "areas": [
            {
                "bounds": p.bounds.as_json(),
                "action": {"type": "message", "label": p.label, "text": p.text},
            }
            for p in panels
        ],
    }


def _shape(menu: Mapping[str, Any]) -> dict[str, Any]:
    """What makes two menus the same for us: LINE's own additions (id, nulls) left out."""
    areas = []
    for area in menu.get("areas") or []:
        action = {k: v for k, v in (area.get("action") or {}).items() if v is not None}
        bounds = {k: area.get("bounds", {}).get(k) for k in ("x", "y", "width", "height")}
        areas.append({"bounds": bounds, "action": action})
    size = menu.get("size") or {}
    return {
        "size": {"width": size.get("width"), "height": size.get("height")},
        "selected": menu.get("selected"),
        "name": menu.get("name"),
        "chatBarText": menu.get("chatBarText"),
        "areas": areas,
    }


def same_menu(wanted: Mapping[str, Any], listed: Mapping[str, Any]) -> bool:
    return _shape(wanted) == _shape(listed)


@dataclass(frozen=True, slots=True)
class Plan:
    """What to do, in this order: create (+ upload + set default), then delete the old ones."""

    keep: str | None  # an existing menu that already is what we want, and the default
    create: bool
    delete: tuple[str, ...] = field(default=())
    foreign_default: str | None = None  # someone else's default menu, replaced (not deleted)

    @property
    def nothing_to_do(self) -> bool:
        return self.keep is not None and not self.delete


def plan(
    wanted: Mapping[str, Any], listed: Iterable[Mapping[str, Any]], default_id: str | None
) -> Plan:
    """Keep the one menu of ours that equals `wanted` and is the default; else create one.

    Every other menu named MENU_NAME goes (older versions, duplicates from an interrupted run);
    menus with other names are not ours and stay. Deleting comes after the new menu is the
    default, so users are never left without one.
    """
    ours = [m for m in listed if m.get("name") == wanted.get("name")]
    keep = next(
        (
            str(m["richMenuId"])
            for m in ours
            if m.get("richMenuId") == default_id and same_menu(wanted, m)
        ),
        None,
    )
    delete = tuple(str(m["richMenuId"]) for m in ours if m.get("richMenuId") != keep)
    our_ids = {m.get("richMenuId") for m in ours}
    foreign = default_id if keep is None and default_id and default_id not in our_ids else None
    return Plan(keep=keep, create=keep is None, delete=delete, foreign_default=foreign)
