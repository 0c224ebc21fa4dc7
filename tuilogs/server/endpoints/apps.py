"""`GET /apps` and `GET /apps/{name-or-id}`: the apps the router has logs (or drains) for."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..wire import app_json
from .common import in_thread, platform_api, require_app, store_of


@platform_api
async def list_apps(request: Request) -> Response:
    apps = await in_thread(store_of(request).apps)
    return JSONResponse([app_json(a) for a in apps])


@platform_api
async def get_app(request: Request) -> Response:
    return JSONResponse(app_json(await require_app(request)))
