"""What the forwarder writes is octet-counted frames, one line each, whatever the messages say.

A syslog drain pointed at Redis delivered `SET pwned 1`: a message carrying CR/LF put an
attacker's command on a line of its own. Every forwarded frame is now exactly one line that
starts with its octet count; CR and LF inside a message travel escaped.
"""

from __future__ import annotations

import re

from tuilogs.core.octet_counting import parse_logplex_body
from tuilogs.core.record import LogRecord

from kit.forwarding import TS, forwarding
from kit.receivers import HttpReceiver, SyslogReceiver

SMUGGLERS = [
    LogRecord(TS, "app", "web.1", "hello\r\nSET pwned 1\r\nQUIT"),
    LogRecord(TS, "app", "web.1", "lf only\nSET pwned 2\n"),
    LogRecord(TS, "app", "web.1", "cr only\rSET pwned 3\r"),
    LogRecord(TS, "app", "web\n1", "in the dyno"),
    LogRecord(TS, "app", "web.1", "plain"),
]
FRAME_LINE = re.compile(rb"\d+ <\d+>1 \S+ \S+ \S+ \S+ - ")


def assert_one_line_per_frame(raw: bytes) -> None:
    lines = raw.split(b"\n")
    assert lines[-1] == b""
    for line in lines[:-1]:
        assert FRAME_LINE.match(line), line
        assert b"\r" not in line
    assert len(lines) - 1 == len(SMUGGLERS)
    assert not any(line.startswith(b"SET ") for line in re.split(rb"[\r\n]", raw))


async def test_syslog_drain_gets_one_line_per_message(tmp_path):
    async with forwarding(tmp_path) as f, SyslogReceiver() as rx:
        await f.add_drain(rx.url())
        await f.commit("myapp", SMUGGLERS)
        frames = await rx.wait_frames(len(SMUGGLERS))
        raw = bytes(rx.raw)
    assert_one_line_per_frame(raw)
    assert frames[0].message == "hello\\x0d\\x0aSET pwned 1\\x0d\\x0aQUIT"
    assert frames[3].record().dyno == "web\\x0a1"
    assert frames[4].record() == SMUGGLERS[4]  # nothing else changes


async def test_https_drain_body_is_one_line_per_message(tmp_path):
    async with forwarding(tmp_path) as f, HttpReceiver() as rx:
        await f.add_drain(rx.url())
        await f.commit("myapp", SMUGGLERS)
        (req,) = await rx.wait_accepted(1)
    assert_one_line_per_frame(req.body)
    result = parse_logplex_body(req.body)
    assert result.errors == [] and len(result.frames) == len(SMUGGLERS)
    assert req.headers["logplex-msg-count"] == str(len(SMUGGLERS))
