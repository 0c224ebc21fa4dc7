"""The search language, checked against a plain per-line reference implementation."""

import re

import pytest

from tuilogs.core.fields import message_fields
from tuilogs.core.levels import detect_level
from tuilogs.core.query import QueryError, parse_query
from tuilogs.core.record import dyno_matches


def reference(buffer, predicate):
    return [i for i in range(len(buffer)) if predicate(buffer.record(i), buffer.record(i).line())]


def num(v):
    m = re.match(r"[+-]?\d+(\.\d+)?", v or "")
    return float(m.group()) if m else None


CASES = {
    "timeout": lambda r, line: "timeout" in line.lower(),
    "Timeout": lambda r, line: "Timeout" in line,
    '"Request timeout"': lambda r, line: "request timeout" in line.lower(),
    "/H1[02]/": lambda r, line: re.search("H1[02]", line, re.I) is not None,
    "status:500": lambda r, line: num(message_fields(r.message).get("status")) == 500,
    "status:4xx": lambda r, line: 400 <= (num(message_fields(r.message).get("status")) or 0) < 500,
    "status>=500": lambda r, line: (num(message_fields(r.message).get("status")) or 0) >= 500,
    "service>1000": lambda r, line: (num(message_fields(r.message).get("service")) or 0) > 1000,
    "path:/api": lambda r, line: "/api" in message_fields(r.message).get("path", "").lower(),
    "level:error": lambda r, line: detect_level(r.message) == "error",
    "level>=warning": lambda r, line: detect_level(r.message) in ("warning", "error", "critical"),
    "code:H12": lambda r, line: "code=H12" in r.message,
    "dyno:web": lambda r, line: bool(r.dyno) and dyno_matches(r.dyno, "web"),
    "dyno:web.1": lambda r, line: r.dyno == "web.1",
    "source:app": lambda r, line: r.source == "app",
    "-source:heroku": lambda r, line: r.source != "heroku",
    "-timeout dyno:router": lambda r, line: "timeout" not in line.lower() and r.dyno == "router",
    "level:error -dyno:web": lambda r, line: (
        detect_level(r.message) == "error" and not (r.dyno and dyno_matches(r.dyno, "web"))
    ),
}


@pytest.mark.parametrize("text", CASES)
def test_query_matches_reference(sample, text):
    got = list(parse_query(text).scan(sample))
    assert got == reference(sample, CASES[text])


def test_queries_find_something(sample):
    for text in ["timeout", "status>=500", "level:error", "dyno:web", "code:H12"]:
        assert len(parse_query(text).scan(sample)) > 0, text


def test_scan_in_pieces_equals_scan_at_once(sample):
    q = parse_query("status:200")
    whole = list(q.scan(sample))
    half = len(sample) // 2
    assert list(q.scan(sample, 0, half)) + list(q.scan(sample, half)) == whole


@pytest.mark.parametrize(
    "text, message",
    [
        ("/[unclosed/", "invalid regex"),
        ("status>=abc", "needs a number"),
        ("level:loud", "unknown level"),
        ("code:X1", "error codes look like"),
    ],
)
def test_bad_queries_say_why(text, message):
    with pytest.raises(QueryError, match=message):
        parse_query(text)


def test_highlighter_covers_text_and_regex_terms():
    pattern = parse_query("timeout /H1\\d/ status:500").highlighter()
    assert pattern.findall("Request Timeout code=H12") == ["Timeout", "H12"]


def test_cancelled_scan_returns_none(sample):
    assert parse_query("timeout").scan(sample, cancelled=lambda: True) is None
