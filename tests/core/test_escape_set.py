"""Exactly which characters `escape_controls` makes visible, checked over every code point.

C0 controls, DEL, C1 controls, the line and paragraph separators (U+2028, U+2029) and the
bidi embeddings/overrides (U+202A–U+202E) and isolates (U+2066–U+2069) are escaped; a tab becomes spaces; every other character passes unchanged.
"""

import sys

from hypothesis import example, given
from hypothesis import strategies as st

from tuilogs.core import safety
from tuilogs.core.safety import TAB_WIDTH, escape_controls, is_clean

BIDI = [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]
SEPARATORS = [0x2028, 0x2029]


def expected(code: int) -> str:
    """The escape for one code point, from the rule in the module docstring."""
    if code == 0x09:
        return " " * TAB_WIDTH
    if code < 0x20 or 0x7F <= code < 0xA0:
        return f"\\x{code:02x}"
    if code in BIDI or code in SEPARATORS:
        return f"\\u{code:04x}"
    return chr(code)


def test_bidi_isolates_and_overrides_are_escaped():
    for code in BIDI:
        assert escape_controls(f"a{chr(code)}b") == f"a\\u{code:04x}b"


def test_del_and_the_edges_of_the_c0_and_c1_ranges_are_escaped():
    assert escape_controls("\x00\x1f\x7f\x80\x9f") == "\\x00\\x1f\\x7f\\x80\\x9f"
    assert escape_controls("\x20\x7e\xa0") == "\x20\x7e\xa0"


def test_every_code_point_is_escaped_exactly_when_the_rule_says():
    everything = "".join(chr(c) for c in range(sys.maxunicode + 1))
    assert escape_controls(everything) == "".join(map(expected, range(sys.maxunicode + 1)))


def test_the_table_builder_itself_follows_the_rule():
    # Mutation testing forks after import, when the table is already built: check the builder
    # as well as the table it built, so a broken builder cannot hide behind an imported table.
    built = {code: safety._escape(code) for code in safety.CONTROL_CODES}
    assert built == {c: expected(c) for c in range(0x2070) if expected(c) != chr(c)}


@given(st.text())
@example("\u2066isolated\u2069")
@example("\x7f")
def test_clean_text_is_unchanged_and_escaping_twice_changes_nothing(text):
    once = escape_controls(text)
    if is_clean(text):
        assert once == text
    assert escape_controls(once) == once
