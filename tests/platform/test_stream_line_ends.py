"""The ends of lines and events: a plain stream's last line without a line break is still a
line, with its own trailing spaces, and a lone CR (half a CRLF) ends it; an SSE event's id is
remembered only from an `id` field (with or without the space after the colon, never one
holding NUL), and an event cut short at the end is dropped."""

from tuilogs.platform.stream import LineParser, SSEParser


def test_the_last_line_without_a_break_is_kept_as_it_is():
    p = LineParser()
    assert p.feed("a\nb  ") == ["a"]
    assert p.flush() == ["b  "] and p.flush() == []


def test_a_trailing_cr_ends_the_last_line():
    p = LineParser()
    assert p.feed("X\r") == []  # the CR may be half of a CRLF: wait
    assert p.flush() == ["X"] and p.flush() == []
    q = LineParser()
    assert q.feed("\r") == [] and q.flush() == []


def test_sse_drops_an_event_cut_short_at_the_end():
    p = SSEParser()
    assert p.feed("id: 3\ndata: whole\n\nid: 4\ndata: cut") == ["whole"]
    assert p.flush() == [] and p.last_id == "3"


def test_sse_ids_come_only_from_id_fields():
    p = SSEParser()
    assert p.feed(":\n: keepalive\ndata: a\n\n") == ["a"] and p.last_id is None
    assert p.feed("id:5\nevent: log\ndata: b\n\n") == ["b"] and p.last_id == "5"
    assert p.feed("id: x\0y\ndata: c\n\n") == ["c"] and p.last_id == "5"
    assert p.feed("retry: 10\ndata\n\n") == [""] and p.last_id == "5"


def test_a_last_line_of_spaces_is_a_line():
    p = LineParser()
    assert p.feed("  ") == [] and p.flush() == ["  "]
