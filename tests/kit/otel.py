"""The official OpenTelemetry Python SDK as an OTLP/HTTP log sender, and a loopback receiver
that keeps what it was sent.

Tests of the OTLP decoder (and later of the router's `/v1/logs`) use the SDK's own exporter so
the bytes are what a real sender produces, not what we believe OTLP looks like.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse
from opentelemetry.sdk._logs import Logger, LoggerProvider
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource


@dataclass(frozen=True)
class Captured:
    """One POST as received: path, headers (names lower-cased) and the body's bytes."""

    path: str
    headers: dict[str, str]
    body: bytes


class CaptureServer:
    """A stdlib HTTP server on 127.0.0.1 answering every POST as a successful OTLP export."""

    def __init__(self) -> None:
        self.requests: list[Captured] = []
        captured = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                captured.append(Captured(self.path, headers, body))
                answer = ExportLogsServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args) -> None:  # keep the test output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> CaptureServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


@contextmanager
def sdk_logger(
    endpoint: str,
    resource: dict[str, str],
    gzip: bool = False,
    headers: dict[str, str] | None = None,
) -> Iterator[Logger]:
    """An SDK logger whose records the OTLP/HTTP exporter POSTs to `endpoint` as each is
    emitted (SimpleLogRecordProcessor: the POST is done when `emit` returns)."""
    exporter = OTLPLogExporter(
        endpoint=endpoint,
        compression=Compression.Gzip if gzip else Compression.NoCompression,
        headers=headers,
        timeout=10,
    )
    provider = LoggerProvider(resource=Resource.create(resource))
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    try:
        yield provider.get_logger("checkout", "1.0")
    finally:
        provider.shutdown()
