"""Which RFC 5424 messages carry a structured-data field: Logplex's HTTPS frames (host `host`,
no SD: a message may itself start with `- `), syslog senders using Logplex's shape (they add
`- `), and frames from a drain token (`d.UUID` as the host), pinned message by message; and
which header fields are the source and the dyno in each layout."""

from __future__ import annotations

import pytest

from tuilogs.core.frames import Frame, parse_message

TS = "2026-11-23T19:04:05.000001+00:00"
TOKEN = "d.01234567-89ab-cdef-0123-456789abcdef"


@pytest.mark.parametrize(
    ("header", "rest", "message"),
    [
        ("host app web.1 -", "- dash", "- dash"),  # Logplex: no SD, the message is `- dash`
        ("host app web.1 -", "-", "-"),
        ("myhost app web.1 -", "- msg", "msg"),  # a sender in Logplex's shape: `- ` is SD
        ("myhost app web.1 -", "-", ""),
        ("HOST app web.1 -", "- msg", "msg"),  # only Logplex's own `host` is Logplex
        (f"{TOKEN} app web.1 -", "- msg", "msg"),
        (f"{TOKEN} app web.1 -", "msg", "msg"),
    ],
)
def test_where_the_message_starts(header, rest, message):
    frame = parse_message(f"<190>1 {TS} {header} {rest}")
    assert frame.message == message and frame.structured_data == ""
    assert (frame.app_name, frame.procid, frame.msgid) == ("app", "web.1", "-")


@pytest.mark.parametrize(
    ("header", "rest", "message", "sd"),
    [
        # Logplex's shape from another host: no SD field, so `[` starts the message.
        ("myhost app web.1 -", '[x a="1"] msg', '[x a="1"] msg', ""),
        (f"{TOKEN} app web.1 -", '[x a="1"] msg', "msg", '[x a="1"]'),  # a drain's: SD field
        ("heroku router web.1 -", "- msg", "- msg", ""),  # the older layout: no SD field
        (f"host router {TOKEN} -", "- msg", "- msg", ""),
    ],
)
def test_which_layouts_have_a_structured_data_field(header, rest, message, sd):
    frame = parse_message(f"<190>1 {TS} {header} {rest}")
    assert (frame.message, frame.structured_data) == (message, sd)


@pytest.mark.parametrize(
    ("rest", "message"),
    [
        ("- msg", "msg"),  # a nil SD field
        ("-", ""),
        ("", ""),
        ("-Xmx512m is too small", "-Xmx512m is too small"),  # a message that starts with `-`
        ("x msg", "x msg"),
    ],
)
def test_where_a_generic_senders_message_starts(rest, message):
    frame = parse_message(f"<13>1 {TS} myhost prog 123 - {rest}".rstrip(" "))
    assert (frame.message, frame.structured_data) == (message, "")
    assert frame.record().dyno == "prog.123"


@pytest.mark.parametrize(
    ("header", "source", "dyno"),
    [
        ("host app 1234 -", "app", "1234"),  # Logplex: the procid is the dyno, even a number
        ("heroku app web.1 -", "heroku", "app"),  # older: hostname / app-name
    ],
)
def test_which_fields_are_the_source_and_the_dyno(header, source, dyno):
    record = parse_message(f"<190>1 {TS} {header} msg").record()
    assert (record.source, record.dyno, record.message) == (source, dyno, "msg")


@pytest.mark.parametrize("end", ["\n", "\r\n", ""])
def test_a_message_ends_before_its_line_end(end):
    frame = parse_message(f"<190>1 {TS} host app web.1 - a\rmessage{end}")
    assert frame.message == "a\rmessage"  # a CR inside is the message's own


@pytest.mark.parametrize("stamp", ["Nov 29 10:00:00", TS])
@pytest.mark.parametrize(
    ("after", "fields"),
    [
        ("prog: hello", (13, "-", "prog", "-", "-", "hello")),  # no host, no PID: nil values
        ("myhost prog[123]: hello", (13, "myhost", "prog", "123", "-", "hello")),
    ],
)
def test_rfc3164_lines_give_nil_for_the_fields_they_lack(stamp, after, fields):
    frame = parse_message(f"<13>{stamp} {after}")
    got = (frame.priority, frame.hostname, frame.app_name, frame.procid, frame.msgid)
    assert (*got, frame.message) == fields


def test_a_priority_and_nothing_else_recognisable_keeps_the_text():
    assert parse_message("<13>hello there\n") == Frame(13, "", "", "", "", "", "hello there")
