"""An app's builds through the Platform API: listed newest first, found by id or as the latest,
and (on the tuilogs router) recorded from a command run anywhere.

Heroku lists builds oldest first, 200 to a page, and pages with its `Range` headers: we ask for
`created_at ..; max=N, order=desc` (what `heroku builds` asks for) and follow a `206 Partial
Content` answer's `Next-Range` for the page after. Ordering by `id` would not do: build ids are
random UUIDs. The router speaks the same ranges (docs/api.md, "Builds").

A build's `output_stream_url` is pre-signed (it carries its own secret), so no repr shows it;
`build_output` reads it.

The router also records builds (an extension, for `tuilogs build APP -- cmd`): `record_build`
makes one, `send_output` adds lines to it, `finish_build` gives it its status.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from urllib.parse import quote

from .client import PlatformClient, is_heroku_host
from .errors import (
    AppNotFound,
    InvalidRequest,
    NotFound,
    PlatformError,
    ServerError,
    Unsupported,
)

PAGE = 200  # Heroku's default page; its maximum is 1,000
LATEST = "latest"
STATUSES = ("pending", "succeeded", "failed")
# The start of a build id (ids are UUIDs): the panel and headers show its first 8 characters.
SHORT_ID = re.compile(r"[0-9a-fA-F][0-9a-fA-F-]{3,34}")
SHORT_SCAN = 1000  # builds a short id is looked for among, newest first


class BuildNotFound(NotFound):
    """No build of that id (or no build at all) on the app."""


def _text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _int(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return None
    try:
        return int(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class Build:
    """One build of an app, as `GET /apps/{app}/builds` shows it.

    `status` is pending, succeeded or failed; `user` is `user.email`; `release_version` is
    `release.version` when the API sends one (Heroku's build names only the release's id:
    `with_releases` fills it in);
    `exit_code` is the router's extension (the recorded command's exit status).
    """

    id: str
    status: str
    created_at: str | None = None
    updated_at: str | None = None
    user: str | None = None
    source_version: str | None = None
    description: str | None = None
    release_id: str | None = None
    release_version: int | None = None
    output_stream_url: str | None = field(default=None, repr=False)
    exit_code: int | None = None
    raw: Mapping[str, object] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: object) -> Build:
        if not isinstance(data, dict) or not data.get("id"):
            raise ServerError("the builds answer is not a build")
        blob, release = _dict(data.get("source_blob")), _dict(data.get("release"))
        return cls(
            id=str(data["id"]),
            status=str(data.get("status") or "pending"),
            created_at=_text(data.get("created_at")),
            updated_at=_text(data.get("updated_at")),
            user=_text(_dict(data.get("user")).get("email")),
            source_version=_text(blob.get("version")),
            description=_text(blob.get("version_description")),
            release_id=_text(release.get("id")),
            release_version=_int(release.get("version")),
            output_stream_url=_text(data.get("output_stream_url")),
            exit_code=_int(data.get("exit_code")),
            raw=MappingProxyType(data),
        )

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    @property
    def pending(self) -> bool:
        return self.status == "pending"

    @property
    def short_id(self) -> str:
        return self.id[:8]

    def label(self) -> str:
        """`build 01234567 (v42)`: how a header or a message names it."""
        release = f" (v{self.release_version})" if self.release_version is not None else ""
        return f"build {self.short_id}{release}"


@dataclass(frozen=True)
class BuildPage:
    """One page of builds, in the order asked for; `next_range` asks for the page after it
    (None: this was the last)."""

    builds: list[Build]
    next_range: str | None


def newest_first(page: int = PAGE) -> str:
    """The `Range` of the newest builds first, `page` to a page (1..1000)."""
    return f"created_at ..; max={max(1, min(1000, page))}, order=desc"


def _path(app: str, *rest: str) -> str:
    return "/".join(["/apps", *(quote(part, safe="") for part in (app, "builds", *rest))])


def builds_page(client: PlatformClient, app: str, range_header: str | None = None) -> BuildPage:
    """One page of `GET /apps/{app}/builds`: the newest first unless `range_header` (a
    previous page's `next_range`) says otherwise."""
    answer, more = client.request_page(
        "GET", _path(app), app=app, headers={"Range": range_header or newest_first()}
    )
    if not isinstance(answer, list):
        raise ServerError("the builds answer is not a list of builds")
    return BuildPage([Build.from_json(b) for b in answer if isinstance(b, dict)], more)


def iter_builds(client: PlatformClient, app: str, page: int = PAGE) -> Iterator[BuildPage]:
    """Every page of the app's builds, newest first, fetched as the caller asks for the next."""
    range_header: str | None = newest_first(page)
    while range_header is not None:
        current = builds_page(client, app, range_header)
        yield current
        if not current.builds:
            return
        range_header = current.next_range


def list_builds(client: PlatformClient, app: str, limit: int = PAGE) -> list[Build]:
    """The app's `limit` newest builds, newest first (as many pages as that takes)."""
    out: list[Build] = []
    for current in iter_builds(client, app, min(limit, 1000)):
        out.extend(current.builds)
        if len(out) >= limit:
            break
    return out[:limit]


def release_versions(client: PlatformClient, app: str, count: int = PAGE) -> dict[str, int]:
    """Release id → version of the app's `count` newest releases: Heroku's build names only its
    release's id, and people know releases by version (`v42`). Empty when there are none to
    be had (the router makes no releases); a decoration, so no failure is raised."""
    try:
        answer, _more = client.request_page(
            "GET",
            f"/apps/{quote(app, safe='')}/releases",
            app=app,
            headers={"Range": f"version ..; max={max(1, min(1000, count))}, order=desc"},
        )
    except PlatformError:
        return {}
    items = answer if isinstance(answer, list) else []
    versions = {str(r.get("id")): _int(r.get("version")) for r in items if isinstance(r, dict)}
    return {rid: v for rid, v in versions.items() if v is not None}


def with_releases(builds: list[Build], versions: Mapping[str, int]) -> list[Build]:
    """The builds, each with its release's version where `versions` knows it."""
    return [
        replace(b, release_version=versions[b.release_id])
        if b.release_version is None and b.release_id in versions
        else b
        for b in builds
    ]


def get_build(client: PlatformClient, app: str, build_id: str) -> Build:
    """`GET /apps/{app}/builds/{id}`; BuildNotFound when the app has no such build."""
    try:
        return Build.from_json(client.request("GET", _path(app, build_id), app=app))
    except AppNotFound:
        raise
    except NotFound:
        raise BuildNotFound(f"no build {build_id} on {app}", status=404) from None


def find_build(client: PlatformClient, app: str, ident: str = LATEST) -> Build:
    """A build by id, by the start of its id (the 8 characters the panel and headers show),
    or the newest (`latest`, as `heroku builds:output` without an id)."""
    if ident != LATEST and SHORT_ID.fullmatch(ident):
        return _by_prefix(client, app, ident.lower())
    if ident != LATEST:
        return get_build(client, app, ident)
    newest = builds_page(client, app, newest_first(1)).builds
    if not newest:
        raise BuildNotFound(f"{app} has no builds yet", status=404)
    return newest[0]


def _by_prefix(client: PlatformClient, app: str, prefix: str) -> Build:
    """The one build among the app's newest SHORT_SCAN whose id starts with `prefix`: neither
    API looks ids up by prefix, so the list is read (a page of 1,000 on either)."""
    found = [b for b in list_builds(client, app, SHORT_SCAN) if b.id.lower().startswith(prefix)]
    if not found:
        raise BuildNotFound(f"no build {prefix} on {app}", status=404)
    if len(found) > 1:
        raise InvalidRequest(f"{prefix} starts the ids of {len(found)} builds of {app}: say more")
    return found[0]


# -- recording builds on the router (an extension) --------------------------------------------


def _router_only(client: PlatformClient) -> None:
    if is_heroku_host(client.base_url):
        raise Unsupported(
            "Heroku builds come from `git push` or its Build API; `tuilogs build` records "
            "builds on a tuilogs router (--api URL)"
        )


def record_build(
    client: PlatformClient,
    app: str,
    *,
    user: str,
    source_version: str | None = None,
    description: str | None = None,
) -> Build:
    """`POST /apps/{app}/builds` on the router: a pending build whose output comes from us."""
    _router_only(client)
    body = {
        "source_blob": {"version": source_version, "version_description": description},
        "user": {"email": user},
    }
    return Build.from_json(client.request("POST", _path(app), app=app, json=body))


def send_output(client: PlatformClient, app: str, build_id: str, lines: list[str]) -> None:
    """Add lines to a pending build (`POST .../builds/{id}/output`, plain text); no lines
    only says the build is still running (a heartbeat)."""
    _router_only(client)
    text = "".join(line + "\n" for line in lines)
    client.request(
        "POST",
        _path(app, build_id, "output"),
        app=app,
        content=text.encode("utf-8", "replace"),
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )


def finish_build(
    client: PlatformClient, app: str, build_id: str, status: str, exit_code: int | None
) -> Build:
    """Give a pending build its final status (`PATCH .../builds/{id}`)."""
    _router_only(client)
    if status not in ("succeeded", "failed"):
        raise InvalidRequest(f"a build ends succeeded or failed, not {status}")
    body = {"status": status, "exit_code": exit_code}
    return Build.from_json(client.request("PATCH", _path(app, build_id), app=app, json=body))
