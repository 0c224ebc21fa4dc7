"""A stand-in for Heroku's builds endpoints on loopback (api.heroku.com cannot be reached from
the tests): a small Starlette app, served by the `serve_asgi` fixture, that behaves as the
Platform API reference and the build-output service do.

* `GET /apps/{app}/builds` lists oldest first, `max` (default 200) to a page, honours Heroku's
  `Range: created_at [[|]]START..; max=N, order=asc|desc` and answers `206 Partial Content`
  with a `Next-Range` when more remain; `Accept-Ranges: created_at, id`.
* `GET /apps/{app}/builds/{id}`: the build, or 404 `{"id": "not_found", "resource": "build"}`;
  an unknown app is 404 with `resource: app`. A build names its release by id only, as
  Heroku's do; `GET /apps/{app}/releases` (newest first for `order=desc`, `max` of them) has
  the versions of those made with `release_version`.
* `output_stream_url` (`/streams/{id}`): plain chunked text, everything written so far, then
  (while the build's output is open) each line as the test writes it; the response ends when
  the test ends the output. `Range: bytes=N-` is honoured with a 206 unless `ranges=False`.
  `missing` builds answer 404 until their first line is written (a build just started);
  `after_404[id]` runs once, as such a 404 is answered (a build that ends at that moment).
  `drop(id)` cuts the open streams of a build mid-answer (no last chunk: a dropped connection).

Tests drive it from their own thread: `add`, `write`, `end_output`, `set_status`, `finish`.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

APP = "myapp"
EPOCH = datetime(2026, 11, 1, tzinfo=timezone.utc)


@dataclass
class StandInBuild:
    id: str
    status: str
    created_at: str
    user: str
    version: str
    release_version: int | None = None
    text: bytearray = field(default_factory=bytearray)
    open: bool = False  # output still being written
    missing: bool = False  # 404 until the first line
    cuts: int = 0  # bumped by `drop`: open streams of the build end abruptly


class Dropped(Exception):
    """Raised inside a stream to end it without its last chunk."""


class BuildsStandIn:
    def __init__(self, app: str = APP, ranges: bool = True) -> None:
        self.app = app
        self.ranges = ranges
        self.builds: dict[str, StandInBuild] = {}
        self.lock = threading.Lock()
        self.range_headers: list[str | None] = []  # every Range a list request sent
        self.stream_ranges: list[str | None] = []  # every Range a stream request sent
        self.info_requests = 0  # GET /apps/{app}/builds/{id}
        self.release_ranges: list[str | None] = []  # every Range a releases request sent
        self.after_404: dict[str, Callable[[], None]] = {}  # see `stream`
        self.base_url = ""  # set by `serve`
        self._numbers = itertools.count(1)  # ids and dates: the same in every run

    # -- driven by the test ----------------------------------------------------------------

    def add(
        self,
        status: str = "succeeded",
        lines: list[str] | None = None,
        *,
        open: bool = False,
        missing: bool = False,
        user: str = "dev@example.com",
        version: str | None = None,
        release_version: int | None = None,
        created_at: str | None = None,
        id: str | None = None,
    ) -> str:
        n = next(self._numbers)
        build = StandInBuild(
            id=id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"build-{n}")),
            status=status,
            created_at=created_at or (EPOCH + timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            user=user,
            version=version or f"{n:07x}",
            release_version=release_version,
            open=open,
            missing=missing,
        )
        build.text += "".join(line + "\n" for line in lines or []).encode()
        with self.lock:
            self.builds[build.id] = build
        return build.id

    def write(self, build_id: str, *lines: str) -> None:
        with self.lock:
            build = self.builds[build_id]
            build.text += "".join(line + "\n" for line in lines).encode()
            build.missing = False

    def end_output(self, build_id: str) -> None:
        with self.lock:
            self.builds[build_id].open = False

    def set_status(self, build_id: str, status: str) -> None:
        with self.lock:
            self.builds[build_id].status = status

    def finish(self, build_id: str, status: str) -> None:
        """The build ends: its status, then the end of its output (as Heroku's does)."""
        self.set_status(build_id, status)
        self.end_output(build_id)

    def drop(self, build_id: str) -> None:
        with self.lock:
            self.builds[build_id].cuts += 1

    # -- the API ---------------------------------------------------------------------------

    def json(self, build: StandInBuild) -> dict:
        release = {"id": self.release_id(build)}
        return {
            "app": {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, self.app))},
            "buildpacks": [{"url": "heroku/python", "name": "heroku/python"}],
            "created_at": build.created_at,
            "id": build.id,
            "output_stream_url": f"{self.base_url}/streams/{build.id}",
            "release": release if build.status == "succeeded" else None,
            "slug": None,
            "source_blob": {"checksum": None, "url": "https://example.com/src.tgz",
                            "version": build.version, "version_description": None},
            "stack": "heroku-24",
            "status": build.status,
            "updated_at": build.created_at if build.status == "pending" else _later(build.created_at),
            "user": {"email": build.user, "id": str(uuid.uuid5(uuid.NAMESPACE_URL, build.user))},
        }  # fmt: skip

    @staticmethod
    def release_id(build: StandInBuild) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, build.id))

    def _app_or_404(self, request: Request) -> Response | None:
        if request.path_params["app"] != self.app:
            return JSONResponse(
                {"id": "not_found", "message": "Couldn't find that app.", "resource": "app"}, 404
            )
        return None

    async def list_builds(self, request: Request) -> Response:
        missing = self._app_or_404(request)
        if missing is not None:
            return missing
        header = request.headers.get("range")
        self.range_headers.append(header)
        field_, start, exclusive, size, desc = _parse_range(header)
        with self.lock:
            builds = sorted(self.builds.values(), key=lambda b: (b.created_at, b.id))
        if desc:
            builds.reverse()
        if start:
            builds = [
                b
                for b in builds
                if (b.created_at < start if desc else b.created_at > start)
                or (not exclusive and b.created_at == start)
            ]
        page = builds[:size]
        headers = {"Accept-Ranges": "created_at, id"}
        if len(builds) > size:
            order = "desc" if desc else "asc"
            headers["Next-Range"] = f"{field_} ]{page[-1].created_at}..; max={size}, order={order}"
            return JSONResponse([self.json(b) for b in page], 206, headers)
        return JSONResponse([self.json(b) for b in page], 200, headers)

    async def get_build(self, request: Request) -> Response:
        missing = self._app_or_404(request)
        if missing is not None:
            return missing
        self.info_requests += 1
        with self.lock:
            build = self.builds.get(request.path_params["id"])
        if build is None:
            body = {"id": "not_found", "message": "Couldn't find that build.", "resource": "build"}
            return JSONResponse(body, 404)
        return JSONResponse(self.json(build))

    async def list_releases(self, request: Request) -> Response:
        """The releases of the builds that made one: `{id, version, status}`, the rest left out."""
        missing = self._app_or_404(request)
        if missing is not None:
            return missing
        header = request.headers.get("range")
        self.release_ranges.append(header)
        _field, _start, _exclusive, size, desc = _parse_range(header)
        with self.lock:
            made = [b for b in self.builds.values() if b.release_version is not None]
        made.sort(key=lambda b: b.release_version or 0, reverse=desc)
        releases = [
            {"id": self.release_id(b), "version": b.release_version, "status": "succeeded"}
            for b in made[:size]
        ]
        return JSONResponse(releases, 206 if len(made) > size else 200)

    async def stream(self, request: Request) -> Response:
        with self.lock:
            build = self.builds.get(request.path_params["id"])
        if build is None or build.missing:
            then = self.after_404.pop(request.path_params["id"], None)
            if then is not None:
                then()
            return Response("not found", 404)
        header = request.headers.get("range")
        self.stream_ranges.append(header)
        offset, status = 0, 200
        if self.ranges and header and header.startswith("bytes=") and header.endswith("-"):
            offset, status = int(header[6:-1]), 206
            with self.lock:
                if offset >= len(build.text) and not build.open:
                    return Response(b"", 416)

        async def body():
            sent, cuts = offset, build.cuts
            while True:
                with self.lock:
                    chunk, still_open, cut = bytes(build.text[sent:]), build.open, build.cuts
                if cut != cuts:
                    raise Dropped(build.id)
                if chunk:
                    sent += len(chunk)
                    yield chunk
                elif not still_open:
                    return
                else:
                    await asyncio.sleep(0.01)

        return StreamingResponse(body(), status, media_type="text/plain; charset=utf-8")

    def asgi(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/apps/{app}/builds", self.list_builds),
                Route("/apps/{app}/builds/{id}", self.get_build),
                Route("/apps/{app}/releases", self.list_releases),
                Route("/streams/{id}", self.stream),
            ]
        )

    def serve(self, serve_asgi) -> str:
        self.base_url = serve_asgi(self.asgi()).base_url
        return self.base_url


def _parse_range(header: str | None) -> tuple[str, str, bool, int, bool]:
    """(field, start, start is exclusive, max, descending) of a Heroku Range header."""
    if not header:
        return "created_at", "", False, 200, False
    head, _, rest = header.partition(";")
    field_, _, bounds = head.strip().partition(" ")
    start = bounds.split("..", 1)[0]
    exclusive = start.startswith("]")
    start = start.lstrip("[]")
    params = dict(
        p.strip().partition("=")[::2] for p in rest.replace(",", ";").split(";") if p.strip()
    )
    return (
        field_,
        start,
        exclusive,
        min(1000, int(params.get("max", 200))),
        params.get("order") == "desc",
    )


def _later(stamp: str) -> str:
    """A finished build's `updated_at`: 95 s after it was created."""
    when = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ") + timedelta(seconds=95)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")
