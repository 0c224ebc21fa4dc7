"""Where one frame ends and the next begins: the check after a frame's LF, and the stream
parser's size limit at exactly `max_frame` bytes.

A count that stops at a line break inside a message leaves text that is not a frame, even when
it starts with digits and a space like a count would ("7 apples"): it is kept whole, as a raw
line, and the error names its offset.
"""

from tuilogs.core.frames import format_frame
from tuilogs.core.octet_counting import OctetStreamParser, parse_logplex_body
from tuilogs.core.record import LogRecord

TS = "2012-11-30T06:45:29+00:00"


def rec(msg: str) -> LogRecord:
    return LogRecord(TS, "app", "web.1", msg)


def counted(payload: bytes, count: int | None = None) -> bytes:
    return b"%d %b" % (len(payload) if count is None else count, payload)


def test_text_after_a_frames_lf_must_be_a_frame_to_be_read_as_one():
    payload = f"<190>1 {TS} host app web.1 - first\n".encode()
    stray = b"7 apples\n"  # digits and a space, as a count: but no `<` follows
    body = counted(payload) + stray + format_frame(rec("next"))
    result = parse_logplex_body(body)
    assert [f.record() for f in result.frames] == [
        rec("first"),
        LogRecord("", "", "", "7 apples"),
        rec("next"),
    ]
    assert result.errors == [
        f"offset {len(counted(payload))}: 9 bytes after a frame start no frame:"
        f" {(stray + format_frame(rec('next')))[:20]!r}"
    ]
    assert result.warnings == []


def test_a_frame_followed_by_a_frame_needs_no_check_to_fail():
    body = format_frame(rec("a")) + format_frame(rec("b"))
    result = parse_logplex_body(body)
    assert [f.message for f in result.frames] == ["a", "b"] and result.errors == []


def frame_of_size(size: int) -> tuple[bytes, str]:
    """An octet-counted frame whose counted part is exactly `size` bytes, and its message."""
    head = f"<190>1 {TS} host app web.1 - ".encode()
    message = "x" * (size - len(head) - 1)
    return counted(head + message.encode() + b"\n"), message


def test_a_frame_of_exactly_max_frame_bytes_is_accepted():
    p = OctetStreamParser(max_frame=200)
    frame, message = frame_of_size(200)
    frames = p.feed(frame + format_frame(rec("after")))
    assert [f.message for f in frames] == [message, "after"]
    assert p.take_errors() == []


def test_a_frame_one_byte_over_max_frame_is_skipped():
    p = OctetStreamParser(max_frame=200)
    frame, _ = frame_of_size(201)
    frames = p.feed(frame + format_frame(rec("after")))
    assert [f.message for f in frames] == ["after"]
    assert p.take_errors() == ["offset 0: frame of 201 bytes exceeds 200; skipped"]


def test_a_line_of_exactly_max_frame_bytes_waits_for_its_lf():
    p = OctetStreamParser(max_frame=100)
    assert p.feed(b"z" * 100) == [] and p.take_errors() == []
    assert [f.message for f in p.feed(b"\n")] == ["z" * 100]


def test_a_line_one_byte_over_max_frame_is_cut_there():
    p = OctetStreamParser(max_frame=100)
    assert [f.message for f in p.feed(b"z" * 101)] == ["z" * 100]
    assert p.take_errors() == ["offset 0: line longer than 100 bytes; cut"]
    assert [f.message for f in p.flush()] == ["z"]
