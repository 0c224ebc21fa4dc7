"""The end of a plain-text log stream: a last line without a line break is still a line, with
its own trailing spaces; a lone CR (half a CRLF) ends it; flushing twice gives nothing twice."""

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
