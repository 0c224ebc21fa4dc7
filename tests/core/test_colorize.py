"""Colour rules: band boundaries, per-kind spans, process colours, and span invariants."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuilogs.core import colorize
from tuilogs.core.colorize import (
    PALETTE_SIZE,
    STYLES,
    ProcessColors,
    highlight,
    latency_style,
    status_style,
)

ROUTER = (
    'at=error code=H12 desc="Request timeout" method=GET path=/ host=myapp.herokuapp.com '
    'fwd="204.204.204.204" dyno=web.1 connect= service=30000ms status=503 bytes=0'
)


def styled(source: str, dyno: str, message: str) -> list[tuple[str, str]]:
    """(text, style) pairs, the readable form of spans."""
    return [(message[s:e], style) for s, e, style in highlight(source, dyno, message)]


@pytest.mark.parametrize(
    ("status", "style"),
    [
        (99, "status.other"),
        (100, "status.1xx"),
        (199, "status.1xx"),
        (200, "status.2xx"),
        (299, "status.2xx"),
        (300, "status.3xx"),
        (399, "status.3xx"),
        (400, "status.4xx"),
        (499, "status.4xx"),
        (500, "status.5xx"),
        (599, "status.5xx"),
        (600, "status.other"),
        (0, "status.other"),
    ],
)
def test_status_bands(status: int, style: str) -> None:
    assert status_style(status) == style


@pytest.mark.parametrize(
    ("ms", "style"),
    [
        (0, "latency.fast"),
        (99, "latency.fast"),
        (100, "latency.ok"),
        (499, "latency.ok"),
        (500, "latency.slow"),
        (4999, "latency.slow"),
        (5000, "latency.slower"),
        (9999, "latency.slower"),
        (10000, "latency.slowest"),
        (30000, "latency.slowest"),
    ],
)
def test_latency_bands(ms: int, style: str) -> None:
    assert latency_style(ms) == style


def test_router_error_line() -> None:
    got = dict((text, style) for text, style in styled("heroku", "router", ROUTER))
    assert got["at=error"] == "at.error"
    assert got["H12"] == "code"
    assert got["GET"] == "method"
    assert got["/"] == "path"
    assert got["30000ms"] == "latency.slowest"
    assert got["503"] == "status.5xx"
    assert got['"Request timeout"'] == "logfmt.value"
    assert got["desc"] == "logfmt.key"
    # `connect=` is empty: a key span, no value span.
    assert ("connect", "logfmt.key") in styled("heroku", "router", ROUTER)
    # No level words on router lines: `at=error` already says it.
    assert not any(style.startswith("level.") for _, style in styled("heroku", "router", ROUTER))


def test_router_info_line() -> None:
    line = (
        'at=info method=POST path="/api/x" host=a.herokuapp.com fwd="1.2.3.4" dyno=web.2 '
        "connect=1ms service=612ms status=201 bytes=42 protocol=https"
    )
    got = styled("heroku", "router", line)
    assert ("at=info", "at.info") in got
    assert ('"/api/x"', "path") in got
    assert ("1ms", "latency.fast") in got
    assert ("612ms", "latency.slow") in got
    assert ("201", "status.2xx") in got


def test_old_router_format() -> None:
    line = "Error H12 (Request timeout) -> GET x.heroku.com/timeout dyno=web.1 service=0ms bytes=0"
    got = styled("heroku", "router", line)
    assert got[0] == ("Error H12 (Request timeout)", "error.code")
    assert ("0ms", "latency.fast") in got


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "State changed from starting to up",
            [("starting", "state.from"), ("up", "state.good")],
        ),
        (
            "State changed from up to crashed",
            [("up", "state.from"), ("crashed", "state.bad")],
        ),
        ("State changed from up to down", [("up", "state.from"), ("down", "state.bad")]),
        (
            "State changed from down to starting",
            [("down", "state.from"), ("starting", "state.to")],
        ),
        ("Process exited with status 0", [("0", "exit.ok")]),
        ("Process exited with status 143", [("143", "exit.fail")]),
        (
            "Starting process with command `bundle exec puma -C config/puma.rb`",
            [("`bundle exec puma -C config/puma.rb`", "command")],
        ),
        (
            "Stopping all processes with SIGTERM",
            [("Stopping all processes with SIGTERM", "exit.fail")],
        ),
        ("Restarting", [("Restarting", "state.to")]),
        (
            "Error R14 (Memory quota exceeded)",
            [("Error R14 (Memory quota exceeded)", "error.code")],
        ),
    ],
)
def test_system_lines(message: str, expected: list[tuple[str, str]]) -> None:
    assert styled("heroku", "web.1", message) == expected


def test_run_command_by_user() -> None:
    got = styled("heroku", "run.1234", "Starting process with command `bash` by user a@b.c")
    assert got == [("`bash`", "command")]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Deploy 3f2a9c1 by user bob@example.com", [("3f2a9c1", "release")]),
        ("Release v12 created by user bob@example.com", [("v12", "release")]),
        ("Rollback to v11 by user bob@example.com", [("v11", "release")]),
        ("Build succeeded", [("Build succeeded", "exit.ok")]),
        ("Build failed ", [("Build failed", "exit.fail")]),
    ],
)
def test_api_lines(message: str, expected: list[tuple[str, str]]) -> None:
    assert styled("app", "api", message) == expected


def test_app_logfmt_with_level() -> None:
    got = styled("app", "web.1", 'level=error msg="db down" duration=12')
    assert got == [
        ("level", "logfmt.key"),
        ("error", "level.error"),
        ("msg", "logfmt.key"),
        ('"db down"', "logfmt.value"),
        ("duration", "logfmt.key"),
        ("12", "logfmt.value"),
    ]


def test_app_logfmt_level_word_inside_long_value_keeps_value_style() -> None:
    got = styled("app", "web.1", 'msg="an ERROR happened" user=7')
    assert ('"an ERROR happened"', "logfmt.value") in got
    assert not any(style.startswith("level.") for _, style in got)


def test_app_logfmt_request_fields() -> None:
    got = styled("app", "web.1", "method=GET path=/users status=404 duration=3.1")
    assert ("GET", "method") in got
    assert ("/users", "path") in got
    assert ("404", "status.4xx") in got


def test_json_message() -> None:
    message = '{"level":"warn","msg":"slow","ms":812.5,"ok":false,"tags":["a"]}'
    got = styled("app", "web.1", message)
    assert got[0] == ("{", "json.punct")
    assert ('"level"', "json.key") in got
    assert ('"warn"', "level.warning") in got
    assert ('"slow"', "json.string") in got
    assert ("812.5", "json.number") in got
    assert ("false", "json.literal") in got
    assert got[-1] == ("]}", "json.punct")  # the lexer joins adjacent punctuation


def test_json_numeric_level() -> None:
    got = styled("app", "worker.1", '{"level":50,"msg":"x"}')
    assert ("50", "level.error") in got


def test_plain_level_words() -> None:
    message = "[2020-01-01 00:00:00 +0000] [4] [INFO] Starting gunicorn 20.1.0"
    assert styled("app", "web.1", message) == [("INFO", "level.info")]
    assert styled("app", "web.1", "nothing to see") == []


@pytest.mark.parametrize(
    "message",
    [
        "Traceback (most recent call last):",
        '  File "/app/main.py", line 3, in <module>',
        "\tat com.example.Foo.bar(Foo.java:42)",
        "    at Object.<anonymous> (/app/index.js:1:15)",
        "\tfrom /app/lib/x.rb:12:in `block in run'",
        "\t... 12 more",
    ],
)
def test_traceback_lines(message: str) -> None:
    got = styled("app", "web.1", message)
    assert got == [(message.strip(), "traceback")]


def test_access_log_line() -> None:
    message = '10.1.1.1 - - [05/Dec/2012 18:41:32] "GET /foo HTTP/1.1" 404 301 10.0029'
    assert styled("app", "web.1", message) == [
        ("GET", "method"),
        ("/foo", "path"),
        ("404", "status.4xx"),
    ]


def test_rails_lines() -> None:
    got = styled("app", "web.1", 'Started GET "/register" for 1.2.3.4 at 2013-04-30 20:56:21')
    assert got == [("GET", "method"), ('"/register"', "path")]
    got = styled("app", "web.1", "Completed 500 Internal Server Error in 12ms")
    assert got[0] == ("500", "status.5xx")


def test_empty_and_raw() -> None:
    assert highlight("", "", "") == []
    assert highlight("", "", "just a raw line WARN") == [(16, 20, "level.warning")]


def test_settle_keeps_first_claim_and_sorts() -> None:
    spans = [(5, 10, "a"), (0, 3, "b"), (8, 12, "c"), (-2, 1, "d"), (20, 30, "e"), (3, 3, "f")]
    assert colorize._settle(spans, 25) == [(0, 3, "b"), (5, 10, "a"), (20, 25, "e")]


def test_process_colors_fixed_slots() -> None:
    colors = ProcessColors()
    assert [colors.index(p) for p in ProcessColors.FIXED] == [0, 1, 2, 3, 4]
    assert colors.index("web.1") == colors.index("web") == 2
    assert colors.index("web-123-456") == 2


def test_process_colors_first_seen_order_and_cycle() -> None:
    colors = ProcessColors()
    assert colors.index("worker") == 5
    assert colors.index("clock") == 6
    assert colors.index("worker.3") == 5  # stable
    others = [colors.index(f"type{i}") for i in range(PALETTE_SIZE)]
    assert others[:5] == [7, 8, 9, 10, 11]
    assert others[5:] == [0, 1, 2, 3, 4, 5, 6]  # cycles through the palette
    assert ProcessColors().index("clock") == 5  # per-instance assignment


_sources = st.sampled_from(["app", "heroku", "", "x"])
_dynos = st.sampled_from(["router", "api", "web.1", "run.1234", "heroku-postgres", "", "x"])
_messages = st.one_of(
    st.text(),
    st.text(alphabet='ab =" {}[]:,0123456789\\`\nERROR', max_size=80),
    st.sampled_from(
        [ROUTER, '{"level":"error"', "State changed from a to ", "Error H1", 'a="b'],
    ).flatmap(lambda s: st.text(max_size=10).map(lambda t: s + t)),
)


def _check(spans: list, message: str) -> None:
    previous_end = 0
    for start, end, style in spans:
        assert previous_end <= start < end <= len(message)
        assert style in STYLES
        previous_end = end


@given(_sources, _dynos, _messages)
def test_arbitrary_input_gives_valid_spans(source: str, dyno: str, message: str) -> None:
    _check(highlight(source, dyno, message), message)


@given(_sources, _dynos, _messages)
def test_rules_themselves_do_not_raise(source: str, dyno: str, message: str) -> None:
    # `highlight` swallows errors so the UI never breaks; call the inner function so a bug in a
    # rule fails here instead of silently losing colour.
    _check(colorize._highlight(source, dyno, message), message)
