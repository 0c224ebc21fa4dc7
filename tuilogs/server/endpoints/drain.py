"""`POST /drains/{app}`: Logplex's HTTPS drain ingest (see docs/api.md, "Ingest").

A batch is parsed and stored in one worker thread, committed before the answer: 204 stored;
400 when the body or headers were malformed (the well-formed frames are stored all the same,
and the answer says what was wrong); 401, 413; 503 when the store cannot write (Logplex
retries, and nothing of the batch was stored). A retried batch (same `Logplex-Frame-Id`) is
acknowledged and not stored twice.

A body with `Content-Encoding: gzip` (Vector, Fluent Bit and other senders compress; Logplex
does not) is decoded, and `max_body` bounds the decoded size too, so a small bomb is a 413,
not a gigabyte; any other encoding is a 415. A batch that has already travelled `MAX_HOPS`
routers (`Tuilogs-Hops`, see `server.hops`) is stored but not forwarded again.
"""

from __future__ import annotations

import logging
import time
import zlib

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from tuilogs.core.apps import APP_NAME_RE
from tuilogs.core.frames import records_of
from tuilogs.core.logplex_batch import CONTENT_TYPE
from tuilogs.core.octet_counting import ParseResult, parse_logplex_body
from tuilogs.core.record import LogRecord

from ..auth import authorized
from ..errors import ApiError, unauthorized
from ..hops import HOPS_HEADER, MAX_HOPS, MAX_HOPS_VALUE
from ..settings import Settings
from ..store import StoreError
from .common import app_name, in_thread, parse_count, read_limited, router_of

log = logging.getLogger("tuilogs.server")

ACCEPTED_CONTENT_TYPES = (CONTENT_TYPE, "text/plain", "application/octet-stream", "")
MAX_FRAME_ID = 200
MAX_MSG_COUNT = 10_000_000  # far above what a 1 MiB body can hold
GZIP = ("gzip", "x-gzip")


_loop_warned: dict[str, float] = {}


def _warn_loop(app: str, hops: int) -> None:
    """Log a batch that reached the hop limit, once a minute per app."""
    now = time.monotonic()
    if now - _loop_warned.get(app, -1e9) >= 60:
        _loop_warned[app] = now
        log.warning(
            "drain %s: a batch came through %d routers; stored, not forwarded again"
            " (a drain loop?)",
            app,
            hops,
        )


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
        declared = parse_count(length, 0, 1 << 62)
        if declared is None:
            raise _bad_request("Content-Length is not a number.")
        if declared > settings.max_body:
            raise _too_large(settings)
    return app


def _hops(request: Request) -> int:
    """How many routers the batch came through (`Tuilogs-Hops`; 0 when absent)."""
    raw = request.headers.get(HOPS_HEADER)
    if raw is None:
        return 0
    hops = parse_count(raw, 0, MAX_HOPS_VALUE)
    if hops is None:
        raise _bad_request(f"{HOPS_HEADER} must be a number from 0 to {MAX_HOPS_VALUE}.")
    return hops


def _gunzip(body: bytes, limit: int) -> bytes | None:
    """The decoded gzip `body` (members one after another), None beyond `limit` bytes;
    ValueError (zlib.error) when it is not gzip."""
    out = bytearray()
    data = body
    while data:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out += d.decompress(data, limit + 1 - len(out))
        if len(out) > limit:
            return None
        if d.unconsumed_tail:  # more output than `limit` waits
            return None
        if not d.eof:
            raise zlib.error("truncated gzip data")
        data = d.unused_data
    return bytes(out)


async def _decoded(request: Request, body: bytes, settings: Settings) -> bytes:
    """`body` as sent, or decoded from gzip (see the module docstring)."""
    encoding = request.headers.get("content-encoding", "").strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding not in GZIP:
        raise ApiError(
            415,
            "unsupported_media_type",
            f"Content-Encoding {encoding[:40]!r} is not supported; send identity or gzip.",
            stored=0,
        )
    try:
        decoded = await in_thread(_gunzip, body, settings.max_body)
    except zlib.error:
        raise _bad_request("Body is not valid gzip.", stored=0) from None
    if decoded is None:
        raise ApiError(413, "payload_too_large", f"Decoded body exceeds {settings.max_body} bytes.")
    return decoded


def _batch_headers(request: Request) -> tuple[int | None, str | None, list[str]]:
    """`Logplex-Msg-Count` (if a number), `Logplex-Frame-Id` (if usable), and problems."""
    problems: list[str] = []
    count_header = request.headers.get("logplex-msg-count")
    expected: int | None = None
    if count_header is not None:
        expected = parse_count(count_header, 0, MAX_MSG_COUNT)
        if expected is None:
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
    hops = _hops(request)
    try:
        body = await read_limited(request, settings.max_body)
    except ClientDisconnect:
        return Response(status_code=400)
    if body is None:
        raise _too_large(settings)
    body = await _decoded(request, body, settings)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in ACCEPTED_CONTENT_TYPES:
        raise _bad_request(f"Content-Type {ctype!r} is not application/logplex-1.", stored=0)
    expected, frame_id, problems = _batch_headers(request)

    def parse_and_store() -> tuple[ParseResult, list[LogRecord], tuple[int, int] | None]:
        result = parse_logplex_body(body)
        records = records_of(result.frames)
        ids = None
        if records:  # redacted when the router redacts: what is stored is what tails get
            ids, records = router.append(app, records, frame_id, hops)
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
        router.published(app, ids, records)
        if hops >= MAX_HOPS:
            _warn_loop(app, hops)
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
