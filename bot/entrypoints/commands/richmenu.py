"""`python -m bot richmenu [--dry-run] [--out PATH] [--font PATH]`: the bot's rich menu.

Draws the image (Pillow, Noto Sans CJK; without a CJK font, the icons alone and a WARNING),
then makes LINE hold exactly one menu named "reminder-bot v1", with that image, as every
user's default. Idempotent: a menu of ours that already equals what would be created and is
the default is kept, and nothing is called but two reads. Needs only LINE_CHANNEL_ACCESS_TOKEN
(and LINE_API_BASE_URL, default api.line.me).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.adapters.line.rich_menu import (
    TRANSPORT_ERRORS,
    ApiException,
    RichMenuClient,
    build_request,
    describe_error,
)
from bot.adapters.menu_image import NO_CJK_FONT, FontMissingError, Fonts, find_fonts, render_png
from bot.bootstrap import operator_line, rich_menu_fonts_hidden
from bot.domain.rich_menu_layout import MENU_NAME, PANELS, Plan, menu_body, plan

HELP = "draw the rich menu and make it every user's default on LINE (idempotent)"
CONTENT_TYPE = "image/png"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="only draw the image and say what would be done; calls nothing",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="save the image there (default with --dry-run: richmenu.png)",
    )
    parser.add_argument(
        "--font",
        default=None,
        help="a CJK font file (default: Noto Sans CJK from requirements.txt, else the system's)",
    )


def _say(line: str) -> None:
    print(f"richmenu: {line}", flush=True)


def _fail(line: str, status: int) -> int:
    print(f"richmenu: {line}", file=sys.stderr, flush=True)
    return status


def _fonts(override: str | None) -> Fonts:
    """The CJK fonts; without any, Pillow's default and a WARNING (a --font that is not a CJK
    font is refused: FontMissingError)."""
    try:
        return find_fonts(override, hidden=rich_menu_fonts_hidden())
    except FontMissingError as exc:
        if override is not None:
            raise
        print(
            f"richmenu: WARNING: {exc}. Drawing the icons without their labels "
            "(Pillow's default font has no kana or kanji)",
            file=sys.stderr,
            flush=True,
        )
        return NO_CJK_FONT


def _areas() -> str:
    return ", ".join(f"{p.title} → 「{p.text}」" for p in PANELS)


def run(args: argparse.Namespace) -> int:
    line_access = operator_line()
    base_url = line_access.base_url
    if not line_access.has_token and not args.dry_run:
        return _fail("LINE_CHANNEL_ACCESS_TOKEN is not set", 2)
    try:
        image = render_png(_fonts(args.font))
    except (FontMissingError, ValueError) as exc:
        return _fail(str(exc), 2)
    out: Path | None = args.out or (Path("richmenu.png") if args.dry_run else None)
    if out is not None:
        try:
            out.write_bytes(image)
        except OSError as exc:
            return _fail(f"can't write {out}: {exc.strerror or exc}", 1)
        _say(f"image {out} (2500x843 PNG, {len(image):,} bytes)")
    if args.dry_run:
        _say(
            f"would make {MENU_NAME!r} ({_areas()}) the default menu on {base_url}: "
            f"kept if LINE already has it as the default, else created with this image "
            f"({len(image):,} bytes), set as the default, other {MENU_NAME!r} menus deleted"
        )
        return 0
    doing = ["listing the rich menus"]
    try:
        with line_access.rich_menu() as line:
            current = plan(menu_body(), line.menus(), line.default_id())
            if current.nothing_to_do:
                _say(f"{MENU_NAME!r} is already the default ({current.keep}): nothing to do")
                return 0
            _apply(line, current, image, doing)
    except ApiException as exc:
        return _fail(f"LINE answered {describe_error(exc)} while {doing[-1]}", 1)
    except TRANSPORT_ERRORS as exc:
        return _fail(f"can't reach {base_url} while {doing[-1]}: {type(exc).__name__}", 1)
    return 0


def _apply(line: RichMenuClient, current: Plan, image: bytes, doing: list[str]) -> None:
    """Create, upload, set as the default, then delete the old ones; `doing` names each step."""
    if current.create:
        doing.append("creating the menu")
        menu_id = line.create(build_request())
        _say(f"created {MENU_NAME!r}: {menu_id} ({_areas()})")
        doing.append(f"uploading the image to {menu_id}")
        line.upload_image(menu_id, image, CONTENT_TYPE)
        _say(f"uploaded the image ({len(image):,} bytes)")
        doing.append(f"setting {menu_id} as the default")
        line.set_default(menu_id)
        _say(f"set {menu_id} as every user's default menu")
        if current.foreign_default:
            _say(f"(it replaces the default {current.foreign_default}, not ours: left in place)")
    for old in current.delete:
        doing.append(f"deleting {old}")
        line.delete(old)
        _say(f"deleted the old {MENU_NAME!r} menu {old}")
