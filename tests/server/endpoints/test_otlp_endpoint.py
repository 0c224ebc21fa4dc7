"""`POST /v1/logs`: OpenTelemetry logs sent by the official OpenTelemetry Python SDK's OTLP/HTTP
exporter into a real router on loopback — stored, tailed and forwarded like a drain's lines —
and every failure answered as the OTLP/HTTP specification says (status, `google.rpc.Status`
body in the request's encoding, `Retry-After` where the sender should retry)."""

from __future__ import annotations

import base64
import gzip
import json
import logging
import threading

import httpx
import pytest
from google.protobuf import json_format
from google.rpc.status_pb2 import Status
from opentelemetry._logs import SeverityNumber
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import (
    InMemoryLogRecordExporter,
    LogRecordExportResult,
    SimpleLogRecordProcessor,
)
from opentelemetry.sdk.resources import Resource

from tuilogs.core import locations as paths

from kit.otel import CaptureServer, sdk_logger
from kit.routerkit import api_headers, post_batch, rec
from kit.waiting import wait_until

PROTOBUF, JSON = "application/x-protobuf", "application/json"
T0 = 1_764_400_000_123_456_789  # 2025-11-29T07:06:40.123456789Z
RESOURCE = {"service.name": "myapp", "service.instance.id": "web.1"}
SUCCESS, FAILURE = LogRecordExportResult.SUCCESS, LogRecordExportResult.FAILURE


def emit_story(logger) -> None:
    """Three records with the severities and body kinds an app sends."""
    logger.emit(timestamp=T0, severity_number=SeverityNumber.ERROR, body="payment failed")
    info = SeverityNumber.INFO
    logger.emit(timestamp=T0 + 1000, severity_number=info, body={"msg": "charged", "cents": 1250})
    logger.emit(timestamp=T0 + 2000, severity_number=SeverityNumber.WARN, body="disk at 91%")


# What core/otlp.py documents: app from service.name, dyno from service.instance.id, the
# severity as `level=` (a JSON body gets a "level" key), the record's time in microseconds.
STORY = [
    ("2025-11-29T07:06:40.123456+00:00", "app", "web.1", "level=error payment failed"),
    ("2025-11-29T07:06:40.123457+00:00", "app", "web.1", '{"level": "info", "msg": "charged", "cents": 1250}'),
    ("2025-11-29T07:06:40.123458+00:00", "app", "web.1", "level=warn disk at 91%"),
]  # fmt: skip


def sdk_records(emit=emit_story, resource=RESOURCE) -> tuple:
    """The records an app's SDK logger produced, held until a test exports them."""
    memory = InMemoryLogRecordExporter()
    provider = LoggerProvider(resource=Resource.create(resource))
    provider.add_log_record_processor(SimpleLogRecordProcessor(memory))
    emit(provider.get_logger("checkout", "1.0"))
    provider.shutdown()
    return memory.get_finished_logs()


def export(url: str, records, headers: dict[str, str] | None, gzip_body: bool = False):
    """One export by the SDK's OTLP/HTTP exporter (with its own retries): SUCCESS or FAILURE."""
    compression = Compression.Gzip if gzip_body else Compression.NoCompression
    exporter = OTLPLogExporter(endpoint=url, headers=headers, compression=compression, timeout=10)
    try:
        return exporter.export(records)
    finally:
        exporter.shutdown()


def bearer(router) -> dict[str, str]:
    return {"Authorization": f"Bearer {router.token}"}


def stored(router, app: str = "myapp") -> list[tuple[str, str, str, str]]:
    page = httpx.get(f"{router.base_url}/apps/{app}/log-lines", headers=api_headers(router))
    if page.status_code == 404:
        return []
    return [
        (ln["timestamp"], ln["source"], ln["dyno"], ln["message"]) for ln in page.json()["lines"]
    ]


def captured_body(emit=emit_story, resource=RESOURCE) -> bytes:
    """What the SDK's exporter sends for `emit`'s records, as one protobuf body (it sends one
    request per record here; protobuf messages written one after another are one message
    with their lists joined)."""
    with CaptureServer() as receiver, sdk_logger(f"{receiver.url}/v1/logs", resource) as log:
        emit(log)
    return b"".join(r.body for r in receiver.requests)


def otlp_json(body: bytes) -> bytes:
    """A protobuf body as OTLP JSON: protobuf's JSON mapping, trace and span ids in hex."""
    document = json_format.MessageToDict(ExportLogsServiceRequest.FromString(body))
    for resource in document["resourceLogs"]:
        for scope in resource["scopeLogs"]:
            for record in scope["logRecords"]:
                for key in ("traceId", "spanId"):
                    if key in record:
                        record[key] = base64.b64decode(record[key]).hex()
    return json.dumps(document).encode()


def post(router, body: bytes, path: str = "/v1/logs", headers=None, **kw) -> httpx.Response:
    h = {"Content-Type": PROTOBUF, **bearer(router), **(headers or {})}
    return httpx.post(f"{router.base_url}{path}", content=body, headers=h, timeout=30, **kw)


def status_of(resp: httpx.Response) -> Status:
    """The `google.rpc.Status` of a failure, decoded from the encoding the request used."""
    if resp.headers["content-type"] == JSON:
        return json_format.Parse(resp.text, Status())
    assert resp.headers["content-type"] == PROTOBUF
    return Status.FromString(resp.content)


class TestSdkExporter:
    @pytest.mark.parametrize("gzip_body", [False, True], ids=["plain", "gzip"])
    @pytest.mark.parametrize("auth", ["bearer", "x-api-key"])
    def test_records_become_stored_lines(self, router, gzip_body, auth) -> None:
        headers = bearer(router) if auth == "bearer" else {"x-api-key": router.token}
        url = f"{router.base_url}/v1/logs"
        assert export(url, sdk_records(), headers, gzip_body) is SUCCESS
        assert stored(router) == STORY

    def test_the_path_names_the_app(self, router) -> None:
        """`/apps/{app}/v1/logs` wins over service.name; a drain given the full URL, which
        its exporter extends with /v1/logs again, lands there too."""
        for path in ("/apps/shop-eu/v1/logs", "/apps/shop-eu/v1/logs/v1/logs", "/v1/logs/v1/logs"):
            assert export(f"{router.base_url}{path}", sdk_records(), bearer(router)) is SUCCESS
        assert stored(router, "shop-eu") == STORY * 2
        assert stored(router) == STORY

    def test_a_wrong_or_missing_token_is_refused_and_nothing_stored(self, router) -> None:
        url = f"{router.base_url}/v1/logs"
        for headers in ({"x-api-key": "guess"}, {"Authorization": "Bearer guess"}, None):
            assert export(url, sdk_records(), headers) is FAILURE
        assert stored(router) == []
        resp = post(router, captured_body(), headers={"Authorization": "Bearer guess"})
        assert resp.status_code == 401
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")
        assert "token" in status_of(resp).message

    def test_a_record_without_an_app_is_rejected_the_rest_stored(self, router) -> None:
        """The SDK's default service.name (`unknown_service:python`) is not an app name: that
        record is answered as rejected (200, partial success), the one naming its app stored."""

        def emit(logger) -> None:
            logger.emit(timestamp=T0, body="whose?")
            logger.emit(timestamp=T0, body="mine", attributes={"service.name": "myapp"})

        resource = {"service.instance.id": "web.2"}
        url = f"{router.base_url}/v1/logs"
        assert export(url, sdk_records(emit, resource), bearer(router)) is SUCCESS
        assert stored(router) == [("2025-11-29T07:06:40.123456+00:00", "app", "web.2", "mine")]
        resp = post(router, captured_body(emit, resource))
        assert resp.status_code == 200 and resp.headers["content-type"] == PROTOBUF
        partial = ExportLogsServiceResponse.FromString(resp.content).partial_success
        assert partial.rejected_log_records == 1
        assert "'unknown_service:python' is not an app name" in partial.error_message
        assert "otlp: 1 log records rejected" in paths.log_path().read_text()

    def test_a_full_store_is_503_and_the_exporters_retry_lands(self, make_router, caplog) -> None:
        """A store that cannot write answers 503 with a short Retry-After, which the SDK's
        exporter honours; once there is space again its retry is stored."""
        router = make_router(max_db_bytes=400_000)
        for size in (50, 1):  # big batches, then single lines, till not one more fits
            for batch in range(1000):
                lines = [rec(f"{batch} {i} " + "x" * 40) for i in range(size)]
                if post_batch(router, "filler", lines).status_code == 503:
                    break
            else:
                pytest.fail("the store never filled up")
        resp = post(router, captured_body())
        assert resp.status_code == 503, (resp.status_code, resp.content)
        assert resp.headers["Retry-After"] == "2"
        assert "retry later" in status_of(resp).message
        caplog.set_level(logging.WARNING, logger=OTLPLogExporter.__module__)
        results = []
        sender = threading.Thread(
            target=lambda: results.append(
                export(f"{router.base_url}/v1/logs", sdk_records(), bearer(router))
            )
        )
        sender.start()
        try:

            def waiting_to_retry() -> bool:
                """the exporter's own word that it will retry"""
                return any("retrying in 2" in r.getMessage() for r in list(caplog.records))

            wait_until(waiting_to_retry)
            router.store.set_max_bytes(None)
        finally:
            sender.join(15)
        assert results == [SUCCESS]
        assert stored(router) == STORY


class TestLiveAndForwarded:
    def test_a_line_reaches_a_live_tail_then_the_history(self, router, client) -> None:
        assert export(f"{router.base_url}/v1/logs", sdk_records(), bearer(router)) is SUCCESS
        session = client.post("/apps/myapp/log-sessions", json={"tail": True, "lines": 0})
        assert session.status_code == 201, session.text
        seen: list[str] = []

        def tail() -> None:
            with httpx.stream("GET", session.json()["logplex_url"], timeout=30) as resp:
                for line in resp.iter_lines():
                    if line.strip():
                        seen.append(line)
                    if len(seen) == len(STORY):
                        return

        reader = threading.Thread(target=tail)
        reader.start()
        wait_until(lambda: router.router.hub.subscribers("myapp") == 1)  # the stream is tailing
        assert export(f"{router.base_url}/v1/logs", sdk_records(), bearer(router)) is SUCCESS
        reader.join(10)
        assert seen == [f"{ts} {source}[{dyno}]: {msg}" for ts, source, dyno, msg in STORY]
        assert stored(router) == STORY * 2

    def test_lines_are_forwarded_to_the_apps_drains(self, make_router, tmp_path) -> None:
        a = make_router()
        b = make_router(db_path=tmp_path / "b.sqlite3")
        drains = f"{a.base_url}/apps/myapp/log-drains"
        answer = httpx.post(drains, json={"url": b.drain_url("copy")}, headers=api_headers(a))
        assert answer.status_code == 201, answer.text
        assert export(f"{a.base_url}/v1/logs", sdk_records(), bearer(a)) is SUCCESS
        wait_until(lambda: b.store.count("copy") == len(STORY))
        assert stored(b, "copy") == STORY


class TestJson:
    def test_otlp_json_is_stored_as_protobuf_is_and_answered_in_json(self, router) -> None:
        body = otlp_json(captured_body())
        resp = post(router, body, headers={"Content-Type": "application/json; charset=utf-8"})
        assert resp.status_code == 200, resp.text
        assert resp.headers["content-type"] == JSON
        assert json_format.Parse(resp.text, ExportLogsServiceResponse()).ByteSize() == 0
        assert stored(router) == STORY

    def test_gzip_json_and_partial_success_in_json(self, router) -> None:
        document = json.loads(otlp_json(captured_body()))
        for resource in document["resourceLogs"]:
            for attribute in resource["resource"]["attributes"]:
                if attribute["key"] == "service.name":
                    attribute["value"] = {"stringValue": "Not An App"}
        body = gzip.compress(json.dumps(document).encode())
        resp = post(router, body, headers={"Content-Type": JSON, "Content-Encoding": "gzip"})
        assert resp.status_code == 200, resp.text
        partial = resp.json()["partialSuccess"]
        assert partial["rejectedLogRecords"] == str(len(STORY))
        assert "'Not An App' is not an app name" in partial["errorMessage"]
        assert stored(router) == []


class TestFailures:
    @pytest.mark.parametrize(
        ("content_type", "encoding", "status"),
        [
            ("text/plain", "", 415),
            ("", "", 415),
            ("application/logplex-1", "", 415),
            (PROTOBUF, "br", 415),
            (PROTOBUF, "gzip", 400),  # says gzip, is not
        ],
    )
    def test_unsupported_types_and_encodings(self, router, content_type, encoding, status) -> None:
        headers = {"Content-Type": content_type, "Content-Encoding": encoding}
        resp = post(router, captured_body(), headers=headers)
        assert resp.status_code == status
        assert resp.headers["content-type"] == PROTOBUF  # the type asked for, or protobuf
        assert status_of(resp).message
        assert "Retry-After" not in resp.headers
        assert stored(router) == []

    def test_malformed_bodies_are_400_in_the_requests_encoding(self, router) -> None:
        resp = post(router, b"\x0a\x05\x0a\x03")
        assert resp.status_code == 400
        assert "not an OTLP logs request" in status_of(resp).message
        resp = post(router, b'{"resourceLogs": [', headers={"Content-Type": JSON})
        assert (resp.status_code, resp.headers["content-type"]) == (400, JSON)
        assert status_of(resp).message.startswith("body is not JSON")
        assert "otlp: malformed request" in paths.log_path().read_text()

    def test_an_empty_request_is_a_success(self, router) -> None:
        resp = post(router, b"")
        assert resp.status_code == 200 and resp.content == b""
        assert httpx.get(f"{router.base_url}/apps", headers=api_headers(router)).json() == []

    def test_an_app_in_the_path_must_be_an_app_name(self, router) -> None:
        resp = post(router, captured_body(), path="/apps/Not_An_App/v1/logs")
        assert resp.status_code == 404 and "not an app name" in status_of(resp).message

    def test_bodies_over_the_limit_are_413_declared_streamed_or_gunzipped(
        self, make_router
    ) -> None:
        router = make_router(max_otlp_body=4096)
        big = otlp_json(captured_body()) + b" " * 5000
        assert post(router, big, headers={"Content-Type": JSON}).status_code == 413

        def chunks():  # no Content-Length: the limit is found while reading
            yield big[:3000]
            yield big[3000:]

        streamed = httpx.post(
            f"{router.base_url}/v1/logs",
            content=chunks(),
            headers={"Content-Type": JSON, **bearer(router)},
        )
        assert streamed.status_code == 413
        bomb = gzip.compress(big)
        assert len(bomb) < 4096
        resp = post(router, bomb, headers={"Content-Type": JSON, "Content-Encoding": "gzip"})
        assert resp.status_code == 413 and "decompressed" in status_of(resp).message
        assert stored(router) == []
