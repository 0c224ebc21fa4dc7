"""`POST /v1/logs` and `POST /apps/{app}/v1/logs`: OpenTelemetry logs over OTLP/HTTP, what a
Fir app's telemetry drain sends (docs/api.md, "Ingest: OpenTelemetry logs").

`core.otlp` turns the body (protobuf or JSON, gzip or not) into lines by app; they then take
the drain endpoint's way in, `Router.ingest`: committed, then sent to tails and to the app's
drains. The answer is the one the OTLP/HTTP specification prescribes ("OTLP/HTTP Response"):

* 200 with an `ExportLogsServiceResponse` in the request's encoding. Records that cannot
  become lines (no usable app name) are counted in its `partial_success`, with the reasons;
  the sender must not retry them, so they are also logged (at most once a minute), as the
  Python SDK, for one, never shows that answer to anyone.
* a failure: a `google.rpc.Status` in the request's encoding, and a status that tells the
  sender whether to retry. Not retried: 400 malformed, 401 no or wrong token, 404 an `{app}`
  that is not an app name, 413 over `max_otlp_body` (declared, read, or once gunzipped), 415
  another content type or encoding. Retried: 503 with `Retry-After` when the store cannot
  write (OTLP senders retry 429, 502, 503 and 504 only).

`Retry-After` is 2 s, not the drain endpoint's 10: the SDKs' exporters give up when it is
longer than what is left of their export timeout (10 s by default), which would turn a short
store outage into lost records; the Collector retries for minutes either way.

OTLP has no batch id like `Logplex-Frame-Id`, so a request that was stored but whose answer was
lost is stored again when the sender retries; the specification accepts duplicates as the price
of delivery ("Duplicate Data"). A request holding several apps is stored app by app: if the
store fails midway, the retry stores again the apps that were stored before the failure.
"""

from __future__ import annotations

import logging
import time

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from tuilogs.core.apps import is_app_name

from ..auth import otlp_authorized
from ..router import Router
from ..store import StoreError
from .common import in_thread, parse_count, read_limited, router_of

log = logging.getLogger("tuilogs.server")

RETRY_AFTER_SECONDS = 2
JSON = "application/json"  # as core.otlp_wire, which is imported on first use (see below)
PROTOBUF = "application/x-protobuf"
_HEADERS = {
    401: {"WWW-Authenticate": 'Bearer realm="tuilogs"'},
    503: {"Retry-After": str(RETRY_AFTER_SECONDS)},
}
_REJECTIONS_LOG_INTERVAL = 60.0
_last_rejections_log = -1e9


class _Failure(Exception):
    """An answer other than 200 (see the module docstring)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


async def otlp_logs(request: Request) -> Response:
    """`POST /v1/logs`, `POST /apps/{app}/v1/logs`: one `ExportLogsServiceRequest`."""
    # protobuf and the OTLP messages take ~30 ms to import: on the first OTLP request, not at
    # every router start (the explorer starts one in-process).
    from tuilogs.core.otlp import OtlpError, decode_logs
    from tuilogs.core.otlp_wire import encode_status, media_type

    ctype = request.headers.get("content-type", "")
    reply_as = JSON if ctype.split(";", 1)[0].strip().lower() == JSON else PROTOBUF
    router = router_of(request)
    limit = router.settings.max_otlp_body
    app = request.path_params.get("app")
    try:
        _check(request, router, app, limit)
        media_type(ctype)
        try:
            body = await read_limited(request, limit)
        except ClientDisconnect:
            return Response(status_code=400)
        if body is None:
            raise _Failure(413, f"body is larger than {limit} bytes")
        encoding = request.headers.get("content-encoding", "")
        batch = await in_thread(decode_logs, body, ctype, encoding, app, None, limit)
        await _store(router, batch.lines)
    except (OtlpError, _Failure) as exc:
        if exc.status == 400:
            log.info("otlp: malformed request: %s", exc)
        content = encode_status(exc.status, str(exc), reply_as)
        return Response(content, exc.status, _HEADERS.get(exc.status), media_type=reply_as)
    if batch.rejected:
        _log_rejections(batch.rejected, batch.error_message)
    return Response(batch.response_body(), 200, media_type=batch.media_type)


def _check(request: Request, router: Router, app: str | None, limit: int) -> None:
    """The token, the path's app and the declared length, before the body is read."""
    headers = request.headers
    token = router.settings.token
    if not otlp_authorized(headers.get("authorization"), headers.get("x-api-key"), token):
        raise _Failure(401, "missing or wrong token: send Authorization: Bearer TOKEN or x-api-key")
    if app is not None and not is_app_name(app):
        raise _Failure(404, f"{app[:100]!r} is not an app name")
    length = headers.get("content-length")
    if length is not None:
        declared = parse_count(length, 0, 1 << 62)
        if declared is None:
            raise _Failure(400, "Content-Length is not a number")
        if declared > limit:
            raise _Failure(413, f"body is larger than {limit} bytes")


async def _store(router: Router, lines: dict) -> None:
    """Each app's lines through `Router.ingest`; a store that cannot write is a 503."""
    for app, records in lines.items():
        try:
            await router.ingest(app, records)
        except StoreError as exc:
            router.log_store_error(app, exc)
            raise _Failure(503, f"cannot store logs now: {exc}; retry later") from exc


def _log_rejections(count: int, why: str) -> None:
    global _last_rejections_log
    now = time.monotonic()
    if now - _last_rejections_log >= _REJECTIONS_LOG_INTERVAL:
        _last_rejections_log = now
        log.warning("otlp: %d log records rejected (%s)", count, why)
