"""OTLP/HTTP logs to lines (tuilogs.core.otlp): bodies sent by the official OpenTelemetry SDK's
OTLP/HTTP exporter (protobuf, gzip), the OTLP JSON mapping, partial success, and malformed or
hostile bodies, which may only ever raise `OtlpError`."""

from __future__ import annotations

import base64
import gzip
import json

import pytest
from google.protobuf import json_format
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry import trace
from opentelemetry._logs import SeverityNumber
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from tuilogs.core.otlp import OtlpError, decode_logs
from tuilogs.core.record import HEADER_RE, LogRecord, parse_timestamp

from kit.otel import CaptureServer, sdk_logger

PROTOBUF, JSON = "application/x-protobuf", "application/json"
TRACE_ID, SPAN_ID = 0x5B8EFFF798038103D269B633813FC60C, 0xEEE19B7EC3C1B174
T0 = 1_764_400_000_123_456_789  # 2025-11-29T07:06:40.123456789Z
RESOURCE = {"service.name": "myapp", "service.instance.id": "web.1"}


def in_span():
    """A context whose current span has TRACE_ID, as inside an instrumented request."""
    span = SpanContext(TRACE_ID, SPAN_ID, is_remote=False, trace_flags=TraceFlags(1))
    return trace.set_span_in_context(NonRecordingSpan(span))


def emit_checkout_story(logger) -> None:
    """Four records covering the body kinds and severities an app sends."""
    try:
        raise ValueError("card declined")
    except ValueError as exc:
        logger.emit(
            timestamp=T0,
            context=in_span(),
            severity_number=SeverityNumber.ERROR,
            severity_text="ERROR",
            body="payment failed",
            exception=exc,
        )
    info, warn = SeverityNumber.INFO, SeverityNumber.WARN
    logger.emit(timestamp=T0 + 1000, severity_number=info, body={"msg": "charged", "cents": 1250})
    logger.emit(timestamp=T0 + 2000, severity_number=info, body="INFO worker started\n")
    logger.emit(timestamp=T0 + 3000, severity_number=warn, severity_text="WARN", body=42)


EXPECTED = [
    LogRecord(
        "2025-11-29T07:06:40.123456+00:00",
        "app",
        "web.1",
        "level=error payment failed trace_id=5b8efff798038103d269b633813fc60c"
        ' exception.type=ValueError exception.message="card declined"',
    ),
    LogRecord(
        "2025-11-29T07:06:40.123457+00:00",
        "app",
        "web.1",
        '{"level": "info", "msg": "charged", "cents": 1250}',
    ),
    # The text already says INFO: nothing added; the trailing newline is not part of the line.
    LogRecord("2025-11-29T07:06:40.123458+00:00", "app", "web.1", "INFO worker started"),
    LogRecord("2025-11-29T07:06:40.123459+00:00", "app", "web.1", "level=warn 42"),
]


def send_with_sdk(gzip_body: bool = False, resource: dict | None = None, emit=None):
    with CaptureServer() as receiver:
        endpoint = f"{receiver.url}/v1/logs"
        headers = {"x-api-key": "sekret"}
        with sdk_logger(endpoint, resource or RESOURCE, gzip=gzip_body, headers=headers) as log:
            (emit or emit_checkout_story)(log)
    return receiver.requests


def decode_captured(captured, **kwargs):
    return decode_logs(
        captured.body,
        captured.headers["content-type"],
        captured.headers.get("content-encoding", ""),
        **kwargs,
    )


def lines_of(requests, **kwargs) -> dict[str, list[LogRecord]]:
    out: dict[str, list[LogRecord]] = {}
    for captured in requests:
        for app, lines in decode_captured(captured, **kwargs).lines.items():
            out.setdefault(app, []).extend(lines)
    return out


def otlp_json(captured) -> bytes:
    """The protobuf body as OTLP JSON: protobuf's JSON mapping, but trace/span ids in hex."""
    document = json_format.MessageToDict(ExportLogsServiceRequest.FromString(captured.body))
    for resource in document["resourceLogs"]:
        for scope in resource["scopeLogs"]:
            for record in scope["logRecords"]:
                for key in ("traceId", "spanId"):
                    if key in record:
                        record[key] = base64.b64decode(record[key]).hex()
    return json.dumps(document).encode()


class TestSdkExporter:
    def test_protobuf_records_map_onto_lines(self) -> None:
        requests = send_with_sdk()
        assert {r.path for r in requests} == {"/v1/logs"}
        assert {r.headers["content-type"] for r in requests} == {PROTOBUF}
        assert {r.headers["x-api-key"] for r in requests} == {"sekret"}
        assert lines_of(requests) == {"myapp": EXPECTED}

    def test_gzip_bodies_decode_the_same(self) -> None:
        requests = send_with_sdk(gzip_body=True)
        assert {r.headers.get("content-encoding") for r in requests} == {"gzip"}
        assert lines_of(requests) == {"myapp": EXPECTED}

    def test_otlp_json_of_the_same_records_decodes_the_same(self) -> None:
        requests = send_with_sdk()
        as_json = [
            decode_logs(otlp_json(r), "application/json; charset=utf-8").lines["myapp"]
            for r in requests
        ]
        assert [line for lines in as_json for line in lines] == EXPECTED

    def test_the_app_in_the_path_wins_over_service_name(self) -> None:
        requests = send_with_sdk()
        assert lines_of(requests, app="shop-eu") == {"shop-eu": EXPECTED}

    def test_records_without_an_app_are_rejected_as_partial_success(self) -> None:
        """The SDK's default service.name (`unknown_service`) names no app: those records are
        counted as rejected, with the reason, and the answer says so in OTLP's terms."""

        def emit(logger) -> None:
            logger.emit(timestamp=T0, body="one")
            logger.emit(timestamp=T0, body="two")

        [first, second] = send_with_sdk(resource={"service.instance.id": "web.2"}, emit=emit)
        batch = decode_captured(first)
        assert (batch.accepted, batch.rejected, batch.lines) == (0, 1, {})
        assert batch.error_message.startswith("1 rejected: service.name 'unknown_service:python'")
        assert "/apps/APP/v1/logs" in batch.error_message
        answer = ExportLogsServiceResponse.FromString(batch.response_body())
        assert answer.partial_success.rejected_log_records == 1
        assert answer.partial_success.error_message == batch.error_message
        saved = decode_captured(second, app="myapp")
        assert (saved.accepted, saved.rejected) == (1, 0)
        assert saved.lines == {"myapp": [LogRecord(EXPECTED[0].timestamp, "app", "web.2", "two")]}
        assert ExportLogsServiceResponse.FromString(saved.response_body()).ByteSize() == 0


def record(**fields) -> dict:
    return {"timeUnixNano": str(T0), **fields}


def request(*records, resource=None) -> bytes:
    attributes = [
        {"key": k, "value": {"stringValue": v}} for k, v in (resource or RESOURCE).items()
    ]
    document = {
        "resourceLogs": [
            {"resource": {"attributes": attributes}, "scopeLogs": [{"logRecords": list(records)}]}
        ]
    }
    return json.dumps(document).encode()


def one_line(*records, resource=None, **kwargs) -> LogRecord:
    batch = decode_logs(request(*records, resource=resource), JSON, **kwargs)
    [[line]] = batch.lines.values()
    return line


class TestMapping:
    @pytest.mark.parametrize(
        ("number", "word"),
        [(1, "trace"), (4, "trace"), (5, "debug"), (9, "info"), (12, "info"), (13, "warn")]
        + [(16, "warn"), (17, "error"), (20, "error"), (21, "fatal"), (24, "fatal")],
    )
    def test_severity_numbers_become_level_words(self, number, word) -> None:
        line = one_line(record(severityNumber=number, body={"stringValue": "disk at 91%"}))
        assert line.message == f"level={word} disk at 91%"

    def test_severity_text_counts_when_the_number_is_unset_or_unknown(self) -> None:
        for number in (0, 99):
            rec = record(severityNumber=number, severityText="Warning", body={"stringValue": "x"})
            assert one_line(rec).message == "level=warning x"
        rec = record(severityText="VERBOSE-ish", body={"stringValue": "x"})
        assert one_line(rec).message == "x"

    def test_a_json_body_keeps_its_text_and_gets_the_level_as_a_key(self) -> None:
        body = '{"msg": "slow query", "ms": 812}'
        rec = record(severityNumber=13, body={"stringValue": body})
        assert one_line(rec).message == '{"level": "warn", "msg": "slow query", "ms": 812}'
        rec = record(severityNumber=17, body={"stringValue": '{"level": "error", "x": 1}'})
        assert one_line(rec).message == '{"level": "error", "x": 1}'
        assert one_line(record(severityNumber=9, body={"stringValue": "{}"})).message == (
            '{"level": "info"}'
        )

    def test_other_body_kinds_are_json(self) -> None:
        bodies = {
            '{"arrayValue": {"values": [{"intValue": "1"}, {"boolValue": true}]}}': "[1, true]",
            '{"doubleValue": 0.5}': "0.5",
            '{"bytesValue": "3q2+7w=="}': '"3q2+7w=="',
            '{"kvlistValue": {"values": [{"key": "a", "value": {}}]}}': '{"a": null}',
        }
        for body, message in bodies.items():
            assert one_line(record(body=json.loads(body))).message == message

    def test_an_event_without_a_body_shows_its_name(self) -> None:
        assert one_line(record(eventName="session.start")).message == "session.start"

    def test_timestamps_fall_back_to_observed_then_received_time(self) -> None:
        observed = {"observedTimeUnixNano": str(T0 + 5_000)}
        assert one_line({**observed}).timestamp == "2025-11-29T07:06:40.123461+00:00"
        assert one_line({}, received_ns=T0).timestamp == "2025-11-29T07:06:40.123456+00:00"
        assert parse_timestamp(one_line({}).timestamp) is not None  # now
        # The farthest an unsigned 64-bit count of nanoseconds reaches is kept as it is.
        far = {"timeUnixNano": str(2**64 - 1)}
        assert one_line(far).timestamp == "2554-07-21T23:34:33.709551+00:00"

    def test_severity_names_in_json_are_read_and_unknown_ones_ignored(self) -> None:
        rec = record(severityNumber="SEVERITY_NUMBER_ERROR", body={"stringValue": "x"})
        assert one_line(rec).message == "level=error x"
        rec = record(severityNumber="SEVERITY_NUMBER_LOUD", body={"stringValue": "x"})
        assert one_line(rec).message == "x"

    def test_dyno_comes_from_record_then_resource_attributes(self) -> None:
        own = {"attributes": [{"key": "service.instance.id", "value": {"stringValue": "run.42"}}]}
        assert one_line(record(**own)).dyno == "run.42"
        assert one_line(record(), resource={"service.name": "myapp"}).dyno == "otlp"
        odd = {"service.name": "myapp", "service.instance.id": "web 1 [blue]"}
        assert one_line(record(), resource=odd).dyno == "web_1_blue_"
        host = {"service.name": "myapp", "host.name": "worker-7f9c"}
        assert one_line(record(), resource=host).dyno == "worker-7f9c"

    def test_the_router_is_a_heroku_line(self) -> None:
        router = {"service.name": "myapp", "service.instance.id": "router"}
        line = one_line(record(body={"stringValue": "at=info status=200"}), resource=router)
        assert line.line() == "2025-11-29T07:06:40.123456+00:00 heroku[router]: at=info status=200"

    def test_records_are_grouped_by_app_in_order(self) -> None:
        other = {"key": "service.name", "value": {"stringValue": "billing"}}
        records = [record(body={"stringValue": str(i)}) for i in range(3)]
        records[1]["attributes"] = [other]
        batch = decode_logs(request(*records), JSON)
        assert {app: [ln.message for ln in lines] for app, lines in batch.lines.items()} == {
            "myapp": ["0", "2"],
            "billing": ["1"],
        }
        assert (batch.accepted, batch.rejected, batch.error_message) == (3, 0, "")

    def test_the_json_answer_reports_partial_success_in_json(self) -> None:
        body = request(record(), resource={"service.name": "Not An App"})
        batch = decode_logs(body, JSON)
        answer = json.loads(batch.response_body())
        assert answer["partialSuccess"]["rejectedLogRecords"] == "1"
        assert "'Not An App' is not an app name" in answer["partialSuccess"]["errorMessage"]


class TestMalformed:
    def test_each_fault_has_its_http_status(self) -> None:
        good = request(record())
        cases = [
            (good, "text/plain", "", 415),
            (good, JSON, "br", 415),
            (b"\x0a\x05\x0a\x03", PROTOBUF, "", 400),
            (b'{"resourceLogs": [', JSON, "", 400),
            (b"[1, 2]", JSON, "", 400),
            (b"\xff\xfe{}", JSON, "", 400),
            (request(record(traceId="not-hex")), JSON, "", 400),
            (request(record(severityNumber=[17])), JSON, "", 400),
            (request(record(timeUnixNano="yesterday")), JSON, "", 400),
            (b"\x1f\x8b\x08\x00garbage", PROTOBUF, "gzip", 400),
            (gzip.compress(good)[:-9], JSON, "gzip", 400),
        ]
        for body, content_type, encoding, status in cases:
            with pytest.raises(OtlpError) as caught:
                decode_logs(body, content_type, encoding)
            assert caught.value.status == status, (body[:40], content_type, encoding)

    def test_an_app_in_the_path_must_be_an_app_name(self) -> None:
        with pytest.raises(OtlpError) as caught:
            decode_logs(request(record()), JSON, app="../etc")
        assert caught.value.status == 404

    def test_a_gzip_bomb_stops_at_the_size_limit(self) -> None:
        bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)
        assert len(bomb) < 100_000
        with pytest.raises(OtlpError) as caught:
            decode_logs(bomb, PROTOBUF, "gzip")
        assert caught.value.status == 413
        with pytest.raises(OtlpError) as caught:
            decode_logs(gzip.compress(request(record())), JSON, "gzip", limit=100)
        assert caught.value.status == 413

    def test_several_gzip_members_are_one_body(self) -> None:
        body = request(record(body={"stringValue": "whole"}))
        halves = gzip.compress(body[:50]) + gzip.compress(body[50:])
        assert one_line_of(decode_logs(halves, JSON, "gzip")).message == "whole"

    def test_a_body_over_the_limit_is_refused_before_decoding(self) -> None:
        with pytest.raises(OtlpError) as caught:
            decode_logs(b"\0" * 101, PROTOBUF, limit=100)
        assert caught.value.status == 413


def one_line_of(batch) -> LogRecord:
    [[line]] = batch.lines.values()
    return line


# -- fuzzing: whatever arrives, the answer is a batch or OtlpError, never another exception

MEDIA = st.sampled_from([PROTOBUF, JSON])
OTLP_KEYS = st.sampled_from(
    [
        *("resourceLogs", "scopeLogs", "logRecords", "resource", "attributes", "key", "value"),
        *("body", "stringValue", "intValue", "doubleValue", "boolValue", "bytesValue"),
        *("arrayValue", "kvlistValue", "values", "timeUnixNano", "observedTimeUnixNano"),
        *("severityNumber", "severityText", "traceId", "spanId", "eventName"),
    ]
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(OTLP_KEYS | st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=30,
)


def check(batch) -> None:
    """What any decoded batch must satisfy: counts add up, every line has a valid header."""
    assert batch.accepted == sum(len(lines) for lines in batch.lines.values())
    assert (batch.rejected == 0) == (batch.error_message == "")
    for lines in batch.lines.values():
        for line in lines:
            header = HEADER_RE.match(line.line())
            assert header is not None, line
            assert (header["source"], header["dyno"]) == (line.source, line.dyno)
            assert parse_timestamp(line.timestamp) is not None
    batch.response_body()


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.binary(max_size=2000), MEDIA, st.sampled_from(["", "gzip", "identity"]))
def test_fuzz_arbitrary_bytes(body, media, encoding) -> None:
    for data in (body, gzip.compress(body)) if encoding == "gzip" else (body,):
        try:
            check(decode_logs(data, media, encoding))
        except OtlpError as exc:
            assert exc.status in (400, 413, 415)


@FUZZ
@given(JSON_VALUES)
def test_fuzz_json_documents_shaped_like_otlp(document) -> None:
    for doc in (document, {"resourceLogs": [{"scopeLogs": [{"logRecords": [document]}]}]}):
        try:
            check(decode_logs(json.dumps(doc).encode(), JSON))
        except OtlpError as exc:
            assert exc.status == 400


any_value = st.deferred(
    lambda: st.one_of(
        st.builds(lambda s: {"stringValue": s}, st.text(max_size=30)),
        st.builds(lambda i: {"intValue": str(i)}, st.integers(-(2**63), 2**63 - 1)),
        st.builds(lambda b: {"boolValue": b}, st.booleans()),
        st.builds(lambda b: {"bytesValue": base64.b64encode(b).decode()}, st.binary(max_size=8)),
        st.builds(lambda v: {"arrayValue": {"values": v}}, st.lists(any_value, max_size=3)),
        st.builds(
            lambda kv: {"kvlistValue": {"values": [{"key": k, "value": v} for k, v in kv]}},
            st.lists(st.tuples(st.text(max_size=8), any_value), max_size=3),
        ),
    )
)
attribute = st.builds(
    lambda k, v: {"key": k, "value": v},
    st.sampled_from(["service.name", "service.instance.id", "host.name", "exception.type", "x"]),
    any_value,
)
log_record = st.fixed_dictionaries(
    {},
    optional={
        "timeUnixNano": st.integers(0, 2**64 - 1).map(str),
        "observedTimeUnixNano": st.integers(0, 2**64 - 1).map(str),
        "severityNumber": st.integers(0, 30),
        "severityText": st.text(max_size=10),
        "body": any_value,
        "attributes": st.lists(attribute, max_size=3),
        "traceId": st.binary(min_size=16, max_size=16).map(bytes.hex),
        "eventName": st.text(max_size=10),
    },
)


@FUZZ
@given(
    st.lists(
        st.tuples(st.lists(attribute, max_size=3), st.lists(log_record, max_size=4)),
        max_size=3,
    ),
    st.sampled_from([None, "myapp"]),
    st.booleans(),
)
def test_fuzz_valid_requests_decode_every_record(resources, app, as_protobuf) -> None:
    document = {
        "resourceLogs": [
            {"resource": {"attributes": attrs}, "scopeLogs": [{"logRecords": records}]}
            for attrs, records in resources
        ]
    }
    body = json.dumps(document).encode()
    if as_protobuf:
        body = decode_as_protobuf(body)
    batch = decode_logs(body, PROTOBUF if as_protobuf else JSON, app=app)
    check(batch)
    assert batch.accepted + batch.rejected == sum(len(r) for _, r in resources)
    if app:
        assert batch.rejected == 0


def decode_as_protobuf(otlp_json_body: bytes) -> bytes:
    """The same request serialised as protobuf (ids converted from OTLP JSON's hex)."""
    document = json.loads(otlp_json_body)
    for resource in document["resourceLogs"]:
        for scope in resource["scopeLogs"]:
            for rec in scope["logRecords"]:
                if "traceId" in rec:
                    rec["traceId"] = base64.b64encode(bytes.fromhex(rec["traceId"])).decode()
    message = json_format.ParseDict(document, ExportLogsServiceRequest())
    return message.SerializeToString()
