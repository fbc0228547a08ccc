"""Draws the rich menu image with Pillow: one panel per area, an icon and a Japanese label.

The labels need a CJK font: Noto Sans CJK JP, first the copy requirements.txt installs (the
`noto-cjk-sans-jp-*` wheels, so every machine draws the same image), else a system one
(`fonts-noto-cjk`, found with fc-match or at its usual paths). `find_fonts` raises
FontMissingError when there is none; `NO_CJK_FONT` then draws the panels' icons alone with
Pillow's default font, which has no kana or kanji and would draw empty boxes for the labels.
`RICHMENU_NO_CJK_FONT=1` makes the lookup find nothing, as on such a machine (for tests).
Drawn at twice the size and scaled down, which gives the shapes smooth edges; the output is
deterministic for one Pillow and one font file.
"""

from __future__ import annotations

import importlib.util
import io
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from bot.domain.rich_menu_layout import HEIGHT, PANELS, WIDTH, Panel

MAX_BYTES = 1024 * 1024  # LINE's limit for a rich menu image
SCALE = 2
FONT_PACKAGE = "fonts-noto-cjk"
HIDE_FONTS_ENV = "RICHMENU_NO_CJK_FONT"
# weight → (the wheel's package, its font file); both wheels are in requirements.txt
_WHEELS = {
    "bold": ("noto_cjk_sans_jp_bold", "NotoSansCJKjp-Bold.otf"),
    "regular": ("noto_cjk_sans_jp_regular", "NotoSansCJKjp-Regular.otf"),
}
_FC_PATTERNS = {"bold": "Noto Sans CJK JP:style=Bold", "regular": "Noto Sans CJK JP:style=Regular"}
_KNOWN_PATHS = {
    "bold": (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
        "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
        "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJKjp-Bold.otf",
    ),
    "regular": (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJKjp-Regular.otf",
    ),
}

BACKGROUND = (255, 255, 255)
DIVIDER = (209, 213, 219)
TITLE = (31, 41, 55)  # ≥ 12:1 on the tints below
CAPTION = (75, 85, 99)  # ≥ 6:1
# (tint behind the panel, accent of its icon) for list, help, clock
COLORS = {
    "list": ((236, 250, 241), (6, 160, 72)),
    "help": ((236, 243, 253), (47, 111, 219)),
    "clock": ((254, 244, 234), (222, 110, 38)),
}


class FontMissingError(Exception):
    """No CJK font: the message names the package to install."""


@dataclass(frozen=True, slots=True)
class FontFile:
    path: str
    index: int = 0


@dataclass(frozen=True, slots=True)
class Fonts:
    """The two weights; None is Pillow's default font (no kana or kanji: labels left out)."""

    bold: FontFile | None
    regular: FontFile | None

    @property
    def cjk(self) -> bool:
        return self.bold is not None and self.regular is not None


NO_CJK_FONT = Fonts(None, None)


def _is_cjk(font: FontFile) -> bool:
    try:
        loaded = ImageFont.truetype(font.path, 20, index=font.index)
    except OSError:
        return False
    family = loaded.getname()[0] or ""
    return "CJK" in family and loaded.getmask("一覧").getbbox() is not None


def _fc_match(pattern: str) -> FontFile | None:
    if shutil.which("fc-match") is None:
        return None
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}\t%{index}\t%{family}", pattern],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    path, _, rest = out.partition("\t")
    index, _, family = rest.partition("\t")
    if "CJK" not in family or not path:
        return None  # fc-match always answers: with DejaVu when there is no CJK font
    return FontFile(path, int(index) if index.isdigit() else 0)


def _wheel(weight: str) -> FontFile | None:
    """The font file of the wheel requirements.txt installs, found without importing it."""
    package, filename = _WHEELS[weight]
    spec = importlib.util.find_spec(package)
    folders = spec.submodule_search_locations if spec is not None else None
    for folder in folders or ():
        path = Path(folder) / filename
        if path.is_file():
            return FontFile(str(path))
    return None


def _candidates(weight: str) -> Iterator[FontFile | None]:
    """In order of preference, each looked for only if the ones before were not fit."""
    yield _wheel(weight)
    yield _fc_match(_FC_PATTERNS[weight])
    yield from (FontFile(p) for p in _KNOWN_PATHS[weight] if Path(p).is_file())


def _find(weight: str, *, hidden: bool) -> FontFile | None:
    if hidden:
        return None
    return next((c for c in _candidates(weight) if c is not None and _is_cjk(c)), None)


def find_fonts(override: str | None = None, *, hidden: bool = False) -> Fonts:
    """Noto Sans CJK bold and regular (one for both if only one is there), or FontMissingError.

    `override` (a font file) is taken as it is, or refused if it is not a CJK font."""
    if override is not None:
        given = FontFile(override)
        if not _is_cjk(given):
            raise FontMissingError(f"{override} is not a CJK font (want Noto Sans CJK)")
        return Fonts(given, given)
    bold, regular = _find("bold", hidden=hidden), _find("regular", hidden=hidden)
    found = bold or regular
    if found is None:
        raise FontMissingError(
            "no CJK font found (Noto Sans CJK): pip install -r requirements.txt brings it "
            f"(noto-cjk-sans-jp-bold, -regular); or install the {FONT_PACKAGE} package "
            f"(apt-get install {FONT_PACKAGE}), or pass --font PATH"
        )
    return Fonts(bold or found, regular or found)


def _sized(font: FontFile | None, pixels: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if font is None:
        return ImageFont.load_default(pixels)
    return ImageFont.truetype(font.path, pixels, index=font.index)


def _font(font: FontFile | None, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """`size` in final pixels (drawn at SCALE times that)."""
    return _sized(font, size * SCALE)


def _icon(
    draw: ImageDraw.ImageDraw, panel: Panel, center: tuple[int, int], r: int, fonts: Fonts
) -> None:
    cx, cy = center
    _, accent = COLORS[panel.icon]
    white = (255, 255, 255)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=accent)
    s = r // 10  # one icon unit
    if panel.icon == "list":
        for row in (-1, 0, 1):
            y = cy + row * 3 * s
            draw.ellipse((cx - 5 * s, y - s, cx - 3 * s, y + s), fill=white)
            draw.rounded_rectangle((cx - 2 * s, y - s, cx + 5 * s, y + s), radius=s, fill=white)
    elif panel.icon == "help":
        glyph = _sized(fonts.bold, 13 * s)
        draw.text((cx, cy), "?", font=glyph, fill=white, anchor="mm")
    else:  # a clock face: the time zone
        ring = int(0.9 * s)
        draw.ellipse((cx - 6 * s, cy - 6 * s, cx + 6 * s, cy + 6 * s), outline=white, width=ring)
        draw.line((cx, cy, cx, cy - 4 * s), fill=white, width=ring)
        draw.line((cx, cy, cx + 3 * s, cy + s), fill=white, width=ring)
        draw.ellipse((cx - s, cy - s, cx + s, cy + s), fill=white)


def draw_menu(fonts: Fonts, panels: Sequence[Panel] = PANELS) -> Image.Image:
    """The image, WIDTH × HEIGHT, RGB."""
    big = Image.new("RGB", (WIDTH * SCALE, HEIGHT * SCALE), BACKGROUND)
    draw = ImageDraw.Draw(big)
    title_font, caption_font = _font(fonts.bold, 118), _font(fonts.regular, 54)
    # Without a CJK font the labels would be empty boxes: the icons alone say what a panel does.
    labelled = fonts.cjk
    for panel in panels:
        b = panel.bounds
        x0, y0, x1, y1 = (v * SCALE for v in (b.x, b.y, b.x + b.width, b.y + b.height))
        tint, _ = COLORS[panel.icon]
        draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=tint)
        cx = (x0 + x1) // 2
        _icon(draw, panel, (cx, y0 + 290 * SCALE), 150 * SCALE, fonts)
        if labelled:
            draw.text((cx, y0 + 575 * SCALE), panel.title, font=title_font, fill=TITLE, anchor="mm")
            draw.text(
                (cx, y0 + 710 * SCALE), panel.caption, font=caption_font, fill=CAPTION, anchor="mm"
            )
        if b.x > 0:
            draw.rectangle(
                (x0 - 2 * SCALE, y0 + 90 * SCALE, x0 + 2 * SCALE, y1 - 90 * SCALE), fill=DIVIDER
            )
    return big.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS)


def render_png(fonts: Fonts, panels: Sequence[Panel] = PANELS) -> bytes:
    """PNG bytes of the menu image; ValueError if LINE would refuse them (> 1 MB)."""
    buffer = io.BytesIO()
    draw_menu(fonts, panels).save(buffer, format="PNG", optimize=True)
    data = buffer.getvalue()
    if len(data) > MAX_BYTES:
        raise ValueError(f"the menu image is {len(data)} bytes, over LINE's {MAX_BYTES}")
    return data
