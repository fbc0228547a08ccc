"""Rich menu and quota endpoints of the Messaging API, and the chat page's view of the menu.

Real LINE serves the image upload/download on api-data.line.me; the SDK's `Configuration(host=)`
sends both hosts to one base URL, so the simulator serves them beside the rest.
"""

from __future__ import annotations

import secrets

from aiohttp import web

from linesim.core import Simulator
from linesim.lineapi import SIM_KEY, Call, endpoint
from linesim.state import RichMenu

MAX_IMAGE = 1024 * 1024
IMAGE_TYPES = frozenset({"image/png", "image/jpeg"})
NOT_FOUND = {"message": "Not found"}


def _menu(sim: Simulator, request: web.Request) -> RichMenu | None:
    return sim.richmenus.menus.get(request.match_info["menu_id"])


async def create(sim: Simulator, request: web.Request, call: Call) -> web.Response:
    menu_id = "richmenu-" + secrets.token_hex(16)
    sim.richmenus.menus[menu_id] = RichMenu({"richMenuId": menu_id, **call.body})
    return call.answer(200, {"richMenuId": menu_id})


async def listing(sim: Simulator, request: web.Request, call: Call) -> web.Response:
    return call.answer(200, {"richmenus": [m.menu for m in sim.richmenus.menus.values()]})


async def get_one(sim: Simulator, request: web.Request, call: Call) -> web.Response:
    menu = _menu(sim, request)
    return call.answer(200, menu.menu) if menu else call.answer(404, NOT_FOUND)


async def delete(sim: Simulator, request: web.Request, call: Call) -> web.Response:
    if not sim.richmenus.delete(request.match_info["menu_id"]):
        return call.answer(404, NOT_FOUND)
    return call.answer(200, {})


async def upload(sim: Simulator, request: web.Request, call: Call) -> web.Response:
    menu = _menu(sim, request)
    if menu is None:
        return call.answer(404, NOT_FOUND)
    content_type = request.content_type
    if content_type not in IMAGE_TYPES:
        return call.answer(415, {"message": "The image must be image/png or image/jpeg"})
    raw = await request.read()
    if len(raw) > MAX_IMAGE:
        return call.answer(413, {"message": "The image must be 1 MB or smaller"})
    if not raw:
        return call.answer(400, {"message": "The request body is empty"})
    if menu.image is not None:
        return call.answer(400, {"message": "An image has already been uploaded to the richmenu"})
    menu.image, menu.content_type = raw, content_type
    return call.answer(200, {})


async def download(sim: Simulator, request: web.Request, call: Call) -> web.Response:
    menu = _menu(sim, request)
    if menu is None or menu.image is None:
        return call.answer(404, NOT_FOUND)
    return web.Response(
        body=menu.image,
        content_type=menu.content_type,
        headers={"x-line-request-id": call.request_id},
    )


async def set_default(sim: Simulator, request: web.Request, call: Call) -> web.Response:
    menu = _menu(sim, request)
    if menu is None:
        return call.answer(404, {"message": "richmenu not found"})
    if menu.image is None:
        return call.answer(400, {"message": "must upload richmenu image before applying it"})
    sim.richmenus.default_id = menu.menu["richMenuId"]
    return call.answer(200, {})


async def get_default(sim: Simulator, request: web.Request, call: Call) -> web.Response:
    if sim.richmenus.default() is None:
        return call.answer(404, {"message": "no default richmenu"})
    return call.answer(200, {"richMenuId": sim.richmenus.default_id})


async def clear_default(sim: Simulator, request: web.Request, call: Call) -> web.Response:
    sim.richmenus.default_id = None
    return call.answer(200, {})


async def quota(sim: Simulator, request: web.Request, call: Call) -> web.Response:
    quota = sim.quota()  # the limit the push endpoints enforce, if they do
    limit = quota["limit"] if quota["enforced"] else None
    if limit is None:
        return call.answer(200, {"type": "none"})
    return call.answer(200, {"type": "limited", "value": limit})


async def consumption(sim: Simulator, request: web.Request, call: Call) -> web.Response:
    return call.answer(200, {"totalUsage": sim.quota()["used"]})


async def page_menu(request: web.Request) -> web.Response:
    """For the chat page: the default rich menu (or null) and where its image is."""
    menu = request.app[SIM_KEY].richmenus.default()
    if menu is None:
        return web.json_response({"richMenu": None})
    return web.json_response({"richMenu": menu.menu, "image": "/_sim/richmenu/image"})


async def page_image(request: web.Request) -> web.Response:
    menu = request.app[SIM_KEY].richmenus.default()
    if menu is None or menu.image is None:
        raise web.HTTPNotFound()
    return web.Response(
        body=menu.image, content_type=menu.content_type, headers={"Cache-Control": "no-store"}
    )


def add_routes(app: web.Application) -> None:
    """Registered before lineapi's catch-all 404 for unknown /v2 paths."""
    r = app.router
    base, one = "/v2/bot/richmenu", "/v2/bot/richmenu/{menu_id}"
    default = "/v2/bot/user/all/richmenu"
    r.add_post(base, endpoint("richmenu", create))
    r.add_get(base + "/list", endpoint("richmenu", listing, has_body=False))
    r.add_get(one, endpoint("richmenu", get_one, has_body=False))
    r.add_delete(one, endpoint("richmenu", delete, has_body=False))
    r.add_post(one + "/content", endpoint("richmenu_content", upload, has_body=False))
    r.add_get(one + "/content", endpoint("richmenu_content", download, has_body=False))
    r.add_post(default + "/{menu_id}", endpoint("richmenu_default", set_default, has_body=False))
    r.add_get(default, endpoint("richmenu_default", get_default, has_body=False))
    r.add_delete(default, endpoint("richmenu_default", clear_default, has_body=False))
    r.add_get("/v2/bot/message/quota", endpoint("quota", quota, has_body=False))
    r.add_get("/v2/bot/message/quota/consumption", endpoint("quota", consumption, has_body=False))
    r.add_get("/_sim/richmenu", page_menu)
    r.add_get("/_sim/richmenu/image", page_image)
