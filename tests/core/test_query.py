"""The search language, checked against a plain per-line reference implementation."""

import re

import pytest

from tuilogs.core.fields import message_fields
from tuilogs.core.levels import LEVELS, detect_level
from tuilogs.core.query import QueryError, parse_query
from tuilogs.core.record import dyno_matches

from kit.files import load


def reference(buffer, predicate):
    return [i for i in range(len(buffer)) if predicate(buffer.record(i), buffer.record(i).line())]


def num(v):
    m = re.match(r"[+-]?\d+(\.\d+)?", v or "")
    return float(m.group()) if m else None


def about_dyno(r, name):
    """`dyno:NAME`: the dyno's own lines, and router lines of requests it served."""
    if r.dyno and dyno_matches(r.dyno, name):
        return True
    served = message_fields(r.message).get("dyno") if r.dyno == "router" else None
    return served is not None and dyno_matches(served, name)


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
    "dyno:web": lambda r, line: about_dyno(r, "web"),
    "dyno:web.1": lambda r, line: about_dyno(r, "web.1"),
    "source:app": lambda r, line: r.source == "app",
    "-source:heroku": lambda r, line: r.source != "heroku",
    "-timeout dyno:router": lambda r, line: "timeout" not in line.lower() and r.dyno == "router",
    "level:error -dyno:web": lambda r, line: (
        detect_level(r.message) == "error" and not about_dyno(r, "web")
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
        # Half typed: not a text search for `status>=` (0 lines while typing `status>=500`).
        ("status>=", "status>= needs a number"),
        ("service<", "service< needs a number"),
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


# Every dialect the level detector reads (tests/core/test_levels.py has more): a level search
# must find each line the detector gives that level, however the line says it.
LEVEL_LINES = [
    '{"level":50,"msg":"pino error"}',
    '{"level":30,"msg":"pino info"}',
    '{"severity": "WARNING", "message": "x"}',
    "[DATABASE] [9-1] sql_error_code = 00000 LOG:  duration: 1.2 ms",
    "SEVERE: disk on fire",
    "Traceback (most recent call last):",
    "java.lang.NullPointerException at Foo",
    "Error R14 (Memory quota exceeded)",
    "npm ERR! code ELIFECYCLE",
    "DEBUG2: postgres internals",
    "TRACE entering loop",
    "NOTICE: relation exists, skipping",
    "PANIC: could not write to file",
    "at=info method=GET path=/ status=200",
    "nothing to see here",
]


@pytest.mark.parametrize("op", [":", ">=", "<", "!="])
@pytest.mark.parametrize("level", ["debug", "info", "notice", "warning", "error", "critical"])
def test_level_search_agrees_with_the_detector(tmp_path, op, level):
    path = tmp_path / "levels.log"
    path.write_text("".join(f"2026-01-01T00:00:00+00:00 app[web.1]: {m}\n" for m in LEVEL_LINES))
    buffer, _feed, producer = load(path)
    try:
        rank = LEVELS.index(level)
        test = {
            ":": lambda r: r == rank,
            ">=": lambda r: r >= rank,
            "<": lambda r: r < rank,
            "!=": lambda r: r != rank,
        }[op]
        expected = [
            i
            for i, message in enumerate(LEVEL_LINES)
            if (found := detect_level(message)) is not None and test(LEVELS.index(found))
        ]
        assert list(parse_query(f"level{op}{level}").scan(buffer)) == expected
    finally:
        producer.stop()


def test_level_names_are_read_as_the_detector_reads_them(sample):
    assert list(parse_query("level:fatal").scan(sample)) == list(
        parse_query("level:critical").scan(sample)
    )
    assert list(parse_query("level:warn").scan(sample)) == list(
        parse_query("level:WARNING").scan(sample)
    )
