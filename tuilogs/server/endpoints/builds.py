"""`/apps/{app}/builds`: Heroku's builds resource, for builds recorded by `tuilogs build`.

The router runs no buildpacks. Its builds are commands run elsewhere (CI, a laptop) whose
output `tuilogs build APP -- cmd` sends here as it is written: listed, shown and streamed
exactly as Heroku's are, so the explorer and scripts read both the same way (docs/api.md,
"Builds"). Recording uses three extensions: `POST /apps/{app}/builds` needs no source URL,
`POST .../builds/{id}/output` adds lines, `PATCH .../builds/{id}` ends the build.

Listing pages with Heroku's `Range` headers, on `created_at` (unique per app in the store).
`output_stream_url` (`/build-output/{secret}`, no token: the secret is the key, as Heroku's are
pre-signed) streams the output as plain text, following a pending build until it ends. A build
whose recorder went silent (no output or heartbeat for `STALE_SECONDS`: it was killed, or lost
its network) is ended as failed the next time anyone looks, so no follower waits forever.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from ..errors import ApiError, invalid_params
from ..store import LogStore, StoredBuild
from ..wire import build_json
from .common import (
    in_thread,
    json_body,
    opt_int,
    opt_str,
    platform_api,
    public_url,
    read_limited,
    require_app,
    require_app_name,
    store_of,
)

PAGE, MAX_PAGE = 200, 1000  # Heroku's default and largest page
MAX_OUTPUT_BODY = 1 << 20  # one POST of output lines
MAX_BUILD_LINES = 200_000  # lines kept of one build's output; a marker says when cut
TRUNCATED = f"[tuilogs: the output was cut at {MAX_BUILD_LINES:,} lines]"
MAX_FIELD = 1000  # characters of user, source version, description
STALE_SECONDS = 120.0  # `tuilogs build` sends a heartbeat every 20 s of silence
POLL = (0.05, 0.5)  # a follower's wait for new output: first, longest (seconds)
PIECE_LINES, PIECE_BYTES = 2000, 512 * 1024  # one read of the output, and one write
ACCEPT_RANGES = "created_at"


# -- Range headers ---------------------------------------------------------------------------

_RANGE_RE = re.compile(r"(?P<field>\w+)\s*(?P<open>[\[\]]?)(?P<start>\S*?)\.\.(?P<end>\S*)")
_STAMP = "%Y-%m-%dT%H:%M:%S.%fZ"


@dataclass(frozen=True)
class BuildRange:
    """A list request's range: order, page size, and the exclusive bound it starts past."""

    newest_first: bool = False
    max: int = PAGE
    beyond: str | None = None


def _unsatisfiable(header: str) -> ApiError:
    return ApiError(
        416,
        "requested_range_not_satisfiable",
        f"Cannot use the range {header.strip()!r}: builds are listed by created_at"
        f" (Accept-Ranges: {ACCEPT_RANGES}).",
    )


def _when(text: str, header: str) -> datetime:
    """A client's `created_at` bound (any ISO 8601 form; no zone means UTC)."""
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _unsatisfiable(header) from None
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when


def parse_range(header: str | None) -> BuildRange:
    """`created_at [[|]]START..[END][; max=N][, order=asc|desc]` as Heroku writes it (the
    parameters separated by `,` or `;`). A START without `]` is inclusive and is made
    exclusive by one microsecond, the store's resolution; END is not used."""
    if not header or not header.strip():
        return BuildRange()
    head, _, rest = header.partition(";")
    m = _RANGE_RE.fullmatch(head.strip())
    params = dict(
        part.strip().partition("=")[::2] for part in re.split(r"[;,]", rest) if part.strip()
    )
    order = params.get("order", "asc").strip().lower()
    size = params.get("max", str(PAGE)).strip()
    if (
        m is None
        or m["field"] != "created_at"
        or order not in ("asc", "desc")
        or not (size.isascii() and size.isdigit())
    ):
        raise _unsatisfiable(header)
    newest_first = order == "desc"
    beyond = None
    if m["start"]:
        when = _when(m["start"], header)
        if m["open"] != "]":
            when += timedelta(microseconds=1 if newest_first else -1)
        beyond = when.astimezone(timezone.utc).strftime(_STAMP)
    return BuildRange(newest_first, max(1, min(MAX_PAGE, int(size[:5]))), beyond)


def next_range(page: BuildRange, last: StoredBuild) -> str:
    order = "desc" if page.newest_first else "asc"
    return f"created_at ]{last.created_at}..; max={page.max}, order={order}"


# -- finding builds --------------------------------------------------------------------------


def _age(stamp: str) -> float:
    try:
        when = datetime.strptime(stamp, _STAMP).replace(tzinfo=timezone.utc)
    except ValueError:
        return 0.0
    return datetime.now(timezone.utc).timestamp() - when.timestamp()


async def current(store: LogStore, build: StoredBuild) -> StoredBuild:
    """The build, ended as failed if its recorder has gone silent (see the module docstring)."""
    if build.status == "pending" and _age(build.updated_at) > STALE_SECONDS:
        ended = await in_thread(store.finish_build, build.id, "failed", None)
        return ended or build
    return build


async def require_build(request: Request) -> StoredBuild:
    """The `{id}` build of the `{app}` of the path, or 404 (`resource: build`)."""
    app = await require_app(request)
    store = store_of(request)
    build = await in_thread(store.build, request.path_params["build"])
    if build is None or build.app != app.name:
        raise ApiError(404, "not_found", "Couldn't find that build.", resource="build")
    return await current(store, build)


# -- endpoints -------------------------------------------------------------------------------


@platform_api
async def list_builds(request: Request) -> Response:
    """`GET /apps/{app}/builds`: a page of builds (oldest first unless the Range says desc)."""
    app = await require_app(request)
    page = parse_range(request.headers.get("range"))
    store = store_of(request)
    found = await in_thread(
        lambda: store.builds(
            app.name, newest_first=page.newest_first, beyond=page.beyond, limit=page.max + 1
        )
    )
    shown = [await current(store, b) for b in found[: page.max]]
    headers = {"Accept-Ranges": ACCEPT_RANGES}
    if shown:
        headers["Content-Range"] = f"created_at {shown[0].created_at}..{shown[-1].created_at}"
    status = 200
    if len(found) > page.max:
        status, headers["Next-Range"] = 206, next_range(page, shown[-1])
    base = public_url(request)
    return JSONResponse([build_json(b, base) for b in shown], status, headers)


@platform_api
async def get_build(request: Request) -> Response:
    """`GET /apps/{app}/builds/{id}`."""
    return JSONResponse(build_json(await require_build(request), public_url(request)))


def _field(data: object, key: str) -> str | None:
    value = opt_str(data if isinstance(data, dict) else {}, key)
    if value is not None and len(value) > MAX_FIELD:
        raise invalid_params(f"{key} is longer than {MAX_FIELD} characters.")
    return value


@platform_api
async def create_build(request: Request) -> Response:
    """`POST /apps/{app}/builds` (extension: no source URL): a pending build to record."""
    name = require_app_name(request)
    data = await json_body(request)
    blob = data.get("source_blob")
    build = await in_thread(
        lambda: store_of(request).create_build(
            name,
            user=_field(data.get("user"), "email") or "unknown",
            source_version=_field(blob, "version"),
            description=_field(blob, "version_description"),
        )
    )
    return JSONResponse(build_json(build, public_url(request)), status_code=201)


def _lines(body: bytes) -> list[str]:
    text = body.decode("utf-8", "replace")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


@platform_api
async def add_output(request: Request) -> Response:
    """`POST /apps/{app}/builds/{id}/output` (extension): plain-text lines for a pending build;
    an empty body is a heartbeat. 409 once the build has ended."""
    build = await require_build(request)
    body = await read_limited(request, MAX_OUTPUT_BODY)
    if body is None:
        raise ApiError(413, "payload_too_large", "Build output bodies are limited to 1 MiB.")
    lines = _lines(body)
    room = MAX_BUILD_LINES - build.lines
    if len(lines) > room:
        lines = [*lines[: max(0, room)], TRUNCATED] if room >= 0 else []
    store = store_of(request)
    stored = await in_thread(store.append_build_output, build.id, lines)
    if stored is None or stored.status != "pending":
        status = stored.status if stored is not None else "gone"
        raise ApiError(409, "conflict", f"The build has ended ({status}); no more output.")
    return JSONResponse({"id": stored.id, "lines": stored.lines})


@platform_api
async def end_build(request: Request) -> Response:
    """`PATCH /apps/{app}/builds/{id}` (extension): `{"status": "succeeded"|"failed",
    "exit_code": N}`. The first end wins; the answer is the build as it ended."""
    build = await require_build(request)
    data = await json_body(request)
    status = data.get("status")
    if status not in ("succeeded", "failed"):
        raise invalid_params("status must be succeeded or failed.")
    exit_code = opt_int(data, "exit_code", 0, 255)
    ended = await in_thread(store_of(request).finish_build, build.id, status, exit_code)
    return JSONResponse(build_json(ended or build, public_url(request)))


async def stream_output(request: Request) -> Response:
    """`GET /build-output/{secret}`: the output as plain text, to the build's end (no token:
    the secret is the key, as Heroku's URLs are pre-signed)."""
    store = store_of(request)
    build = await in_thread(store.build_by_secret, request.path_params["secret"])
    if build is None:
        raise ApiError(404, "not_found", "No build output here.")
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(
        follow_output(store, build), media_type="text/plain; charset=utf-8", headers=headers
    )


async def follow_output(store: LogStore, build: StoredBuild) -> AsyncIterator[str]:
    """The output from its first line, then (while the build is pending) each line as it is
    stored, until the build has ended and its last line is sent.

    Lines are stored only while a build is pending, so output read after the build was seen
    ended is all of it. Followers poll the store (any router of a shared store may be the one
    recording), quickly after output and backing off to `POLL[1]` while it is quiet.
    """
    cursor, delay, ended = 0, POLL[0], False
    while True:
        lines = await in_thread(_piece, store, build.id, cursor)
        if lines:
            cursor += len(lines)
            delay = POLL[0]
            yield "".join(line + "\n" for line in lines)
            continue
        if ended:
            return
        latest = await in_thread(store.build, build.id)
        if latest is None:  # deleted (a newer build pushed it out): nothing more will come
            return
        latest = await current(store, latest)
        if latest.status != "pending":
            ended = True  # one more read: the lines stored before it ended
            continue
        await asyncio.sleep(delay)
        delay = min(POLL[1], delay * 2)


def _piece(store: LogStore, build_id: str, cursor: int) -> list[str]:
    return store.build_output(build_id, after=cursor, limit=PIECE_LINES, max_bytes=PIECE_BYTES)
