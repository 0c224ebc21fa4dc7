"""OTLP/HTTP request bodies to `ExportLogsServiceRequest` messages, and the answer back.

The transport half of `otlp.py`: content types, gzip, protobuf and the OTLP JSON mapping. Every
way a body can be wrong ends in `OtlpError`, carrying the HTTP status OTLP/HTTP prescribes
(400 malformed, 413 too large, 415 unsupported type or encoding), because a body is whatever
the internet sent.

A failed request is answered with a `google.rpc.Status` (OTLP/HTTP "Failures"), which the
`opentelemetry-proto` package does not ship: `encode_status` writes its two scalar fields by
hand rather than adding `googleapis-common-protos` for them.

OTLP JSON is protobuf's JSON mapping with one exception that `json_format` does not know:
`traceId` and `spanId` are hex, not base64. They are rewritten to base64 before parsing (hex
digits are valid base64, so parsing them unconverted would silently give wrong ids).
"""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)

__all__ = [
    "JSON",
    "MAX_BODY",
    "PROTOBUF",
    "OtlpError",
    "encode_response",
    "encode_status",
    "parse_request",
]

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
MAX_BODY = 16 * 1024 * 1024
"""Largest body accepted, after decompression: a gzip bomb stops here, not in memory.

OTLP exporters batch at most 512 records by default, a few hundred KB; 16 MiB leaves room for
records of 10,000 bytes (Heroku's longest line) in the largest batches."""


class OtlpError(ValueError):
    """A body that cannot be decoded; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def media_type(content_type: str) -> str:
    """`application/json; charset=utf-8` → `application/json`; anything else → OtlpError 415."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind not in (PROTOBUF, JSON):
        raise OtlpError(
            415, f"unsupported content type {kind or '(none)'!r}: use {PROTOBUF} or {JSON}"
        )
    return kind


def gunzip(data: bytes, limit: int = MAX_BODY) -> bytes:
    """Decompress gzip (several members allowed, as gzip does), never past `limit` bytes."""
    out = bytearray()
    rest = data
    while rest:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            out += inflater.decompress(rest, limit + 1 - len(out))
        except zlib.error as exc:
            raise OtlpError(400, f"body is not valid gzip: {exc}") from None
        if len(out) > limit:
            raise OtlpError(413, f"body is larger than {limit} bytes once decompressed")
        if not inflater.eof:
            raise OtlpError(400, "body is not valid gzip: truncated")
        rest = inflater.unused_data
    return bytes(out)


def _hex_ids_to_base64(document: Any) -> None:
    """Rewrite OTLP JSON's hex `traceId`/`spanId` of each log record as protobuf JSON's base64."""
    for resource in _items(document, "resourceLogs", "resource_logs"):
        for scope in _items(resource, "scopeLogs", "scope_logs"):
            for record in _items(scope, "logRecords", "log_records"):
                for key in ("traceId", "trace_id", "spanId", "span_id"):
                    value = record.get(key)
                    if not isinstance(value, str):
                        continue
                    try:
                        raw = bytes.fromhex(value)
                    except ValueError:
                        raise OtlpError(400, f"{key} is not hex: {value[:40]!r}") from None
                    record[key] = base64.b64encode(raw).decode("ascii")


def _items(obj: Any, *keys: str) -> list[dict]:
    """The dicts in the list at the first of `keys` found in `obj` (nothing when malformed)."""
    if not isinstance(obj, dict):
        return []
    for key in keys:
        value = obj.get(key)
        if isinstance(value, list):
            return [item for item in value if isinstance(item, dict)]
    return []


def _from_json(text: bytes) -> ExportLogsServiceRequest:
    try:
        document = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise OtlpError(400, f"body is not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise OtlpError(400, "body is not a JSON object")
    _hex_ids_to_base64(document)
    request = ExportLogsServiceRequest()
    # The protobuf library's own checks raise several types (ParseError, TypeError, …) on odd
    # documents; any of them means the body does not follow the mapping.
    try:
        json_format.ParseDict(document, request, ignore_unknown_fields=True)
    except Exception as exc:
        raise OtlpError(400, f"body is not an OTLP logs request: {exc}") from None
    return request


def _from_protobuf(data: bytes) -> ExportLogsServiceRequest:
    try:
        return ExportLogsServiceRequest.FromString(data)
    except Exception as exc:  # DecodeError mostly; same reasoning as in `_from_json`
        raise OtlpError(400, f"body is not an OTLP logs request: {exc}") from None


def parse_request(
    body: bytes, content_type: str, content_encoding: str = "", limit: int = MAX_BODY
) -> tuple[ExportLogsServiceRequest, str]:
    """The request in `body` and its media type (the answer uses the same); or OtlpError."""
    kind = media_type(content_type)
    if len(body) > limit:
        raise OtlpError(413, f"body is larger than {limit} bytes")
    encoding = content_encoding.strip().lower()
    if encoding == "gzip":
        body = gunzip(body, limit)
    elif encoding not in ("", "identity"):
        raise OtlpError(415, f"unsupported content encoding {encoding!r}: use gzip or none")
    request = _from_json(body) if kind == JSON else _from_protobuf(body)
    return request, kind


def encode_response(rejected: int, error_message: str, kind: str) -> bytes:
    """An `ExportLogsServiceResponse`: empty on full success, else its `partial_success`."""
    response = ExportLogsServiceResponse()
    if rejected or error_message:
        response.partial_success.rejected_log_records = rejected
        response.partial_success.error_message = error_message
    if kind == JSON:
        return json_format.MessageToJson(response, indent=None).encode("utf-8")
    return response.SerializeToString()


# gRPC's codes for the HTTP answers the router gives (the OTLP spec leaves `Status.code`
# optional; senders may log it).
_GRPC_CODES = {400: 3, 401: 16, 403: 7, 404: 5, 413: 8, 415: 3, 429: 8, 503: 14}


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def encode_status(http_status: int, message: str, kind: str) -> bytes:
    """A `google.rpc.Status` {code, message} for a failed request, in JSON or protobuf."""
    code = _GRPC_CODES.get(http_status, 2)  # 2: UNKNOWN
    if kind == JSON:
        return json.dumps({"code": code, "message": message}, ensure_ascii=False).encode("utf-8")
    text = message.encode("utf-8", "replace")
    return b"\x08" + _varint(code) + b"\x12" + _varint(len(text)) + text
