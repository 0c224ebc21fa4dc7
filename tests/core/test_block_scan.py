"""Alert rules' bulk matching (`batch_match.BlockScan`, `match_all`) finds exactly the lines the
explorer's `Query.scan` finds (`batch_match.matching`), on generated blocks: every level
spelling the detector reads (logfmt, JSON words and numbers, brackets, capitals, colons,
exceptions, evidence at the edge of the detector's window), router lines with statuses around
499/500 and error codes (and codes in lines that are not the router's), fields at the start of
a line, quoted and JSON values, raw lines, and queries combining the terms with AND, OR, NOT."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from tuilogs.core.batch_match import LineBlock, block_bytes, match_all, matching
from tuilogs.core.levels import LEVELS, WINDOW, detect_level, hint_pattern
from tuilogs.core.query import parse_query
from tuilogs.core.record import LogRecord

TS = "2026-11-23T19:00:00.000001+00:00"

LEVEL_WORDS = [
    "trace", "debug", "debug2", "info", "information", "log", "notice", "warn", "warning",
    "error", "err", "severe", "crit", "critical", "fatal", "alert", "emerg", "panic", "bogus",
]  # fmt: skip

ORIGINS = [
    ("heroku", "router"),
    ("app", "web.1"),
    ("app", "web.12"),
    ("app", "worker.2"),
    ("heroku", "web.1"),
    ("app", "api"),
    ("heroku", "tuilogs"),
    ("", ""),  # a raw line: no header
]


@st.composite
def evidence(draw) -> str:
    """A piece of text that may give a line its level (or look as if it did)."""
    word = draw(st.sampled_from(LEVEL_WORDS))
    cased = draw(st.sampled_from([word, word.upper(), word.capitalize()]))
    form = draw(st.integers(0, 12))
    return [
        f"level={cased}",
        f'severity="{cased}"',
        f"at={cased}",
        f'{{"level": "{cased}"}}',
        f'{{"level": {draw(st.integers(0, 99))}}}',
        f"[{cased}]",
        cased,
        f"{cased}:",
        "Traceback (most recent call last)",
        draw(st.sampled_from(["ValueError", "java.lang.NullPointerException", "Exception"])),
        f"Error {draw(st.sampled_from(['R14', 'H12', 'L10']))}",
        "LOG:",
        f"x{cased}:",
    ][form]


@st.composite
def fields(draw) -> str:
    """Router-like and app fields: status at the 499/500 boundary, codes, dynos, paths."""
    status = draw(st.sampled_from([200, 304, 499, 500, 503, 5, 5000]))
    parts = [
        draw(st.sampled_from(["at=info", "at=error", ""])),
        draw(st.sampled_from(["code=H12", "code=H10", "code=R14", "code=H1", ""])),
        draw(st.sampled_from(['desc="Request timeout"', 'desc="time out"', "TIMEOUT", ""])),
        draw(st.sampled_from(["path=/api/v1", 'path="/API/x"', "path=/", "xpath=/api", ""])),
        draw(st.sampled_from([f"status={status}", f'"status": {status}', f"status={status}.5"])),
        draw(st.sampled_from(["dyno=web.1", "dyno=web.12", "dyno=worker.1", ""])),
        draw(st.sampled_from(["user_id=42", '"user_id": 42', "user_id=420", ""])),
    ]
    return " ".join(draw(st.permutations([p for p in parts if p])))


@st.composite
def records(draw) -> LogRecord:
    source, dyno = draw(st.sampled_from(ORIGINS))
    pieces = draw(st.lists(st.one_of(evidence(), fields(), st.text(max_size=12)), max_size=4))
    message = " ".join(pieces)
    if draw(st.booleans()):  # evidence pushed to the edge of the detector's window
        shift = draw(st.integers(WINDOW - 12, WINDOW + 2))
        message = "p" * shift + " " + draw(evidence()) + " " + message
    return LogRecord(TS if source else "", source, dyno, message)


TERMS = [
    "level>=error", "level>=warning", "level:info", "level<warning", "level!=debug",
    "level:critical", "code:H12", "code:*", "code!=H10", "status>=500", "status:5xx",
    "status<500", "status:499", "dyno:web", "dyno:web.1", "dyno=web.1", "source:heroku",
    "source:app", "path:/api", "user_id:42", "/time ?out/", "/TIME/", "/error:|x.*r/",
    "timeout", "Request", '"time out"', "/a[b-z]c/", "/(?i)err/",
]  # fmt: skip


@st.composite
def queries(draw) -> str:
    terms = draw(st.lists(st.sampled_from(TERMS), min_size=1, max_size=3))
    terms = [f"-{t}" if draw(st.booleans()) and len(terms) > 1 else t for t in terms]
    joiner = draw(st.sampled_from([" ", " OR ", " AND "]))
    text = joiner.join(terms)
    return f"-({text})" if draw(st.integers(0, 5)) == 0 else text


@given(st.lists(records(), min_size=1, max_size=30), st.lists(queries(), min_size=1, max_size=6))
def test_bulk_matching_finds_what_the_explorer_finds(lines, texts):
    block = LineBlock(block_bytes(lines))
    parsed = [parse_query(t) for t in texts]
    assert match_all(parsed, block) == [matching(q, block) for q in parsed]


@given(st.lists(records(), max_size=30))
def test_the_rules_of_the_benchmark_together_and_alone(lines):
    texts = ["code:H12", "level>=error", "dyno:web", "status>=500", "/time ?out/", "path:/api"]
    texts += ["source:heroku code:H10", "-source:heroku level>=warning", "user_id:42", ""]
    block = LineBlock(block_bytes(lines))
    parsed = [parse_query(t) for t in texts]
    expected = [matching(q, block) for q in parsed]
    assert match_all(parsed, block) == expected
    assert [match_all([q], block)[0] for q in parsed] == expected


@given(records(), st.sets(st.sampled_from(LEVELS)))
def test_a_line_of_some_level_holds_a_hint_of_it(record, levels):
    """What sharing one level per line across rules rests on: the hint pattern of any set of
    levels finds every line whose detected level is in the set."""
    level = detect_level(record.message)
    if level in levels:
        assert hint_pattern(levels).search(record.line().lower().encode()) is not None


@given(
    st.lists(st.text(alphabet="aAbBcC .-\n", max_size=20), min_size=1, max_size=10),
    st.from_regex(re.compile(r"[abc. ]{1,3}[?*+]?[abc|]{0,3}"), fullmatch=True),
)
def test_a_case_insensitive_regex_over_the_lowered_block(texts, source):
    lines = [LogRecord(TS, "app", "web.1", t) for t in texts]
    block = LineBlock(block_bytes(lines))
    query = parse_query(f"/{source}/")
    assert match_all([query], block) == [matching(query, block)]


def test_an_empty_block_and_an_empty_query():
    block = LineBlock(b"")
    empty, level = parse_query(""), parse_query("level>=error")
    assert [list(a) for a in match_all([empty, level], block)] == [[], []]
    block = LineBlock(block_bytes([LogRecord(TS, "app", "web.1", "ERROR x")] * 3))
    assert [list(a) for a in match_all([empty, level], block)] == [[0, 1, 2], [0, 1, 2]]
