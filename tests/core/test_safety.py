"""Log messages are untrusted: no control sequence reaches the terminal raw."""

from hypothesis import given
from hypothesis import strategies as st

from tuilogs.core.safety import CONTROL_RUN_RE, escape_controls


def test_title_and_clear_sequences_are_escaped():
    out = escape_controls("x\x1b]0;pwned\x07 \x1b[2J y")
    assert "\x1b" not in out and "\x07" not in out
    assert out == "x\\x1b]0;pwned\\x07 \\x1b[2J y"


def test_c1_and_bidi_controls_are_escaped():
    assert escape_controls("\x9b31m") == "\\x9b31m"
    assert escape_controls("abc\u202edef") == "abc\\u202edef"


def test_tabs_become_spaces_and_text_is_kept():
    assert escape_controls("a\tb ünïcode ✓") == "a    b ünïcode ✓"


@given(st.text())
def test_nothing_unprintable_survives(text):
    out = escape_controls(text)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in out)


def test_the_runs_the_pane_styles_are_what_escape_controls_escapes():
    """The log pane finds escapes with CONTROL_RUN_RE; print mode uses escape_controls."""
    for code in range(0x3000):
        ch = chr(code)
        escaped = escape_controls(ch) != ch
        assert escaped == (ch == "\t" or CONTROL_RUN_RE.fullmatch(ch) is not None), hex(code)


def test_line_and_paragraph_separators_are_escaped():
    assert escape_controls("a\u2028b\u2029c") == "a\\u2028b\\u2029c"


def test_line_breaks_read_the_same_escaped_for_the_wire_and_for_the_terminal():
    """`record.one_line` escapes line breaks for streams and files; on a terminal the same
    characters must read the same, whichever of the two escaped them first."""
    from tuilogs.core.record import LINE_BREAKS, one_line

    for ch in LINE_BREAKS:
        assert escape_controls(ch) == one_line(ch), hex(ord(ch))
        assert escape_controls(one_line(ch)) == one_line(ch)
