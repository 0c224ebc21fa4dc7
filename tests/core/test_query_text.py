"""The bulk scan answers for each line what the line's text answers, beyond ASCII too.

The scan reads bytes: text terms find their needle in the bytes (lowered as ASCII for smart
case), regexes run over the bytes of an ASCII chunk and over the decoded text of any other,
field values are read from the bytes. Each rule below was once broken by that: a titlecase
`ǅ` (no capital for smart case) missed a line holding it, `/caf\\W/` found `café` (a bytes `\\W`
takes the first byte of `é`), and the detail view's key filter for `path=C:\\dir` missed its own
line (a quoted value's `\\\\` was kept as two backslashes). Each is replayed through a loaded
buffer as the explorer has it, and the properties try any text on an alert block (`LineBlock`,
the same scan over lines in memory).
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tuilogs.core.batch_match import LineBlock
from tuilogs.core.fields import message_fields
from tuilogs.core.query import field_query, parse_query


def found(buffer, query: str) -> list[int]:
    return list(parse_query(query).scan(buffer))


def block_of(lines: list[str]) -> LineBlock:
    return LineBlock.of_lines([line.encode("utf-8") for line in lines])


# -- text: the needle is lowered as the haystack is -----------------------------------------------


def test_a_titlecase_letter_finds_itself(buffer_of):
    # `ǅ` is no capital (`str.isupper`), so the search ignores case; the haystack is lowered as
    # ASCII, and `str.lower` would have made the needle `ǆ`.
    buffer = buffer_of(["ǅ here", "ǆ here", "Ǆ here", "DŽ spelled out"])
    assert found(buffer, "ǅ") == [0]
    assert found(buffer, '"ǅ here"') == [0]


def test_a_field_value_with_a_titlecase_letter_finds_itself(buffer_of):
    buffer = buffer_of(["name=ǅemal", 'name="ǅemal x"', '{"name": "ǅemal"}', "name=ǆemal"])
    assert found(buffer, "name:ǅemal") == [0, 1, 2]


# Text a message may hold (no line break, no other control character, no lone surrogate), and
# no backslash: a phrase undoes only `\"`, so not all text with one can be written as a phrase.
MESSAGE_TEXT = st.text(
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\\")
    | st.sampled_from("ǅǈǋǲᾈİſK"),
    min_size=1,
)


@given(MESSAGE_TEXT)
@example("ǅ")
@example("ᾈ")  # Greek titlecase, lowered to ᾀ by str.lower
def test_a_phrase_finds_the_line_holding_it(text):
    phrase = '"' + text.replace('"', '\\"') + '"'
    assert found(block_of([f"before {text} after", "\x00"]), phrase) == [0]


# -- regexes: the answer of the text pattern on each line -----------------------------------------


@pytest.mark.parametrize(
    "query, lines",
    [
        ("/caf\\W/", [2]),  # `é` is a word character, `!` is not
        ("/caf\\w/", [0, 1]),  # and `\w` takes all of `é`
        ("/caf.$/", [0, 1, 2]),  # `.` is one character, not one byte
        ("/^\\S+ \\S+ caf.$/", [0, 1, 2]),
        ("/é/", [0, 1]),  # no capital: either case, beyond ASCII too
        ("/É/", [1]),
    ],
)
def test_a_regex_reads_characters_not_bytes(buffer_of, query, lines):
    buffer = buffer_of(["café", "cafÉ", "caf!"])
    assert found(buffer, query) == lines


def test_a_regex_reads_characters_within_a_filter(buffer_of):
    # The lines gathered from a filter: each found line keeps its own number.
    buffer = buffer_of(["café", "x", "caf!", "caf\u00e9 again", "cafe"])
    query = parse_query("/caf\\w/")
    assert list(query.scan_lines(buffer, [1, 2, 3, 4])) == [3, 4]
    assert list(query.scan_lines(buffer, [0, 2, 3])) == [0, 3]


def test_a_regex_space_takes_the_ascii_separators_as_text_does(buffer_of):
    # A str `\s` matches U+001C-U+001F; a bytes one does not, so such a chunk is read as text.
    buffer = buffer_of(["a\x1cb", "a b", "ab"])
    assert found(buffer, "/a\\sb/") == [0, 1]


@pytest.mark.parametrize("block", [["xq", "yq", "zq"], ["éq", "yq", "zq"]])
def test_a_match_past_the_line_end_is_confirmed_on_the_whole_line(block):
    # `\s?` takes each line break in bulk; the line alone, from its first character, matches.
    assert found(block_of(block), "/^.q\\s?/") == [0, 1, 2]
    assert found(block_of(block), "/^q\\s?/") == []


@pytest.mark.parametrize("last", ["ok", "é"])
@pytest.mark.parametrize(
    "query, lines",
    [
        ("/x(?=\\s)/", [1]),  # the line break after `ax` is not in the line
        ("/(?<=\\s)x/", [2]),  # nor the one before `x y`
        ("/\\Ax/", [1]),  # every line has a start and an end of its own
        ("/x\\Z/", [0, 2]),
        ("/a[^y]*+$/", [0]),  # possessive: `ax` ends in the line, whatever follows
        ("/(?>x\\s*)$/", [0, 2]),
    ],
)
def test_a_regex_that_sees_past_its_line_is_tried_on_the_line_alone(query, lines, last):
    assert found(block_of(["ax", "x y", "b x", "y", last]), query) == lines


def test_a_regex_beyond_ascii_reads_ascii_text_as_text(buffer_of):
    # Ignoring case, `ſ` (long s) is `s` and the Kelvin sign `K` is `k` to a str pattern.
    buffer = buffer_of(["status", "kelvin", "none"])
    assert found(buffer, "/ſtatus/") == [0]
    assert found(buffer, "/\u212aelvin/") == []  # the Kelvin sign is a capital: case counts
    assert found(buffer, "/(?i)\u212aelvin/") == [1]


LINE_TEXT = st.text(st.sampled_from("aAbé É!.\x1c-ǅ€😀\\"), max_size=8)
PATTERNS = [
    "\\W", "\\w", "\\s", "\\S", ".", "^.$", "^..$", "é", "É", "a\\W", "\\wb", "[^a]", "^\\w+$",
    "a\\s", "\\bb", "b\\b", "ǅ", "(?i)ǆ", "[é-ǅ]", "😀", ".😀", "\\\\", "A.", "\\d*$", "é+$",
    # past the line's end in bulk: `\s?` takes the LF, a look-around or an anchor sees past it
    "b\\s?", "^.b\\s?", "(?<=\\s)b", "b(?=\\s)", "(?<!a)b", "\\Ab", "b\\Z", "a[^x]*+$", "(?>a\\s*)$",
]  # fmt: skip


@given(st.lists(LINE_TEXT, min_size=1, max_size=6), st.sampled_from(PATTERNS))
@example(["café", "cafe!"], "caf\\W")
@example(["a\x1cb"], "a\\s")
def test_a_regex_finds_the_lines_its_text_pattern_finds(lines, source):
    pattern = re.compile(source, 0 if any(c.isupper() for c in source) else re.IGNORECASE)
    want = [i for i, line in enumerate(lines) if pattern.search(line)]
    assert found(block_of(lines), f"/{source}/") == want


# -- field values: compared as the detail view shows them -----------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        "at=info path=C:\\dir",  # bare: as written
        'at=info path="C:\\\\dir"',  # quoted: the backslash escaped
        '{"path": "C:\\\\dir"}',  # JSON, escaped as well
        'at=info path="C:\\dir"',  # quoted, `\d` is no escape: kept
    ],
)
def test_a_key_filter_finds_the_line_it_came_from(buffer_of, message):
    buffer = buffer_of([message, "path=C:/dir", "path=D:\\dir"])
    assert message_fields(message)["path"] == "C:\\dir"  # what the detail view shows
    query = field_query("path", "C:\\dir")
    assert found(buffer, query) == [0]
    assert found(buffer, "path:C:\\dir") == [0]  # typed as the value shows
    assert found(buffer, 'path:"C:\\dir"') == [0]


def test_a_quoted_value_undoes_its_escapes_once(buffer_of):
    messages = [
        'at=info k="a\\\\\\"b"',
        'at=info k="a\\\\b"',
        "at=info k=a\\\\b",
        'at=info k="a\\"b"',
    ]
    assert [message_fields(m)["k"] for m in messages] == ['a\\"b', "a\\b", "a\\\\b", 'a"b']
    buffer = buffer_of(messages)
    assert found(buffer, 'k:"a\\\\\\"b"') == [0]  # a\"b
    assert found(buffer, 'k:"a\\\\b"') == [1]  # a\b: not the bare a\\b, whose value is that
    assert found(buffer, "k:a\\\\b") == [2]
    assert found(buffer, 'k:"a\\"b"') == [3]


KEY_VALUE = st.text(st.sampled_from('aZé ǅ\\"/:x'), min_size=1, max_size=8)


@given(KEY_VALUE, st.sampled_from(["bare", "quoted", "json"]))
@example("C:\\dir", "bare")
@example('a\\"b', "quoted")
def test_a_key_filter_finds_its_line_whatever_the_value(value, form):
    if form == "bare":
        if re.search(r'\s|^"', value):
            return  # a bare logfmt value holds no space and does not start a quote
        message = f"at=info key={value}"
    elif form == "quoted":
        message = 'at=info key="' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    else:
        message = json.dumps({"key": value}, ensure_ascii=False)
    shown = message_fields(message)["key"]
    assert shown == value
    assert found(block_of([message, "key=other"]), field_query("key", shown)) == [0]
