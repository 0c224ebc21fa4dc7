"""OR, AND, NOT and parentheses in the search language, checked against a per-line reference.

Random query trees are written as text (with as few parentheses as precedence allows, so the
parser's precedence is what is tested), evaluated in bulk over the sample, and compared with
the same tree evaluated line by line from plain predicates.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tuilogs.core.codes import find_code
from tuilogs.core.fields import message_fields
from tuilogs.core.levels import detect_level
from tuilogs.core.query import QueryError, conjoin, field_query, parse_query
from tuilogs.core.record import dyno_matches

from kit.files import load


def num(value):
    m = re.match(r"[+-]?\d+(\.\d+)?", value or "")
    return float(m.group()) if m else None


def field(r, key):
    return message_fields(r.message).get(key)


def about_dyno(r, name):
    """`dyno:NAME`: the dyno's own lines, and router lines of requests it served."""
    if r.dyno and dyno_matches(r.dyno, name):
        return True
    served = field(r, "dyno") if r.dyno == "router" else None
    return served is not None and dyno_matches(served, name)


ATOMS = {
    "timeout": lambda r, line: "timeout" in line.lower(),
    "H12": lambda r, line: "H12" in line,
    '"Request timeout"': lambda r, line: "request timeout" in line.lower(),
    "/H1[02]/": lambda r, line: re.search("H1[02]", line, re.I) is not None,
    "status>=500": lambda r, line: (num(field(r, "status")) or 0) >= 500,
    "status:4xx": lambda r, line: 400 <= (num(field(r, "status")) or 0) < 500,
    "service>1000": lambda r, line: (num(field(r, "service")) or 0) > 1000,
    "path:/api": lambda r, line: "/api" in (field(r, "path") or "").lower(),
    "method:POST": lambda r, line: (field(r, "method") or "").lower() == "post",
    "level:error": lambda r, line: detect_level(r.message) == "error",
    "level>=warning": lambda r, line: detect_level(r.message) in ("warning", "error", "critical"),
    "code:H12": lambda r, line: "code=H12" in r.message,
    "code:*": lambda r, line: find_code(r.message) is not None,
    "dyno:web": lambda r, line: about_dyno(r, "web"),
    "dyno:web.1": lambda r, line: about_dyno(r, "web.1"),
    "dyno:router": lambda r, line: r.dyno == "router",
    "source:heroku": lambda r, line: r.source == "heroku",
    "dyno=web.1": lambda r, line: (
        field(r, "dyno") is not None and dyno_matches(field(r, "dyno"), "web.1")
    ),
}


def reference(buffer, test) -> list[int]:
    out = []
    for i in range(len(buffer)):
        record = buffer.record(i)
        if test(record, record.line()):
            out.append(i)
    return out


# A tree is an atom's text, ("and", [trees]), ("or", [trees]) or ("not", tree).
trees = st.recursive(
    st.sampled_from(sorted(ATOMS)),
    lambda kids: st.one_of(
        st.tuples(st.sampled_from(["and", "or"]), st.lists(kids, min_size=2, max_size=3)),
        st.tuples(st.just("not"), kids),
    ),
    max_leaves=6,
)


def write(tree, spelled_and: bool = False) -> str:
    """The tree as query text, parenthesised only where precedence needs it."""
    if isinstance(tree, str):
        return tree
    kind, parts = tree
    if kind == "not":
        inner = write(parts, spelled_and)
        return f"-{inner}" if isinstance(parts, str) else f"-({inner})"
    if kind == "or":
        return " OR ".join(write(p, spelled_and) for p in parts)
    texts = [
        f"({write(p, spelled_and)})" if not isinstance(p, str) and p[0] == "or" else write(p)
        for p in parts
    ]
    return (" AND " if spelled_and else " ").join(texts)


def predicate(tree):
    if isinstance(tree, str):
        return ATOMS[tree]
    kind, parts = tree
    if kind == "not":
        inner = predicate(parts)
        return lambda r, line: not inner(r, line)
    tests = [predicate(p) for p in parts]
    if kind == "and":
        return lambda r, line: all(t(r, line) for t in tests)
    return lambda r, line: any(t(r, line) for t in tests)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(tree=trees, spelled_and=st.booleans())
def test_bulk_evaluation_agrees_with_the_reference(sample, tree, spelled_and):
    text = write(tree, spelled_and)
    assert list(parse_query(text).scan(sample)) == reference(sample, predicate(tree)), text


@pytest.mark.parametrize("atom", sorted(ATOMS))
def test_each_atom_agrees_with_the_reference(sample, atom):
    found = list(parse_query(atom).scan(sample))
    assert found == reference(sample, ATOMS[atom])


def test_and_binds_tighter_than_or(sample):
    loose = list(parse_query("dyno:router status>=500 OR level:error").scan(sample))
    grouped = list(parse_query("(dyno:router status>=500) OR level:error").scan(sample))
    other = list(parse_query("dyno:router (status>=500 OR level:error)").scan(sample))
    assert loose == grouped
    assert loose != other  # app lines at level error are in one, not the other


def test_or_unites_field_and_code_terms(sample):
    either = set(parse_query("status>=500 OR code:H12").scan(sample))
    assert either == set(parse_query("status>=500").scan(sample)) | set(
        parse_query("code:H12").scan(sample)
    )


def test_a_negated_group_is_the_rest(sample):
    inside = set(parse_query("path:/health OR path:/static").scan(sample))
    outside = set(parse_query("-(path:/health OR path:/static)").scan(sample))
    assert inside and outside
    assert inside | outside == set(range(len(sample))) and not inside & outside


def test_dyno_takes_the_requests_a_dyno_served(sample):
    # Router lines come from heroku[router]; the dyno that answered is their `dyno=` field.
    slow_on_web1 = list(parse_query("service>1000 dyno:web.1").scan(sample))
    assert slow_on_web1
    for i in slow_on_web1:
        fields = message_fields(sample.record(i).message)
        assert fields["dyno"] == "web.1" and num(fields["service"]) > 1000
    assert slow_on_web1 == list(parse_query("service>1000 dyno=web.1").scan(sample))
    # Its own lines too; `dyno=` alone reads only the field, `-dyno:router` only the header.
    own = [i for i in range(len(sample)) if sample.record(i).dyno == "web.1"]
    assert own and own == list(parse_query("dyno:web.1 -dyno:router").scan(sample))
    served = list(parse_query("dyno=web.1").scan(sample))
    both = list(parse_query("dyno:web.1").scan(sample))
    assert both == sorted(set(own) | {i for i in served if sample.record(i).dyno == "router"})
    # `dyno=web` is a process type, as Heroku's filter reads it: web.1, web.2, web.3.
    found = parse_query("dyno=web").scan(sample)
    web = {message_fields(sample.record(i).message)["dyno"] for i in found}
    assert web == {"web.1", "web.2", "web.3"}


@pytest.mark.parametrize(
    "text, message",
    [
        ("(status>=500", "unclosed ("),
        ("status>=500)", "unmatched )"),
        ("a OR", "OR needs a term on each side"),
        ("OR a", "OR needs a term on each side"),
        ("a OR OR b", "OR needs a term on each side"),
        ("(OR a)", "OR needs a term on each side"),
        ("a AND", "AND needs a term on each side"),
        ("AND a", "AND needs a term on each side"),
        ("()", "empty ( )"),
        ("-()", "empty ( )"),
        ("a (b OR c", "unclosed ("),
    ],
)
def test_invalid_syntax_says_why(text, message):
    with pytest.raises(QueryError, match=re.escape(message)):
        parse_query(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        # Parentheses that are part of a word stay text; lowercase `or` is text.
        ("foo()", ["foo()"]),
        ("or", ["or"]),
        ('"(a OR b)"', ["(a OR b)"]),
        ("/a(b)c/", None),  # a regex, whole
    ],
)
def test_what_stays_text(text, expected):
    from tuilogs.core.terms import RegexTerm, TextTerm

    root = parse_query(text).root
    if expected is None:
        assert isinstance(root, RegexTerm)
    else:
        assert isinstance(root, TextTerm) and [root.text] == expected


def test_highlighter_skips_negated_groups():
    pattern = parse_query("(timeout OR H12) -(crash OR /boot/)").highlighter()
    assert pattern.findall("timeout H12 crash boot") == ["timeout", "H12"]


@pytest.mark.parametrize(
    "key, value",
    [
        ("status", "503"),
        ("path", "/search?q=shoes"),
        ("request_id", "5815a3d5-ccf3-110d-6914-2698e5a8181b"),
        ("msg", "user logged in"),
        ("dyno", "web.2"),
        ("desc", 'say "hi" (twice)'),
    ],
)
def test_field_query_finds_the_lines_with_that_value(tmp_path, key, value):
    quoted = value.replace('"', '\\"')
    lines = [
        f'2026-01-01T00:00:00+00:00 heroku[router]: at=info {key}="{quoted}" status=200',
        f'2026-01-01T00:00:01+00:00 app[web.1]: {{"{key}": "{quoted}", "level": "info"}}',
        "2026-01-01T00:00:02+00:00 app[web.1]: level=info msg=other dyno=worker.1",
    ]
    if key == "status":
        lines[0] = f"2026-01-01T00:00:00+00:00 heroku[router]: at=info status={value}"
        lines[1] = f'2026-01-01T00:00:01+00:00 app[web.1]: {{"status": {value}}}'
    path = tmp_path / "fields.log"
    path.write_text("".join(line + "\n" for line in lines))
    buffer, _feed, producer = load(path)
    try:
        text = field_query(key, value)
        assert list(parse_query(text).scan(buffer)) == [0, 1], text
    finally:
        producer.stop()


def test_field_query_uses_the_field_for_header_names():
    assert field_query("dyno", "web.1") == "dyno=web.1"
    assert field_query("source", "DATABASE") == "source=DATABASE"
    assert field_query("status", "503") == "status:503"
    assert field_query("msg", "a b") == 'msg:"a b"'


def test_conjoin_keeps_an_or_together(sample):
    text = conjoin("status>=500 OR code:H12", "dyno=web.1")
    assert text == "(status>=500 OR code:H12) dyno=web.1"
    both = set(parse_query(text).scan(sample))
    assert both == set(parse_query("status>=500 OR code:H12").scan(sample)) & set(
        parse_query("dyno=web.1").scan(sample)
    )
    assert conjoin("a b", "c") == "a b c"
