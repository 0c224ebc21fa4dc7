"""Octet counts that do not match what follows them in a drain body.

A count followed by something that is not `<PRI>`: when the count fits (it ends at the body's
end, or where the next frame starts) the counted bytes are one frame, read as a raw line, and
the error quotes their first 20 bytes; when it does not, everything up to the next frame start
is read as lines, the count included. A count one too many at the body's end loses nothing and
is a warning; a count larger than that stops at the next frame start, which is kept.
"""

from tuilogs.core.frames import format_frame
from tuilogs.core.octet_counting import parse_logplex_body
from tuilogs.core.record import LogRecord

TS = "2012-11-30T06:45:29+00:00"
ALPHABET = b"abcdefghijklmnopqrstuvwxyz"  # longer than the 20 bytes an error quotes


def messages_and_errors(body: bytes) -> tuple[list[str], list[str]]:
    result = parse_logplex_body(body)
    assert result.warnings == []
    return [f.message for f in result.frames], result.errors


def frame(message: str) -> bytes:
    return format_frame(LogRecord(TS, "app", "web.1", message))


def test_a_count_that_ends_the_body_is_one_frame_without_its_count():
    assert messages_and_errors(b"11 hello world") == (
        ["hello world"],
        ["offset 0: frame does not start with <PRI>: b'hello world'"],
    )


def test_a_count_that_ends_where_a_frame_starts_is_one_frame_quoted_to_20_bytes():
    body = b"26 " + ALPHABET + frame("next")
    assert messages_and_errors(body) == (
        [ALPHABET.decode(), "next"],
        ["offset 0: frame does not start with <PRI>: b'abcdefghijklmnopqrst'"],
    )


def test_a_count_that_fits_nothing_is_read_as_lines_quoted_to_20_bytes():
    assert messages_and_errors(b"5 " + ALPHABET) == (
        ["5 " + ALPHABET.decode()],
        [
            "offset 0: frame does not start with <PRI>: b'abcdefghijklmnopqrst';"
            " read 28 bytes as lines"
        ],
    )


def test_a_count_one_too_many_at_the_end_is_a_warning():
    payload = frame("first").split(b" ", 1)[1]
    result = parse_logplex_body(b"%d %b" % (len(payload) + 1, payload))
    assert [f.message for f in result.frames] == ["first"]
    assert result.errors == []
    assert result.warnings == [f"offset 0: octet count {len(payload) + 1} one too many at the end"]


def test_a_count_too_large_stops_at_the_next_frame_start():
    payload = frame("first").split(b" ", 1)[1]
    body = b"999 " + payload + frame("next")
    assert messages_and_errors(body) == (
        ["first", "next"],
        [f"offset 0: octet count 999 but only {len(body) - 4} bytes follow; took {len(payload)}"],
    )
