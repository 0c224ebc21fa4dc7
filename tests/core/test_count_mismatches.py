"""Octet counts that do not match what follows them in a drain body.

A count followed by something that is not `<PRI>`: when the count fits (it ends at the body's
end, or where the next frame starts) the counted bytes are one frame, read as a raw line, and
the error quotes their first 20 bytes; when it does not, everything up to the next frame start
is read as lines, the count included. A count one off (one short of a frame without its LF,
one too many) loses nothing and is a warning, at the body's end too; a count larger than that
stops at the next frame start, which is kept. A frame that ends in LF right before a frame start
is taken, whatever that next frame holds.
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


def frame(message: str, lf: bool = True) -> bytes:
    return format_frame(LogRecord(TS, "app", "web.1", message), lf=lf)


def payload(message: str, lf: bool = True) -> bytes:
    """A frame without its count."""
    return frame(message, lf).split(b" ", 1)[1]


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
    first = payload("first")
    result = parse_logplex_body(b"%d %b" % (len(first) + 1, first))
    assert [f.message for f in result.frames] == ["first"]
    assert result.errors == []
    assert result.warnings == [f"offset 0: octet count {len(first) + 1} one too many at the end"]


def test_counts_one_off_between_frames_are_warnings():
    first = payload("first")
    result = parse_logplex_body(b"%d %b" % (len(first) + 1, first) + frame("second"))
    assert [f.message for f in result.frames] == ["first", "second"]
    assert result.errors == []
    assert result.warnings == [f"offset 0: octet count {len(first) + 1} one too many"]
    first = payload("first", lf=False)
    result = parse_logplex_body(b"%d %b" % (len(first) - 1, first) + frame("second"))
    assert [f.message for f in result.frames] == ["first", "second"]
    assert result.errors == []
    assert result.warnings == [f"offset 0: octet count {len(first) - 1} one short"]


def test_a_count_too_large_stops_at_the_next_frame_start():
    first = payload("first")
    body = b"999 " + first + frame("next")
    assert messages_and_errors(body) == (
        ["first", "next"],
        [f"offset 0: octet count 999 but only {len(body) - 4} bytes follow; took {len(first)}"],
    )


def test_a_frame_ending_in_lf_before_a_frame_start_is_taken_whatever_follows():
    short = b"5 " + payload("second")  # counts `<190>` only: what follows starts no frame
    body = frame("first") + short + frame("third")
    after = len(frame("first")) + len(b"5 <190>")
    assert messages_and_errors(body) == (
        ["first", "", "1 2012-11-30T06:45:29+00:00 host app web.1 - second", "third"],
        [
            f"offset {after}: {len(short) - 7} bytes after a frame start no frame:"
            f" {body[after : after + 20]!r}"
        ],
    )


def test_only_line_breaks_spaces_and_tabs_separate_frames():
    body = frame("a") + b"X" + frame("b")  # any other byte between frames is kept, and named
    after = len(frame("a"))
    assert messages_and_errors(body) == (
        ["a", "X", "b"],
        [f"offset {after}: 1 bytes after a frame start no frame: {body[after : after + 20]!r}"],
    )
    assert messages_and_errors(b"X" + frame("b")) == (
        ["X", "b"],
        [
            f"offset 0: expected an octet count, got {(b'X' + frame('b'))[:20]!r}; read 1 bytes as lines"
        ],
    )
