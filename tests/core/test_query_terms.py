"""Every kind of search term, on crafted lines, across buffer chunks and sub-ranges.

The same block of lines sits at the start and at the end of a buffer larger than one scan
chunk (a megabyte), with filler lines between: each query must find the same lines in both
blocks, the filler only when it should, and the same lines again when the scan covers a range
that starts and ends inside the buffer.
"""

import re

import pytest

from tuilogs.core.buffer import CHUNK_BYTES
from tuilogs.core.query import QueryError, parse_query

from kit.files import load

TS = "2026-11-23T19:04:05.000001+00:00"
BLOCK = [
    "app[web.1]: GET /api/users status=200 service=12ms",
    "app[web.2]: Request Timeout after 30s",
    'heroku[router]: at=error code=H12 desc="Request timeout" method=GET path="/api/x"'
    " status=503 service=30001ms",
    'app[worker.1]: {"level": "error", "status": 500, "path": "/jobs"}',
    'app[web.1]: level=warn msg="slow \\"quoted\\" thing" user_id=42',
    "app[web.10]: ERROR something failed",
    "heroku[web.1]: State changed from up to crashed",
    "app[run.1234]: xstatus=500 not a status field",
    "app[web.1]: status=404 path=/API/v2",
    "app[api]: Deploy abc by user@example.com",
    "app[web.2]: multi: timeout and TIMEOUT and timeout",
    "heroku[router]: at=info code=H10 status=200",
    "app[web.1]: debug: trace id=7",
    "app[web.2]: critical: disk full url=http://example.com/x",
    'app[web.1]: notice: hello "world"',
    "error: a raw line, no header, that ends in err",
    'app[web.3]: {"status": "502", "service": "7"}',
]
FILLER = 20_000  # lines of `app[clock.1]: tick N`
N = len(BLOCK)


@pytest.fixture(scope="module")
def buffer(tmp_path_factory):
    block = [b if b.startswith("error: ") else f"{TS} {b}" for b in BLOCK]
    lines = block + [f"{TS} app[clock.1]: tick {i}" for i in range(FILLER)] + block
    path = tmp_path_factory.mktemp("terms") / "terms.log"
    path.write_text("\n".join(lines) + "\n")
    assert path.stat().st_size > CHUNK_BYTES  # the scan reads it in more than one chunk
    buffer, _feed, producer = load(path)
    yield buffer
    producer.stop()


CASES = [
    # (query, lines of the block it matches, whether the filler matches)
    ("timeout", [1, 2, 10], False),
    ("Timeout", [1], False),
    ("TIMEOUT", [10], False),
    ("-timeout", [0, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16], True),
    ('"Request timeout"', [2], False),
    ('"hello \\"world\\""', [14], False),
    ("/H1[02]/", [2, 11], False),
    ("/h1[02]/", [2, 11], False),
    ("-/H1[02]/", [0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16], True),
    ("/timeout$/", [10], False),
    ("/^x/", [], False),
    ("/ab c/", [], False),
    ("/Request Timeout after/", [1], False),
    ("/30s\\s2026/", [], False),  # matches across a line break in bulk: not a line's match
    ("/^2026.*timeout$/", [10], False),
    ("/q*/", list(range(N)), True),  # can match nothing: every line (once, and it ends)
    ("status:500", [3], False),
    ("status:200", [0, 11], False),
    ("status!=200", [2, 3, 8, 16], False),
    ("-status:200", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16], True),
    ("status:5xx", [2, 3, 16], False),
    ("status:5XX", [2, 3, 16], False),
    ("status!=5xx", [0, 8, 11], False),
    ("status:4xx", [8], False),
    ("status=404", [8], False),
    ("path:/api", [2, 8], False),
    ("path:/API", [2, 8], False),
    ("path:jobs", [3], False),
    ("user_id:42", [4], False),
    ("url:http://example", [13], False),
    ("msg:quoted", [4], False),
    ("id=7", [12], False),
    ("level:error", [2, 3, 5, 15], False),
    ("level=err", [2, 3, 5, 15], False),
    ("level!=error", [4, 11, 12, 13, 14], False),
    ("level:warn", [4], False),
    ("level:WARNING", [4], False),
    ("level:crit", [13], False),
    ("level:fatal", [13], False),
    ("level>notice", [2, 3, 4, 5, 13, 15], False),
    ("level<info", [12], False),
    ("level<=debug", [12], False),
    ("-level:error", [0, 1, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16], True),
    ("code:H12", [2], False),
    ("code:h10", [11], False),
    ("code!=H12", [0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], True),
    ("-code:H12", [0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], True),
    ("dyno:web", [0, 1, 4, 5, 6, 8, 10, 12, 13, 14, 16], False),
    ("dyno:web.1", [0, 4, 6, 8, 12, 14], False),
    ("-dyno:web", [2, 3, 7, 9, 11, 15], True),
    ("-dyno:web", [2, 3, 7, 9, 11, 15], True),
    ("source:heroku", [2, 6, 11], False),
    ("source:heroku", [2, 6, 11], False),
    ("-source:app", [2, 6, 11, 15], False),
    ("timeout -dyno:web", [2], False),
    ("status>=500 source:heroku", [2], False),
    ("timeout level:error", [2], False),
    ("timeout Request", [1, 2], False),  # every positive term narrows the candidates
    ("/t\\s/", [0, 1, 2, 7, 10, 15], False),  # also matches across line ends, in bulk
    ("/^2026/", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16], True),
    ("2026", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16], True),
    ("x", [2, 7, 9, 13], False),
    ("-x", [0, 1, 3, 4, 5, 6, 8, 10, 11, 12, 14, 15, 16], True),
    ("service>=1000ms", [2], False),
    ("service<=12ms", [0, 16], False),
    ("status=5xx", [2, 3, 16], False),
    ("tick", [], True),
    ("-tick", list(range(N)), False),
]


def expected(block: list[int], filler: bool) -> list[int]:
    middle = list(range(N, N + FILLER)) if filler else []
    return block + middle + [N + FILLER + i for i in block]


@pytest.mark.parametrize("query, block, filler", CASES)
def test_terms_find_their_lines_in_every_chunk(buffer, query, block, filler):
    assert list(parse_query(query).scan(buffer)) == expected(block, filler)


@pytest.mark.parametrize("query, block, filler", CASES)
def test_a_range_finds_the_same_lines_as_the_whole(buffer, query, block, filler):
    lo, hi = 3, N + FILLER + 5
    want = [i for i in expected(block, filler) if lo <= i < hi]
    assert list(parse_query(query).scan(buffer, lo, hi)) == want
    assert list(parse_query(query).scan(buffer, hi, lo)) == []


def test_the_last_line_needs_no_line_break(tmp_path):
    path = tmp_path / "nolf.log"
    path.write_bytes(b"first timeout\nlast timeout")
    buffer, _feed, producer = load(path)
    try:
        for query, lines in [("timeout", [0, 1]), ("/timeout$/", [0, 1]), ("-first", [1])]:
            assert list(parse_query(query).scan(buffer)) == lines, query
    finally:
        producer.stop()


def test_scan_results_are_unsigned_line_indexes(buffer):
    assert parse_query("timeout").scan(buffer).typecode == "I"


@pytest.mark.parametrize(
    "text, message",
    [
        ("dyno>web", "> needs a number, got 'web'"),  # `dyno=`/`>`: the router's field
        ("source<=x", "<= needs a number, got 'x'"),
        (
            "level:loud",
            "unknown level 'loud' (one of debug, info, notice, warning, error, critical)",
        ),
        ("code:X1", "error codes look like H12, R14 or L10 (or * for any), not 'X1'"),
        ("status>=abc", ">= needs a number, got 'abc'"),
        ("status<x5", "< needs a number, got 'x5'"),
        ("status>5x5", "> needs a number, got '5x5'"),
        ("/[a/", "invalid regex /[a/: unterminated character set at position 0"),
        # half-typed queries say what is missing
        ("()", "empty ( )"),
        ("(timeout", "unclosed ( — add a )"),
        ("(", "unclosed ( — add a )"),  # once "empty ( )": nothing was closed
        ("timeout (", "unclosed ( — add a )"),
        ("-(", "unclosed ( — add a )"),
        ("(timeout OR (", "unclosed ( — add a )"),
        (")", "unmatched ) — remove it, or quote text that has one"),
        (") timeout", "unmatched ) — remove it, or quote text that has one"),
        ("timeout)", "unmatched ) — remove it, or quote text that has one"),
        ("status>", "status> needs a number (e.g. status>500)"),  # half typed: not text
        ("status>=", "status>= needs a number (e.g. status>=500)"),
        ("status<", "status< needs a number (e.g. status<500)"),
        ("status<=", "status<= needs a number (e.g. status<=500)"),
        ("timeout OR", "OR needs a term on each side"),
        ("timeout OR )", "OR needs a term on each side"),
        ("(timeout OR)", "OR needs a term on each side"),
        ("timeout OR OR crash", "OR needs a term on each side"),
        ("OR crash", "OR needs a term on each side"),
        ("timeout OR AND crash", "OR needs a term on each side"),
        ("AND crash", "AND needs a term on each side"),
        ("(timeout AND)", "AND needs a term on each side"),
        ("timeout AND OR crash", "AND needs a term on each side"),
        ("timeout AND AND crash", "AND needs a term on each side"),
    ],
)
def test_bad_queries_say_exactly_why(text, message):
    with pytest.raises(QueryError) as raised:
        parse_query(text)
    assert str(raised.value) == message


def test_highlighter_marks_positive_text_and_regexes_with_their_case():
    pattern = parse_query('timeout /H1\\d/ "Request Timeout" -skip status:500').highlighter()
    assert pattern.findall("TIMEOUT h12 H12 Request Timeout request timeout skip") == [
        "TIMEOUT",
        "H12",
        "Request Timeout",
        "timeout",
    ]
    assert parse_query("-timeout status:500").highlighter() is None
    assert re.compile(parse_query("timeout").highlighter().pattern).search("TimeOut")


def describe(term, negate: bool = False) -> tuple:
    """A term as the tuple of what it is and what it holds (`negate`: under a NOT)."""
    name = type(term).__name__
    if name == "TextTerm":
        return (name, term.text, negate, term.case)
    if name == "RegexTerm":
        return (name, term.pattern.pattern, negate, bool(term.pattern.flags & re.I))
    if name == "FieldTerm":
        return (name, term.key, term.op, term.value, negate, term.numeric)
    if name == "OriginTerm":
        return (name, term.kind, term.value, negate)
    if name == "LevelTerm":
        return (name, tuple(sorted(term.ranks)), negate)
    if name == "CodeTerm":
        return (name, term.code, negate)
    return (name, negate)


def described(node, negate: bool = False) -> list[tuple]:
    """The query tree's terms, an AND's parts flattened (in the order they run: cheap first)."""
    name = type(node).__name__
    if node is None:
        return []
    if name == "And":
        return [d for part in (*node.positive, *node.negative) for d in described(part, negate)]
    if name == "Not":
        return described(node.inner, not negate)
    if name == "Or":
        return [("Or", negate, sorted(d for part in node.parts for d in described(part)))]
    return [describe(node, negate)]


@pytest.mark.parametrize(
    "text, terms",
    [
        ("timeout", [("TextTerm", "timeout", False, False)]),
        ("-timeout", [("TextTerm", "timeout", True, False)]),
        ("-", [("TextTerm", "-", False, True)]),
        ("-x", [("TextTerm", "x", True, False)]),
        ('"Request timeout"', [("TextTerm", "Request timeout", False, True)]),
        ('"unclosed phrase', [("TextTerm", "unclosed phrase", False, False)]),
        ('"', []),
        ('""', []),
        ('"say \\"hi\\" now"', [("TextTerm", 'say "hi" now', False, False)]),
        ('"a" b', [("TextTerm", "a", False, False), ("TextTerm", "b", False, False)]),
        ("/H1[02]/", [("RegexTerm", "H1[02]", False, False)]),
        ("-/h1[02]/", [("RegexTerm", "h1[02]", True, True)]),
        ("/a b/", [("RegexTerm", "a b", False, True)]),
        ("  /a b/  ", [("RegexTerm", "a b", False, True)]),
        ("/x/ y", [("RegexTerm", "x", False, True), ("TextTerm", "y", False, False)]),
        ("/ab", [("TextTerm", "/ab", False, False)]),
        ("//", [("TextTerm", "//", False, True)]),
        ("/ /", [("RegexTerm", " ", False, True)]),
        ("status:500", [("FieldTerm", "status", ":", "500", False, True)]),
        ("status!=200", [("FieldTerm", "status", "!=", "200", False, True)]),
        ("-status:200", [("FieldTerm", "status", ":", "200", True, True)]),
        ("status:5xx", [("FieldTerm", "status", ":", "5xx", False, True)]),
        ("status:6xx", [("FieldTerm", "status", ":", "6xx", False, False)]),
        ("path:/api", [("FieldTerm", "path", ":", "/api", False, False)]),
        ("service<1000ms", [("FieldTerm", "service", "<", "1000ms", False, True)]),
        ("url:http://x", [("FieldTerm", "url", ":", "http://x", False, False)]),
        ("https://example.com", [("TextTerm", "https://example.com", False, False)]),
        ("status:", [("TextTerm", "status:", False, False)]),
        (  # Heroku's dyno, or a router line of a request that dyno served
            "dyno:web",
            [
                (
                    "Or",
                    False,
                    [
                        ("FieldTerm", "dyno", "=", "web", False, False),
                        ("OriginTerm", "dyno", "router", False),
                        ("OriginTerm", "dyno", "web", False),
                    ],
                )
            ],
        ),
        ("Dyno=web.1", [("FieldTerm", "Dyno", "=", "web.1", False, False)]),  # the router's
        ("dyno!=web", [("FieldTerm", "dyno", "!=", "web", False, False)]),
        ("-dyno!=web", [("FieldTerm", "dyno", "!=", "web", True, False)]),
        ("-source:app", [("OriginTerm", "source", "app", True)]),
        ("level:warn", [("LevelTerm", (3,), False)]),
        ("-level:warn", [("LevelTerm", (3,), True)]),
        ("level>=error", [("LevelTerm", (4, 5), False)]),
        ("level<info", [("LevelTerm", (0,), False)]),
        ("level!=debug", [("LevelTerm", (1, 2, 3, 4, 5), False)]),
        ("code:h12", [("CodeTerm", "H12", False)]),
        ("code:*", [("CodeTerm", None, False)]),
        ("code!=H12", [("CodeTerm", "H12", True)]),
        ("-code!=H12", [("CodeTerm", "H12", False)]),
    ],
)
def test_the_search_box_text_parses_into_these_terms(text, terms):
    query = parse_query(text)
    assert sorted(described(query.root)) == sorted(terms)
    assert query.text == text and query.empty is (not terms)
