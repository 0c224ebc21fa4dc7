"""The Heroku line format: every documented header shape, and nothing is ever dropped."""

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuilogs.core.record import (
    LogRecord,
    dyno_matches,
    one_line,
    parse_line,
    parse_timestamp,
    process_type,
)


@pytest.mark.parametrize(
    "line, source, dyno, message",
    [
        (
            "2022-12-28T19:08:23.612947+00:00 app[web.1]: [INFO] Booting worker with pid: 9",
            "app",
            "web.1",
            "[INFO] Booting worker with pid: 9",
        ),
        (
            "2012-10-11T03:47:20+00:00 heroku[router]: at=error code=H12",
            "heroku",
            "router",
            "at=error code=H12",
        ),
        ("2024-01-01T00:00:00Z app[api]: Release v12 created", "app", "api", "Release v12 created"),
        (
            "2024-01-01T00:00:00.1+0100 app[heroku-postgres]: source=DATABASE",
            "app",
            "heroku-postgres",
            "source=DATABASE",
        ),
        ("2024-01-01T00:00:00.000Z heroku[logplex]: Error L10", "heroku", "logplex", "Error L10"),
        (
            "2024-01-01T00:00:00+00:00 app[run.1234]: rake db:migrate",
            "app",
            "run.1234",
            "rake db:migrate",
        ),
        ("2024-01-01T00:00:00+00:00 app[web-123-456]: fir", "app", "web-123-456", "fir"),
        ("2024-01-01T00:00:00+00:00 app[web.1]:", "app", "web.1", ""),
    ],
)
def test_headers(line, source, dyno, message):
    rec = parse_line(line)
    assert (rec.source, rec.dyno, rec.message) == (source, dyno, message)
    assert rec.line() == line.rstrip() or rec.line() == line + " "


@pytest.mark.parametrize(
    "line", ["plain text", "", "2024-01-01 app[web.1]: no T", "Traceback (most recent call last):"]
)
def test_raw_lines_are_kept(line):
    rec = parse_line(line)
    assert rec.is_raw and rec.message == line and rec.line() == line


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2012-10-11T03:47:20+00:00", datetime(2012, 10, 11, 3, 47, 20, tzinfo=timezone.utc)),
        ("2012-10-11T03:47:20Z", datetime(2012, 10, 11, 3, 47, 20, tzinfo=timezone.utc)),
        (
            "2022-12-28T19:08:23.612947+00:00",
            datetime(2022, 12, 28, 19, 8, 23, 612947, tzinfo=timezone.utc),
        ),
        (
            "2022-12-28T19:08:23.6+01:00",
            datetime(2022, 12, 28, 19, 8, 23, 600000, tzinfo=timezone(timedelta(hours=1))),
        ),
        (
            "2022-12-28T19:08:23.123456789-0500",
            datetime(2022, 12, 28, 19, 8, 23, 123456, tzinfo=timezone(timedelta(hours=-5))),
        ),
        ("garbage", None),
    ],
)
def test_timestamps(text, expected):
    assert parse_timestamp(text) == expected


@pytest.mark.parametrize(
    "dyno, wanted, hit",
    [
        ("web.1", "web", True),
        ("web.12", "web", True),
        ("web.1", "web.1", True),
        ("web.10", "web.1", False),
        ("worker.1", "web", False),
        ("router", "router", True),
        ("web-123-456", "web", True),
        ("run.1234", "run", True),
        ("webhook.1", "web", False),
    ],
)
def test_heroku_dyno_filter(dyno, wanted, hit):
    assert dyno_matches(dyno, wanted) is hit


def test_process_types():
    assert [process_type(d) for d in ["web.1", "run.1234", "web-123-456", "router", "api"]] == [
        "web",
        "run",
        "web",
        "router",
        "api",
    ]


@given(st.text())
def test_any_text_parses(text):
    rec = parse_line(text)
    assert rec.message in text or rec.is_raw


FORGED = "hi\n2026-11-29T00:00:00Z heroku[router]: at=error code=H99"


def test_a_stored_line_is_one_line_of_text():
    """A line break inside a message is shown escaped, never a second (forged) line."""
    line = LogRecord("2026-11-29T00:00:00Z", "app", "web.1", FORGED).line()
    assert line == (
        "2026-11-29T00:00:00Z app[web.1]: hi\\x0a2026-11-29T00:00:00Z heroku[router]: at=error code=H99"
    )
    assert LogRecord("", "", "", "raw\r\nline").line() == "raw\\x0d\\x0aline"
    assert parse_line(line).message.startswith("hi\\x0a")


@pytest.mark.parametrize(
    "char, shown",
    [("\n", "\\x0a"), ("\r", "\\x0d"), ("\x0b", "\\x0b"), ("\x0c", "\\x0c"), ("\x1c", "\\x1c"),
     ("\x1d", "\\x1d"), ("\x1e", "\\x1e"), ("\x85", "\\x85"), ("\u2028", "\\u2028"),
     ("\u2029", "\\u2029")],
)  # fmt: skip
def test_every_break_some_reader_splits_at_is_escaped(char, shown):
    assert one_line(f"a{char}b") == f"a{shown}b"
    assert len(f"a{char}b".splitlines()) == 2 and len(one_line(f"a{char}b").splitlines()) == 1


def test_other_text_is_left_as_it_is():
    for text in ("plain", "tab\there", "esc \x1b[2J", "ünïcödé ✓", ""):
        assert one_line(text) is text


@given(st.text())
def test_one_line_is_always_one_line(text):
    out = one_line(text)
    assert len(out.splitlines()) <= 1 and "\u2028" not in out and "\u2029" not in out
