"""The search language on the inputs that tell its rules apart from near misses.

A regex match that runs past its line's end is confirmed on that line alone (not on the line
before it, nor on nothing); a field value counts as quoted only when a quote opens and closes
it; a highlighter marks exactly the terms that are not negated, whatever the tree's root; the
detail view's key filter finds the line its value came from; and a search within a filter
reads origins of any id a buffer gives (up to 65,535).
"""

from __future__ import annotations

import pytest

from tuilogs.core.query import field_query, parse_query


def found(buffer, query: str) -> list[int]:
    return list(parse_query(query).scan(buffer))


def test_a_case_sensitive_regex_may_repeat(buffer_of):
    buffer = buffer_of(["code=H12 desc=timeout", "code=h12", "no code"])
    assert found(buffer, "/H\\d+/") == [0]
    assert found(buffer, "/h\\d+/") == [0, 1]


def test_a_match_past_the_line_end_is_confirmed_on_its_own_line(buffer_of):
    # `a\s` matches each `a` and the line break after it, in bulk; no line holds `a` and a
    # space, and the line before (which ends in `a` too) must not lend it one.
    buffer = buffer_of(["xa", "ya", "za"])
    assert found(buffer, "/a\\s/") == []
    # `q\s?` takes the line break in bulk, and each line matches it on its own.
    buffer = buffer_of(["xq", "yq", "zq"])
    assert found(buffer, "/q\\s?/") == [0, 1, 2]


@pytest.mark.parametrize(
    "query, lines",
    [
        ("msg:ab", [0]),  # a trailing quote alone does not make a quoted value
        ("msg:b", [0]),
        ('msg:"\\""', [0, 1]),  # a lone quote is the value itself; `""` is the empty value
        ('msg:"\\"\\""', []),
        ("msg:x", [3]),  # `"x"` is x quoted
        ('msg:"\\"x"', []),
    ],
)
def test_a_value_is_quoted_only_between_two_quotes(buffer_of, query, lines):
    buffer = buffer_of(['msg=ab"', 'msg="', 'msg=""', 'msg="x"'])
    assert found(buffer, query) == lines


@pytest.mark.parametrize(
    "text, marked",
    [
        ("", None),
        ("-timeout", None),
        ("timeout OR crash", ["timeout", "crash"]),
        ("-(-timeout)", ["timeout"]),
        ("-(-(timeout OR crash))", ["timeout", "crash"]),
        ("-(timeout OR -crash)", ["crash"]),
    ],
)
def test_the_highlighter_marks_the_terms_not_negated_whatever_the_root(text, marked):
    pattern = parse_query(text).highlighter()
    if marked is None:
        assert pattern is None
    else:
        assert pattern.findall("timeout and crash") == marked


def test_a_key_filter_for_a_key_that_is_no_name_is_text(buffer_of):
    text = field_query("a b", 'x "y"')
    assert text == '"a b=x \\"y\\""'
    buffer = buffer_of(['a b=x "y" here', "a b=x y"])
    assert found(buffer, text) == [0]


def test_a_key_filter_keeps_a_quoted_values_backslashes(buffer_of):
    # The detail view shows `C:\dir x`; logfmt and JSON write it with the backslash escaped.
    assert field_query("path", "C:\\dir x") == 'path:"C:\\\\dir x"'
    buffer = buffer_of(['at=info path="C:\\\\dir x"', '{"path": "C:\\\\dir x"}', "path=C:/dir"])
    assert found(buffer, field_query("path", "C:\\dir x")) == [0, 1]


def test_a_search_within_a_filter_reads_origin_ids_past_32767(buffer_of):
    # Each line its own dyno: some origin ids do not fit a signed 16-bit number.
    n = 32_800
    buffer = buffer_of([f"line {i}" for i in range(n)], [f"app[web.{i}]" for i in range(n)])
    high = [i for i in range(n) if buffer.keys[i] > 32_767]
    assert high
    wanted = [5, *high]
    assert list(parse_query("source:app").scan_lines(buffer, wanted)) == wanted
    last = high[-1]
    assert list(parse_query(f"dyno:web.{last}").scan_lines(buffer, wanted)) == [last]


def test_a_level_is_read_from_the_whole_line(buffer_of):
    # `ERRORX` is no level word; the line is parsed as it is, only its line break dropped.
    buffer = buffer_of(["ERRORX", "ERROR", "level=errorX", "level=error"])
    assert found(buffer, "level:error") == [1, 3]


def test_a_negation_inside_an_or_stays_within_the_and_around_it(buffer_of):
    # The OR is asked only about the lines `x` left; `-z` must not answer with others.
    buffer = buffer_of(["x", "y", "x z", "x q"])
    assert found(buffer, "x (q OR -z)") == [0, 3]
    assert found(buffer, "x -(z OR -q)") == [3]


@pytest.mark.parametrize(
    "query, lines",
    [
        ("code:*", [0, 2]),  # a code-shaped word is not a code the router or runtime reports
        ("code:H12", [0]),
        ("code:R14", [2]),
        ("code!=H12", [1, 2, 3]),
    ],
)
def test_an_error_code_is_one_reported_not_one_mentioned(buffer_of, query, lines):
    buffer = buffer_of(
        ["at=error code=H12 desc=x", "see H12 in the docs", "Error R14 (Memory quota exceeded)",
         "code=H98 is not documented"]
    )  # fmt: skip
    assert found(buffer, query) == lines


@pytest.mark.parametrize(
    "query, lines",
    [
        ("dyno=web.1", [0, 2]),  # as Heroku's dyno filter reads it: not web.10
        ("dyno=web", [0, 1, 2]),
        ("dyno!=web.1", [1, 3, 4]),
        ("dyno=Xray.1", [3, 4]),  # quotes removed, and nothing else
        ("dyno:web.1", [0, 2]),  # the router lines of the requests web.1 served
    ],
)
def test_the_routers_dyno_field_compares_as_a_dyno(buffer_of, query, lines):
    messages = ["at=info dyno=web.1", "at=info dyno=web.10", 'at=info dyno="web.1"']
    messages += ["at=info dyno=Xray.1", 'at=info dyno="Xray.1"']
    buffer = buffer_of(messages, ["heroku[router]"] * len(messages))
    assert found(buffer, query) == lines


def test_a_quoted_value_still_being_typed_is_the_value_so_far(buffer_of):
    buffer = buffer_of(["k=ab", "k=bc", "k=abc", "k=abcd"])
    assert found(buffer, 'k:"abc') == [2, 3]
    assert found(buffer, '"bc') == [1, 2, 3]  # a phrase too
