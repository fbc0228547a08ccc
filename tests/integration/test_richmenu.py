"""`python -m bot richmenu` against the in-repo LINE simulator: one menu, idempotent, replaced
when it differs; `--dry-run` calls nothing. And the layout itself (pure)."""

from __future__ import annotations

import io
import itertools
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
    RichMenuRequest,
)
from PIL import Image

from bot.__main__ import main
from bot.adapters import menu_image
from bot.adapters.line.rich_menu import build_request
from bot.adapters.menu_image import MAX_BYTES
from bot.bootstrap import rich_menu_fonts_hidden
from bot.domain.rich_menu_layout import (
    HEIGHT,
    MENU_NAME,
    PANELS,
    WIDTH,
    menu_body,
    plan,
    split_width,
)
from linesim.process import SimulatorProcess, start_simulator_process

TOKEN = "richmenu-test-token"
ROOT = Path(__file__).resolve().parents[2]
RICH_MENU_ENDPOINTS = {"richmenu", "richmenu_content", "richmenu_default"}
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture(scope="module")
def sim_process() -> Iterator[SimulatorProcess]:
    with start_simulator_process(access_token=TOKEN) as handle:
        yield handle


@pytest.fixture
def sim(sim_process: SimulatorProcess, monkeypatch: pytest.MonkeyPatch) -> SimulatorProcess:
    sim_process.client.reset()
    for name in ("REDIS_URL", "REDISTOGO_URL", "LINE_CHANNEL_SECRET"):
        monkeypatch.delenv(name, raising=False)  # the command needs none of them
    monkeypatch.setenv("LINE_CHANNEL_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("LINE_API_BASE_URL", sim_process.url)
    return sim_process


@pytest.fixture
def api(sim: SimulatorProcess) -> Iterator[MessagingApi]:
    with ApiClient(Configuration(host=sim.url, access_token=TOKEN)) as client:
        yield MessagingApi(client)


def _menus(api: MessagingApi) -> list[dict[str, Any]]:
    return [m.to_dict() for m in api.get_rich_menu_list().richmenus]


def _image(sim: SimulatorProcess, menu_id: str) -> tuple[str, bytes]:
    request = urllib.request.Request(
        f"{sim.url}/v2/bot/richmenu/{menu_id}/content",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    with _NO_PROXY.open(request, timeout=10) as answer:
        return answer.headers.get_content_type(), answer.read()


def _rich_menu_calls(sim: SimulatorProcess, since: int = 0) -> list[tuple[str, str]]:
    return [
        (r["method"], r["endpoint"])
        for r in sim.client.requests(since)
        if r["endpoint"] in RICH_MENU_ENDPOINTS
    ]


def _errors(stderr: str) -> list[str]:
    """stderr's lines but the WARNING of a machine without a CJK font (see the last tests)."""
    return [line for line in stderr.strip().splitlines() if "WARNING" not in line]


def _last_request_seq(sim: SimulatorProcess) -> int:
    return max((r["seq"] for r in sim.client.requests()), default=0)


def _assert_one_default_menu(sim: SimulatorProcess, api: MessagingApi) -> str:
    menus = _menus(api)
    assert len(menus) == 1
    menu_id = str(menus[0]["richMenuId"])
    assert api.get_default_rich_menu_id().rich_menu_id == menu_id
    assert plan(menu_body(), menus, menu_id).nothing_to_do
    content_type, image = _image(sim, menu_id)
    assert content_type == "image/png"
    assert 0 < len(image) <= MAX_BYTES
    with Image.open(io.BytesIO(image)) as png:
        assert (png.format, png.size) == ("PNG", (2500, 843))
    return menu_id


# -- the layout (pure) ---------------------------------------------------------------------


def test_three_areas_cover_the_width_without_overlap() -> None:
    assert len(PANELS) == 3
    spans = sorted((p.bounds.x, p.bounds.x + p.bounds.width) for p in PANELS)
    assert spans[0][0] == 0
    assert spans[-1][1] == WIDTH
    assert all(left[1] == right[0] for left, right in itertools.pairwise(spans))
    assert all(p.bounds.y == 0 and p.bounds.height == HEIGHT for p in PANELS)
    assert [p.text for p in PANELS] == ["一覧", "ヘルプ", "タイムゾーン"]
    assert all(1 <= len(p.label) <= 20 for p in PANELS)
    assert split_width(10, 3) == [(0, 3), (3, 3), (6, 4)]


def test_the_sdk_model_is_the_layout() -> None:
    assert build_request().to_dict() == menu_body()


# -- against the simulator -----------------------------------------------------------------


def test_run_twice_gives_one_default_menu(
    sim: SimulatorProcess, api: MessagingApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "menu.png"
    assert main(["richmenu", "--out", str(out)]) == 0
    menu_id = _assert_one_default_menu(sim, api)
    assert out.read_bytes() == _image(sim, menu_id)[1]
    assert ("POST", "richmenu_content") in _rich_menu_calls(sim)

    since = _last_request_seq(sim)
    capsys.readouterr()
    assert main(["richmenu"]) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert _assert_one_default_menu(sim, api) == menu_id
    calls = _rich_menu_calls(sim, since)
    assert all(method == "GET" for method, _ in calls), calls  # no create, upload or delete
    assert ("GET", "richmenu") in calls
    assert ("GET", "richmenu_default") in calls


def test_a_menu_of_ours_with_other_areas_is_replaced(
    sim: SimulatorProcess, api: MessagingApi
) -> None:
    def make(name: str, text: str) -> str:
        body = menu_body()
        body["name"], body["areas"] = name, body["areas"][:2]
        body["areas"][1]["action"]["text"] = text
        menu_id = str(api.create_rich_menu(RichMenuRequest.from_dict(body)).rich_menu_id)
        with ApiClient(Configuration(host=sim.url, access_token=TOKEN)) as client:
            MessagingApiBlob(client).set_rich_menu_image(
                menu_id,
                body=bytearray(b"\x89PNG\r\n\x1a\n" + bytes(64)),
                _headers={"Content-Type": "image/png"},
            )
        return menu_id

    foreign = make("someone else's", "x")
    old = make(MENU_NAME, "help")
    api.set_default_rich_menu(old)
    assert main(["richmenu"]) == 0
    ids = {m["richMenuId"] for m in _menus(api)}
    assert old not in ids
    assert foreign in ids
    assert len(ids) == 2
    new = api.get_default_rich_menu_id().rich_menu_id
    assert new not in (old, foreign)
    ours = [m for m in _menus(api) if m["name"] == MENU_NAME]
    assert len(ours) == 1
    assert ours[0]["areas"] == menu_body()["areas"]


def test_a_menu_left_by_an_interrupted_run_is_replaced(
    sim: SimulatorProcess, api: MessagingApi
) -> None:
    left = api.create_rich_menu(build_request()).rich_menu_id  # created, never uploaded
    assert main(["richmenu"]) == 0
    assert _assert_one_default_menu(sim, api) != left


def test_dry_run_calls_nothing(
    sim: SimulatorProcess,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LINE_CHANNEL_ACCESS_TOKEN")  # not needed to draw
    assert main(["richmenu", "--dry-run"]) == 0
    assert "would make" in capsys.readouterr().out
    with Image.open(tmp_path / "richmenu.png") as png:
        assert png.size == (2500, 843)
    assert main(["richmenu", "--dry-run", "--out", str(tmp_path / "other.png")]) == 0
    assert (tmp_path / "other.png").stat().st_size <= MAX_BYTES
    assert _rich_menu_calls(sim) == []
    assert sim.client.requests() == []


def test_a_missing_token_is_one_line_and_status_2(
    sim: SimulatorProcess, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("LINE_CHANNEL_ACCESS_TOKEN")
    assert main(["richmenu"]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == ["richmenu: LINE_CHANNEL_ACCESS_TOKEN is not set"]
    assert sim.client.requests() == []


def test_a_refused_call_is_one_line_and_status_1(
    sim: SimulatorProcess, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LINE_CHANNEL_ACCESS_TOKEN", "wrong-token")
    assert main(["richmenu"]) == 1
    err = _errors(capsys.readouterr().err)
    assert len(err) == 1
    assert err[0].startswith("richmenu: LINE answered 401")


def test_the_command_in_a_subprocess(sim: SimulatorProcess, api: MessagingApi) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "LINE_CHANNEL_SECRET")}
    command = [sys.executable, "-m", "bot", "richmenu"]
    first = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert first.returncode == 0, first.stderr
    assert "created" in first.stdout
    assert "set richmenu-" in first.stdout
    menu_id = _assert_one_default_menu(sim, api)
    again = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert again.returncode == 0, again.stderr
    assert "nothing to do" in again.stdout
    assert _assert_one_default_menu(sim, api) == menu_id


def test_without_a_cjk_font_the_icons_are_drawn_with_a_warning(
    sim: SimulatorProcess,
    api: MessagingApi,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(menu_image.HIDE_FONTS_ENV, "1")  # as on a machine without one
    out = tmp_path / "menu.png"
    assert main(["richmenu", "--out", str(out)]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("richmenu: WARNING: no CJK font found")
    assert "fonts-noto-cjk" in err[0]
    assert "noto-cjk-sans-jp" in err[0]
    menu_id = _assert_one_default_menu(sim, api)
    assert out.read_bytes() == _image(sim, menu_id)[1]


def test_a_font_given_that_is_not_cjk_is_one_line_and_status_2(
    sim: SimulatorProcess, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "menu.png"
    latin = tmp_path / "not-a-font.ttf"
    latin.write_bytes(b"not a font")
    assert main(["richmenu", "--out", str(out), "--font", str(latin)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"richmenu: {latin} is not a CJK font (want Noto Sans CJK)"]
    assert not out.exists()
    assert sim.client.requests() == []


def _cjk_fonts() -> menu_image.Fonts | None:
    try:
        return menu_image.find_fonts(hidden=rich_menu_fonts_hidden())
    except menu_image.FontMissingError:
        return None


@pytest.mark.skipif(
    _cjk_fonts() is None,
    reason="CJK label test skipped: no Noto Sans CJK (pip install -r requirements.txt brings "
    "noto-cjk-sans-jp-*, or apt-get install fonts-noto-cjk)",
)
def test_the_labels_are_drawn_in_noto_sans_cjk() -> None:
    fonts = _cjk_fonts()
    assert fonts is not None
    assert fonts.cjk
    with_labels = menu_image.draw_menu(fonts)
    icons_only = menu_image.draw_menu(menu_image.NO_CJK_FONT)
    # Under the icon: the title, in the title colour's dark grey, only where there is a font.
    panel = PANELS[0].bounds
    strip = (panel.x, 500, panel.x + panel.width, 640)

    def dark(image: Image.Image) -> int:
        return sum(image.crop(strip).convert("L").histogram()[:90])

    assert dark(icons_only) == 0
    assert dark(with_labels) > 1000
