"""`/apps/{app}/log-drains`: list, add, show and remove an app's drains (as Heroku's API).

Adding or removing one brings the forwarders in line at once (`Router.sync_drains`). A URL is
refused (422) when it is malformed (`core.drain_urls`), or points where this router must not
deliver or back into itself (`drain_targets.TargetPolicy.refusal`).
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tuilogs.core.drain_urls import mask_url, validate_drain_url

from ..drain_targets import TargetPolicy
from ..errors import drain_not_found, invalid_params
from ..wire import drain_json
from .common import (
    find_app,
    in_thread,
    json_body,
    platform_api,
    require_app_name,
    router_of,
    store_of,
)

log = logging.getLogger("tuilogs.server")


@platform_api
async def list_drains(request: Request) -> Response:
    app = await find_app(request)
    if app is None:
        return JSONResponse([])
    drains = await in_thread(store_of(request).drains, app.name)
    return JSONResponse([drain_json(d) for d in drains])


@platform_api
async def create_drain(request: Request) -> Response:
    name = require_app_name(request)
    data = await json_body(request)
    url = data.get("url")
    problem = validate_drain_url(url)
    if problem is None:
        policy = TargetPolicy.from_settings(router_of(request).settings)
        problem = await policy.refusal(url, name)
    if problem is not None:
        raise invalid_params(problem)
    drain = await in_thread(store_of(request).add_drain, name, url)
    if drain is None:
        raise invalid_params("Url has already been taken.")
    log.info("drain %s added to %s: %s", drain.token, name, mask_url(url))
    await router_of(request).sync_drains()
    return JSONResponse(drain_json(drain), status_code=201)


async def _named_drain(request: Request, action):
    """`action(app, ident)` on the store for the path's app and drain; 404 when either is unknown."""
    app = await find_app(request)
    drain = None
    if app is not None:
        drain = await in_thread(action, app.name, request.path_params["ident"])
    if drain is None:
        raise drain_not_found()
    return drain


@platform_api
async def get_drain(request: Request) -> Response:
    drain = await _named_drain(request, store_of(request).find_drain)
    return JSONResponse(drain_json(drain))


@platform_api
async def delete_drain(request: Request) -> Response:
    drain = await _named_drain(request, store_of(request).remove_drain)
    log.info("drain %s removed from %s", drain.token, drain.app)
    await router_of(request).sync_drains()
    return JSONResponse(drain_json(drain))
