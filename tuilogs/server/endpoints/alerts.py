"""Saved searches and alert rules of an app (router extensions, docs/api.md):

    GET/PUT/DELETE /apps/{app}/saved-searches[/{name}]
    GET/POST/DELETE /apps/{app}/alert-rules[/{id or name}]
    GET /apps/{app}/alert-firings?after=EPOCH&limit=N

Queries are the explorer's search language, checked here (422 with the parser's message).
A webhook must be an http(s) URL the router may reach (`drain_targets.TargetPolicy`, as for
drains); its password never comes back in an answer. On PostgreSQL every router of a team
serves these endpoints over the shared database, whichever of them evaluates the rules
(`alerting/team.py`): a rule's state is the evaluating router's as last stored (every
`alert_tick`) when asked elsewhere.
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import datetime, timezone

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tuilogs.core.drain_urls import mask_url, validate_drain_url
from tuilogs.core.query import QueryError, parse_query
from tuilogs.core.record import api_timestamp

from ..alerting.service import Alerting
from ..drain_targets import TargetPolicy
from ..errors import ApiError, app_not_found, invalid_params
from ..store.alerts_interface import (
    ABSENCE,
    COUNT,
    KINDS,
    AlertRule,
    AlertStore,
    Firing,
    RuleState,
    SavedSearch,
)
from .common import app_name, in_thread, json_body, opt_int, opt_str, platform_api, router_of

NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.:@+-]{0,63}")
MAX_QUERY = 1000
MAX_SECONDS = 7 * 24 * 3600


def _when(epoch: float | None) -> str | None:
    """Seconds since the epoch as an API timestamp."""
    return None if epoch is None else api_timestamp(datetime.fromtimestamp(epoch, timezone.utc))


def search_json(s: SavedSearch) -> dict:
    return {
        "name": s.name,
        "query": s.query,
        "created_at": _when(s.created_at),
        "updated_at": _when(s.updated_at),
    }


def rule_json(rule: AlertRule, state: RuleState) -> dict:
    out = {
        "id": rule.id,
        "name": rule.name,
        "query": rule.query,
        "kind": rule.kind,
        "threshold": rule.threshold,
        "window": rule.window,
        "cooldown": rule.cooldown,
        "webhook": mask_url(rule.webhook) if rule.webhook else None,
        "created_at": _when(rule.created_at),
        "state": {
            "window_start": _when(state.window_start),
            "count": state.count,
            "fired": state.fired,
            "last_fired": _when(state.last_fired),
            "last_seen": _when(state.last_seen),
        },
    }
    return out


def firing_json(f: Firing) -> dict:
    return {
        "id": f.id,
        "rule": {"id": f.rule_id, "name": f.rule_name},
        "at": f.at,
        "fired_at": _when(f.at),
        "count": f.count,
        "message": f.message,
    }


def _alerting(request: Request) -> Alerting:
    alerting = router_of(request).alerting
    if alerting is None:
        raise ApiError(503, "service_unavailable", "Alert rules are unavailable on this router.")
    return alerting


def _store(request: Request) -> AlertStore:
    """Where saved searches and firings are kept (also on a router that runs no rules)."""
    store = router_of(request).alert_store
    if store is None:
        raise ApiError(503, "service_unavailable", "Saved searches are unavailable on this router.")
    return store


def _app(request: Request) -> str:
    name = app_name(request)
    if name is None:
        raise app_not_found()
    return name


def _name(value: object, what: str) -> str:
    if not isinstance(value, str) or not NAME_RE.fullmatch(value):
        raise invalid_params(
            f"{what} must be 1 to 64 letters, digits, spaces or _.:@+- (starting with a"
            " letter or digit)."
        )
    return value


def _query(value: object) -> str:
    if not isinstance(value, str) or len(value) > MAX_QUERY:
        raise invalid_params(f"query must be a string of at most {MAX_QUERY} characters.")
    try:
        parse_query(value)
    except QueryError as exc:
        raise invalid_params(f"query: {exc}") from None
    return value


# -- saved searches --------------------------------------------------------------------------


@platform_api
async def list_searches(request: Request) -> Response:
    app, store = _app(request), _store(request)
    found = await in_thread(store.searches, app)
    return JSONResponse([search_json(s) for s in found])


@platform_api
async def put_search(request: Request) -> Response:
    app, store = _app(request), _store(request)
    name = _name(request.path_params["name"], "name")
    query = _query((await json_body(request)).get("query"))
    search, new = await in_thread(store.save_search, app, name, query)
    return JSONResponse(search_json(search), status_code=201 if new else 200)


@platform_api
async def delete_search(request: Request) -> Response:
    app, store = _app(request), _store(request)
    removed = await in_thread(store.remove_search, app, request.path_params["name"])
    if removed is None:
        raise ApiError(404, "not_found", "Couldn't find that saved search.", resource="search")
    return JSONResponse(search_json(removed))


# -- alert rules -----------------------------------------------------------------------------


@platform_api
async def list_rules(request: Request) -> Response:
    app, alerting = _app(request), _alerting(request)
    rules = await in_thread(alerting.store.rules, app)
    states = await in_thread(alerting.states, rules)
    return JSONResponse([rule_json(r, states[r.id]) for r in rules])


async def _rule_query(data: dict, app: str, alerting: Alerting) -> str:
    """The rule's query: given, or a saved search's (`search`: its name)."""
    search = opt_str(data, "search")
    if search is None:
        return _query(data.get("query", ""))
    for s in await in_thread(alerting.store.searches, app):
        if s.name == search:
            return s.query
    raise invalid_params(f"no saved search named {search!r}.")


async def _webhook(request: Request, data: dict, app: str) -> str:
    url = opt_str(data, "webhook")
    if url is None:
        return ""
    problem = validate_drain_url(url)
    if problem is None and not url.lower().startswith(("http://", "https://")):
        problem = "webhook must be an http or https URL."
    if problem is None:
        policy = TargetPolicy.from_settings(router_of(request).settings)
        problem = await policy.refusal(url, app)
    if problem is not None:
        raise invalid_params(
            problem.replace("Drain URL", "Webhook").replace("a drain", "a webhook")
        )
    return url


@platform_api
async def create_rule(request: Request) -> Response:
    app, alerting = _app(request), _alerting(request)
    data = await json_body(request)
    name = _name(data.get("name"), "name")
    kind = data.get("kind") or COUNT
    if kind not in KINDS:
        raise invalid_params(f"kind must be one of {', '.join(KINDS)}.")
    query = await _rule_query(data, app, alerting)
    threshold = opt_int(data, "threshold", 1, 1_000_000) or 1
    window = opt_int(data, "window", 1, MAX_SECONDS) or 60
    cooldown = opt_int(data, "cooldown", 0, MAX_SECONDS)
    rule = AlertRule(
        id=str(uuid.uuid4()),
        app=app,
        name=name,
        query=query,
        kind=kind,
        threshold=1 if kind == ABSENCE else threshold,
        window=float(window),
        cooldown=float(window if cooldown is None else cooldown),
        webhook=await _webhook(request, data, app),
        created_at=time.time(),
    )
    if not await in_thread(alerting.store.add_rule, rule):
        raise invalid_params("Name has already been taken.")
    await in_thread(alerting.reload)
    return JSONResponse(rule_json(rule, RuleState(rule.id)), status_code=201)


@platform_api
async def delete_rule(request: Request) -> Response:
    app, alerting = _app(request), _alerting(request)
    removed = await in_thread(alerting.store.remove_rule, app, request.path_params["ident"])
    if removed is None:
        raise ApiError(404, "not_found", "Couldn't find that alert rule.", resource="alert_rule")
    state = (await in_thread(alerting.states, [removed]))[removed.id]  # as it stood
    await in_thread(alerting.reload)
    return JSONResponse(rule_json(removed, state))


@platform_api
async def list_firings(request: Request) -> Response:
    app, store = _app(request), _store(request)
    raw = request.query_params.get("after") or "0"
    try:
        after = float(raw)
    except ValueError:
        raise invalid_params("after must be a number (seconds since the epoch).") from None
    limit = request.query_params.get("limit") or "100"
    n = int(limit) if limit.isascii() and limit.isdigit() and len(limit) < 5 else 0
    if not 1 <= n <= 1000:
        raise invalid_params("limit must be an integer from 1 to 1000.")
    found = await in_thread(lambda: store.firings(app, after=after, limit=n))
    return JSONResponse([firing_json(f) for f in found])
