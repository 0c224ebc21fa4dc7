"""Logfmt scanning: values, offsets the UI colours by, and robustness on arbitrary text."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuilogs.core.logfmt import Field, is_logfmt, parse_logfmt

ROUTER = (
    'at=error code=H12 desc="Request timeout" method=GET path=/ host=myapp.herokuapp.com '
    'fwd="204.204.204.204" dyno=web.1 connect= service=30000ms status=503 bytes=0'
)


def pairs(text: str) -> list[tuple[str, str]]:
    return [(f.key, f.value) for f in parse_logfmt(text)]


def test_router_line_values() -> None:
    assert pairs(ROUTER) == [
        ("at", "error"),
        ("code", "H12"),
        ("desc", "Request timeout"),
        ("method", "GET"),
        ("path", "/"),
        ("host", "myapp.herokuapp.com"),
        ("fwd", "204.204.204.204"),
        ("dyno", "web.1"),
        ("connect", ""),
        ("service", "30000ms"),
        ("status", "503"),
        ("bytes", "0"),
    ]


def test_offsets_point_at_key_and_value_as_written() -> None:
    fields = {f.key: f for f in parse_logfmt(ROUTER)}
    desc = fields["desc"]
    assert ROUTER[desc.start : desc.key_end] == "desc"
    assert ROUTER[desc.value_start : desc.value_end] == '"Request timeout"'
    assert ROUTER[desc.start : desc.end] == 'desc="Request timeout"'
    connect = fields["connect"]
    assert connect.value_start == connect.value_end == connect.end
    assert ROUTER[connect.start : connect.end] == "connect="


def test_quoted_values_keep_spaces_and_equals() -> None:
    assert pairs('msg="a=b c=d" x=1') == [("msg", "a=b c=d"), ("x", "1")]


def test_escaped_quotes_and_backslashes_are_unescaped() -> None:
    text = r'a="say \"hi\"" b="back\\slash" c=2'
    assert pairs(text) == [("a", 'say "hi"'), ("b", "back\\slash"), ("c", "2")]
    a = parse_logfmt(text)[0]
    assert text[a.value_start : a.value_end] == r'"say \"hi\""'


def test_unterminated_quote_runs_to_end() -> None:
    assert pairs('a=1 msg="never closed x=2') == [("a", "1"), ("msg", "never closed x=2")]


def test_bare_words_are_skipped() -> None:
    assert pairs("Starting up now x=1 done") == [("x", "1")]
    assert pairs("no pairs here") == []
    assert pairs("") == []


def test_heroku_metrics_keys() -> None:
    text = "source=web.1 dyno=heroku.1.abc sample#memory_total=21.00MB sample#load_avg_1m=0.01"
    assert pairs(text) == [
        ("source", "web.1"),
        ("dyno", "heroku.1.abc"),
        ("sample#memory_total", "21.00MB"),
        ("sample#load_avg_1m", "0.01"),
    ]


def test_unquoted_value_keeps_inner_equals() -> None:
    assert pairs("path=/search?q=a&b=c status=200") == [
        ("path", "/search?q=a&b=c"),
        ("status", "200"),
    ]


def test_key_must_start_a_word() -> None:
    # `x"k=v` is a bare word with a quote in it, not a pair.
    assert pairs('x"k=v y=1') == [("y", "1")]


def test_field_is_frozen_with_slots() -> None:
    f = parse_logfmt("a=1")[0]
    assert f == Field("a", "1", 0, 3, 2, 3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.key = "b"  # type: ignore[misc]
    assert not hasattr(f, "__dict__")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (ROUTER, True),
        ("level=info msg=started", True),
        ("a= b=", True),
        ("GET /?page=2 HTTP/1.1", False),
        ("x=1", False),
        ("Completed 200 OK in 12ms", False),
        ("a == b == c", False),
        ("", False),
    ],
)
def test_is_logfmt(text: str, expected: bool) -> None:
    assert is_logfmt(text) is expected


@given(st.text())
def test_arbitrary_text_never_raises_and_offsets_are_consistent(text: str) -> None:
    fields = parse_logfmt(text)
    assert isinstance(is_logfmt(text), bool)
    previous_end = 0
    for f in fields:
        assert previous_end <= f.start < f.key_end < f.value_start <= f.value_end == f.end
        assert text[f.start : f.key_end] == f.key
        assert text[f.key_end] == "="
        assert f.value_start == f.key_end + 1
        previous_end = f.end
    assert is_logfmt(text) == (len(fields) >= 2)


_keys = st.from_regex(r"[a-z][a-z0-9_.#]{0,10}", fullmatch=True)
_values = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)


def _quote(value: str) -> str:
    if value and not any(c.isspace() or c in '"\\' for c in value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@given(st.lists(st.tuples(_keys, _values), max_size=8))
def test_round_trip(items: list[tuple[str, str]]) -> None:
    text = " ".join(f"{k}={_quote(v)}" for k, v in items)
    assert pairs(text) == items
