"""Which RFC 5424 messages carry a structured-data field: Logplex's HTTPS frames (host `host`,
no SD: a message may itself start with `- `), syslog senders using Logplex's shape (they add
`- `), and frames from a drain token (`d.UUID` as the host), pinned message by message."""

from __future__ import annotations

import pytest

from tuilogs.core.frames import parse_message

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
