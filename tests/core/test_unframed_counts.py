"""An octet count followed by something that is not `<PRI>`.

When the count fits (it ends at the body's end, or where the next frame starts) the counted
bytes are one frame, read as a raw line, and the error quotes their first 20 bytes; when it
does not, everything up to the next frame start is read as lines, the count included.
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


def test_a_count_that_ends_the_body_is_one_frame_without_its_count():
    assert messages_and_errors(b"11 hello world") == (
        ["hello world"],
        ["offset 0: frame does not start with <PRI>: b'hello world'"],
    )


def test_a_count_that_ends_where_a_frame_starts_is_one_frame_quoted_to_20_bytes():
    body = b"26 " + ALPHABET + format_frame(LogRecord(TS, "app", "web.1", "next"))
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
