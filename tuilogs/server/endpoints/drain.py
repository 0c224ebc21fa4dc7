"""`POST /drains/{app}`: Logplex's HTTPS drain ingest (see docs/api.md, "Ingest").

A batch is parsed and stored in one worker thread, committed before the answer: 204 stored;
400 when the body or headers were malformed (the well-formed frames are stored all the same,
and the answer says what was wrong); 401, 413; 503 when the store cannot write (Logplex
retries, and nothing of the batch was stored). A retried batch (same `Logplex-Frame-Id`) is
acknowledged and not stored twice.
"""

from __future__ import annotations

import logging

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from tuilogs.core.apps import APP_NAME_RE
from tuilogs.core.logplex_batch import CONTENT_TYPE
from tuilogs.core.octet_counting import ParseResult, parse_logplex_body
from tuilogs.core.record import LogRecord

from ..auth import authorized
from ..errors import ApiError, unauthorized
from ..settings import Settings
from ..store import StoreError
from .common import app_name, in_thread, read_limited, router_of, store_of

log = logging.getLogger("tuilogs.server")

ACCEPTED_CONTENT_TYPES = (CONTENT_TYPE, "text/plain", "application/octet-stream", "")
MAX_FRAME_ID = 200


def _bad_request(message: str, **extra: object) -> ApiError:
    return ApiError(400, "bad_request", message, **extra)


def _too_large(settings: Settings) -> ApiError:
    return ApiError(413, "payload_too_large", f"Body exceeds {settings.max_body} bytes.")


def _check_request(request: Request, settings: Settings) -> str:
    """The app the batch is for, after the token and the declared length were checked."""
    if not authorized(request.headers.get("authorization"), settings.token):
        raise unauthorized('Basic realm="tuilogs drain"')
    app = app_name(request)
    if app is None:
        raise _bad_request(f"App name must match {APP_NAME_RE.pattern}.")
    length = request.headers.get("content-length")
    if length is not None:
        if not length.strip().isdigit():
            raise _bad_request("Content-Length is not a number.")
        if int(length) > settings.max_body:
            raise _too_large(settings)
    return app


def _batch_headers(request: Request) -> tuple[int | None, str | None, list[str]]:
    """`Logplex-Msg-Count` (if a number), `Logplex-Frame-Id` (if usable), and problems."""
    problems: list[str] = []
    count_header = request.headers.get("logplex-msg-count")
    expected: int | None = None
    if count_header is not None:
        if count_header.strip().isdigit():
            expected = int(count_header)
        else:
            problems.append(f"Logplex-Msg-Count is not a number: {count_header[:40]!r}.")
    frame_id = request.headers.get("logplex-frame-id") or None
    if frame_id is not None and len(frame_id) > MAX_FRAME_ID:
        problems.append("Logplex-Frame-Id is longer than 200 characters; not used for dedupe.")
        frame_id = None
    return expected, frame_id, problems


async def drain_post(request: Request) -> Response:
    """`POST /drains/{app}`: one Logplex batch. 204 stored; 400/401/413/503 as documented."""
    router = router_of(request)
    settings = router.settings
    app = _check_request(request, settings)
    try:
        body = await read_limited(request, settings.max_body)
    except ClientDisconnect:
        return Response(status_code=400)
    if body is None:
        raise _too_large(settings)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in ACCEPTED_CONTENT_TYPES:
        raise _bad_request(f"Content-Type {ctype!r} is not application/logplex-1.", stored=0)
    expected, frame_id, problems = _batch_headers(request)
    store = store_of(request)

    def parse_and_store() -> tuple[ParseResult, list[LogRecord], tuple[int, int] | None]:
        result = parse_logplex_body(body)
        records = [f.record() for f in result.frames]
        ids = store.append(app, records, frame_id) if records else None
        return result, records, ids

    try:
        result, records, ids = await in_thread(parse_and_store)
    except StoreError as exc:
        router.log_store_error(app, exc)
        raise ApiError(
            503,
            "service_unavailable",
            f"Cannot store logs now: {exc}. Retry later.",
            headers={"Retry-After": "10"},
        ) from exc
    if ids is not None:
        router.published(app, ids, records, forward=True)
    problems.extend(result.errors)
    if expected is not None and expected != len(records):
        problems.append(
            f"Logplex-Msg-Count says {expected} but the body holds {len(records)} frames."
        )
    if problems:
        log.info("drain %s: malformed batch (%d stored): %s", app, len(records), problems[0])
        stored = len(records) if ids is not None else 0
        raise _bad_request(" ".join(problems[:20]), stored=stored, errors=problems[:50])
    return Response(status_code=204)
