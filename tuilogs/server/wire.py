"""What the router sends: the Platform API's JSON shapes and the log-session stream formats.

One place for every byte a client parses, so the API's shape can be checked against Heroku's
in one file: apps, drains, builds, stored lines, stats, summaries, log sessions, and the SSE /
plain-text lines of a `logplex_url`. A stored line is one line of either stream
(`LogRecord.line()` escapes line breaks in the message); `log-lines` JSON keeps the message as
stored, since JSON encodes it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator

from tuilogs.core.record import LogRecord
from tuilogs.core.summary import LogSummary
from tuilogs.core.timerange import rfc3339

from .histogram import RouterHistogram
from .sessions import LogSession
from .store import Drain, LineStats, StoredApp, StoredBuild, StoredLine

# Stable ids for apps: the Platform API wants UUIDs, our apps are just names.
APP_NAMESPACE = uuid.UUID("6f1c1f8e-6a0e-5d3b-9a51-7475696c6f67")
_GENERATION_ID = "2f5c1a68-5c4c-4f55-9a5d-6b1d8f0c0001"
_REGION_ID = "2f5c1a68-5c4c-4f55-9a5d-6b1d8f0c0002"
_STACK_ID = "2f5c1a68-5c4c-4f55-9a5d-6b1d8f0c0003"


def app_id(name: str) -> str:
    """An app's id: the UUIDv5 of its name (stable across routers and restarts)."""
    return str(uuid.uuid5(APP_NAMESPACE, name))


def app_ref(name: str) -> dict:
    """`{"id", "name"}`, as an app appears inside drains and stats."""
    return {"id": app_id(name), "name": name}


def app_json(app: StoredApp) -> dict:
    """An app as the Platform API shows it (the fields clients read; the rest neutral)."""
    return {
        "acm": False,
        "archived_at": None,
        "build_stack": {"id": _STACK_ID, "name": "local"},
        "buildpack_provided_description": None,
        "created_at": app.created_at,
        "generation": {"id": _GENERATION_ID, "name": "cedar"},
        "git_url": None,
        "id": app_id(app.name),
        "internal_routing": None,
        "maintenance": False,
        "name": app.name,
        "organization": None,
        "owner": {"email": "local@tuilogs", "id": app_id("~owner")},
        "region": {"id": _REGION_ID, "name": "local"},
        "released_at": app.updated_at,
        "repo_size": None,
        "slug_size": None,
        "space": None,
        "stack": {"id": _STACK_ID, "name": "local"},
        "team": None,
        "updated_at": app.updated_at,
        "web_url": None,
    }


def drain_json(drain: Drain) -> dict:
    """A log drain as the Platform API shows it."""
    return {
        "addon": None,
        "app": app_ref(drain.app),
        "created_at": drain.created_at,
        "id": drain.id,
        "token": drain.token,
        "updated_at": drain.updated_at,
        "url": drain.url,
    }


def build_json(build: StoredBuild, base_url: str) -> dict:
    """A build as Heroku's API shows it, plus `exit_code` (an extension)."""
    return {
        "app": app_ref(build.app),
        "buildpacks": None,
        "created_at": build.created_at,
        "id": build.id,
        "output_stream_url": f"{base_url}/build-output/{build.output_secret}",
        "release": None,
        "slug": None,
        "source_blob": {
            "checksum": None,
            "url": None,
            "version": build.source_version,
            "version_description": build.description,
        },
        "stack": "local",
        "status": build.status,
        "updated_at": build.updated_at,
        "user": {"email": build.user, "id": app_id("~user:" + build.user)},
        "exit_code": build.exit_code,
    }


def line_json(line: StoredLine) -> dict:
    """A stored line in `GET /apps/{app}/log-lines` (an extension)."""
    return {
        "id": line.id,
        "timestamp": line.timestamp,
        "source": line.source,
        "dyno": line.dyno,
        "message": line.message,
    }


def summary_json(app: str, summary: LogSummary) -> dict:
    """`GET /apps/{app}/log-summary` (an extension): the stats view's numbers
    (`LogSummary.from_json` reads them back)."""
    return {"app": app_ref(app), **summary.to_json()}


async def log_lines_json(
    pieces: AsyncIterator[list[StoredLine]], head_id: int, total: int | None = None
) -> AsyncIterator[str]:
    """A page of `log-lines` as JSON text, written piece by piece as the store yields lines:
    `{"lines": [...], "first_id", "last_id" (None when empty), "head_id"[, "total"]}`."""
    first = last = None
    yield '{"lines":['
    sep = ""
    async for lines in pieces:
        if not lines:
            continue
        if first is None:
            first = lines[0].id
        last = lines[-1].id
        yield sep + ",".join(_json(line_json(line)) for line in lines)
        sep = ","
    end: dict = {"first_id": first, "last_id": last, "head_id": head_id}
    if total is not None:
        end["total"] = total
    yield "]," + _json(end)[1:]


def _json(value: object) -> str:
    """JSON as Starlette's `JSONResponse` writes it."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def stats_json(app: str, stats: LineStats, redacted: dict[str, int] | None = None) -> dict:
    """`GET /apps/{app}/log-stats` (an extension); `redacted`: secrets removed, by rule."""
    return {
        "app": app_ref(app),
        "lines": stats.lines,
        "first_id": stats.first_id,
        "last_id": stats.last_id,
        "sources": stats.sources,
        "dynos": stats.dynos,
        "redacted": redacted or {},
    }


def histogram_json(app: str, found: RouterHistogram | None) -> dict:
    """`GET /apps/{app}/log-histogram` (an extension): buckets of `step` seconds from `start`,
    lines and trouble lines per origin; `start` null and no buckets when no line has a time."""
    if found is None:
        return {"app": app_ref(app), "start": None, "step": None, "buckets": 0, "lines": 0,
                "last_id": None, "origins": []}  # fmt: skip
    return {
        "app": app_ref(app),
        "start": rfc3339(found.start),
        "step": found.step,
        "buckets": found.buckets,
        "lines": found.total,
        "last_id": found.last_id,
        "origins": [
            {"source": o.source, "dyno": o.dyno, "lines": o.lines, "errors": o.errors}
            for o in found.origins
        ],
    }


def log_session_json(session: LogSession, url: str) -> dict:
    """The answer to `POST /apps/{app}/log-sessions`: where to stream from."""
    return {
        "id": session.id,
        "logplex_url": url,
        "created_at": session.created_at,
        "updated_at": session.created_at,
    }


def sse_event(lines: list[tuple[int | None, LogRecord]]) -> str:
    """One SSE event carrying several lines (one `data:` field each, since `line()` is one
    line); id = the last stored line's id.

    Lines without an id (notices such as L11) travel in the event but do not move the id.
    """
    out = []
    last_id = None
    for i, rec in lines:
        if i is not None:
            last_id = i
        out.append(f"data: {rec.line()}\n")
    if last_id is not None:
        out.insert(0, f"id: {last_id}\n")
    out.append("\n")
    return "".join(out)


def plain_lines(lines: list[tuple[int | None, LogRecord]]) -> str:
    """Lines as `heroku logs` prints them, one per record (the stream without SSE)."""
    return "".join(rec.line() + "\n" for _, rec in lines)


SSE_KEEPALIVE = ": keepalive\n\n"
