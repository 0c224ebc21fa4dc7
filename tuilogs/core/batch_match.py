"""The search language over a block of lines held in memory, as alert rules need it.

`Query.scan` reads a `LogBuffer` (bytes on disk, line bounds, origin ids). A `LineBlock` offers
the same surface over one block of `heroku logs` lines in memory, indexed as the buffer indexes
a file (one regex pass for every line's origin), so a rule's query means what it means in the
explorer: a saved search matches the same lines in the explorer and in an alert rule.

Alert rules run many queries over each block, so `BlockScan` evaluates them together, in bulk,
at about half the explorer's cost (benchmarks/bench_alert_match.py, the ten rules of
bench_alerts.py over 50,000 genlogs lines: ~3.5 against ~6.5 CPU µs a line):
- every term is evaluated once a block over the whole block and its set of lines shared by
  every rule that has it (`source:heroku` in two rules is one pass); AND, OR and NOT are the
  explorer's set algebra over those sets (a term's answer within some lines is its answer over
  the block, intersected with them: the result is the same);
- level terms share one level per line: the hint words of all the levels any rule asks for,
  found with one `bytes.find` each (`levels.hint_words`: the explorer's one regex pass over
  them cost more than confirming the lines it found), then `detect_level` once per candidate
  line, each rule taking the ranks it accepts;
- field terms (`status>=500`, `path:/api`, the router's `dyno=`) compare each distinct value
  once, not each occurrence (values repeat: a few statuses, a few dynos), and skip the form
  (logfmt, JSON) whose key is nowhere in the block;
- a case-insensitive regex without capitals, escapes, classes or flags (`/time ?out/`) runs
  case-sensitively over the lower-cased block, which the regex engine scans far faster, where
  the block is ASCII; elsewhere (and for a regex that sees past its line) the term's own
  `lines_in` decides, as in the explorer (characters, not bytes).
The explorer's own `Query.scan` over a `LineBlock` stays the reference (`matching`); tests
compare the two on generated lines.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from functools import partial
from itertools import accumulate, count
from operator import add

from tuilogs.core.buffer import OriginTable
from tuilogs.core.levels import LEVELS, NUMERIC_HINT, detect_level, hint_words
from tuilogs.core.query import And, Not, Or, Query
from tuilogs.core.record import LINE_ORIGIN_RE, LogRecord, parse_line
from tuilogs.core.terms import (
    KEY_BOUNDARY,
    Chunk,
    ConfirmTerm,
    FieldTerm,
    LevelTerm,
    Node,
    OriginTerm,
    RegexTerm,
    TextTerm,
)


def block_bytes(records: Sequence[LogRecord]) -> bytes:
    """Records as one block of lines, each ending in LF (`LogRecord.line` escapes any line
    break inside a record, so one record is one line)."""
    if not records:
        return b""
    return ("\n".join(map(LogRecord.line, records)) + "\n").encode("utf-8", "replace")


class LineBlock:
    """A block of complete lines (ending in LF), duck-typed as `Query.scan`'s buffer."""

    def __init__(self, data: bytes, lines: Sequence[bytes] | None = None) -> None:
        """`lines`: `data` split at LF, if the caller has them already (`of_lines`)."""
        self.data = data
        self.origins = OriginTable()
        if lines is None:
            lines = data.split(b"\n")
            lines.pop()  # the empty string after the final LF
        self.keys = self.origins.intern_all(LINE_ORIGIN_RE.findall(data))
        self.bounds = array("Q", [0])
        self.bounds.extend(map(add, accumulate(map(len, lines)), count(1)))  # ends, past LF

    @classmethod
    def of_lines(cls, lines: Sequence[bytes]) -> LineBlock:
        """The block of `lines` (each without LF, none holding one)."""
        return cls(b"\n".join(lines) + b"\n" if lines else b"", lines)

    def __len__(self) -> int:
        return len(self.keys)

    def chunks(self, lo: int, hi: int) -> Iterator[tuple[int, int, int, bytes]]:
        """The whole block at once: a batch is small next to a scan's megabyte chunks."""
        if lo < hi:
            start, end = self.bounds[lo], self.bounds[hi]
            yield lo, hi, start, self.data[start:end]

    def chunk(self) -> Chunk:
        """The whole block as one chunk for the search language's terms."""
        n = len(self)
        return Chunk.stretch(self.data, 0, n, 0, self.bounds, self.keys)


def matching(query: Query, block: LineBlock) -> array:
    """Indexes of the block's lines that `query` matches, ascending (all for an empty query),
    as the explorer finds them (`Query.scan`)."""
    if query.empty:
        return array("I", range(len(block)))
    found = query.scan(block)  # type: ignore[arg-type]  # LineBlock reads as a LogBuffer
    return found if found is not None else array("I")


class BlockScan:
    """Several queries over one block, sharing what their terms find (see the module doc)."""

    def __init__(self, block: LineBlock) -> None:
        self.block = block
        self.chunk = block.chunk()
        self._line_at = partial(bisect_right, block.bounds)  # line of byte pos: this, less 1
        self._found: dict[tuple, set[int]] = {}
        self._universe: set[int] | None = None
        self._levels: dict[int, int | None] = {}  # line: rank in LEVELS of a level candidate
        self._level_hints: frozenset[int] = frozenset()  # the ranks _levels was looked for

    def lines(self, query: Query) -> array:
        """Indexes of the lines `query` matches, ascending (all for an empty query)."""
        if query.empty:
            return array("I", range(len(self.block)))
        assert query.root is not None
        if not len(self.block):
            return array("I")
        query.root.prepare(list(self.block.origins.origins))
        return array("I", sorted(self._evaluate(query.root)))

    def prepare_levels(self, queries: Sequence[Query]) -> None:
        """Look for the levels every level term of `queries` accepts in one pass."""
        ranks: set[int] = set()
        for query in queries:
            for term, _ in query.root.leaves() if query.root is not None else ():
                if isinstance(term, LevelTerm):
                    ranks |= term.ranks
        self._find_levels(frozenset(ranks))

    # -- the tree: the explorer's set algebra (query.And, Or, Not) -----------------------------

    def _evaluate(self, node: Node) -> set[int]:
        if isinstance(node, And):
            found: set[int] | None = None
            for part in node.positive:
                lines = self._evaluate(part)
                found = lines if found is None else found & lines
                if not found:
                    return set()
            for part in node.negative:
                assert isinstance(part, Not)
                found = (self.universe() if found is None else found) - self._evaluate(part.inner)
                if not found:
                    return set()
            return found if found is not None else self.universe()
        if isinstance(node, Or):
            found = set()
            for part in node.parts:
                found |= self._evaluate(part)
            return found
        if isinstance(node, Not):
            return self.universe() - self._evaluate(node.inner)
        return self._term(node)

    def universe(self) -> set[int]:
        if self._universe is None:
            self._universe = set(range(len(self.block)))
        return self._universe

    # -- the terms, each found once a block ----------------------------------------------------

    def _term(self, term: Node) -> set[int]:
        key = _identity(term)
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = self._find(term)
        return found

    def _find(self, term: Node) -> set[int]:
        chunk = self.chunk
        if isinstance(term, LevelTerm):
            return self._level_lines(term)
        if isinstance(term, FieldTerm):
            return self._field_lines(term)
        if isinstance(term, RegexTerm) and _lowered_regex(term) is not None:
            return _regex_lines(term, chunk)
        if isinstance(term, ConfirmTerm):
            return term.evaluate(chunk, None)
        if isinstance(term, TextTerm | RegexTerm | OriginTerm):
            return term.lines(chunk)
        return term.evaluate(chunk, None)  # a node kind added later: the explorer's own way

    def _field_lines(self, term: FieldTerm) -> set[int]:
        """`FieldTerm.lines`, comparing each distinct value once, and skipping a form (logfmt,
        JSON) whose key is nowhere in the block."""
        data, line_at = self.chunk.data, self._line_at
        key = term.key.encode("utf-8")
        found: set[int] = set()
        for i, pattern in enumerate(term.patterns):
            if (key + b"=" if i == 0 else b'"' + key + b'"') not in data:
                continue
            starts, values = [], []
            for m in pattern.finditer(data):
                start = m.start()
                if i == 0 and start and data[start - 1] not in KEY_BOUNDARY:
                    continue  # logfmt keys must start a word, as in FieldTerm.lines
                starts.append(start)
                values.append(m[1])
            ok = {v for v in set(values) if term.compare(v)}
            found.update(line_at(s) - 1 for s, v in zip(starts, values, strict=True) if v in ok)
        return found

    def _find_levels(self, ranks: frozenset[int]) -> None:
        """Each line's level rank, for every line whose level could be one of `ranks` (the
        level hints find all of those, `levels.hint_pattern`; the others hold no rank)."""
        if ranks <= self._level_hints:
            return
        ranks |= self._level_hints
        text, levels = self.chunk.text, self._levels
        for i in self._hinted([LEVELS[r] for r in sorted(ranks)]):
            if i not in levels:
                level = detect_level(parse_line(text(i)).message)
                levels[i] = LEVELS.index(level) if level is not None else None
        self._level_hints = ranks

    def _hinted(self, levels: list[str]) -> set[int]:
        """The lines `hint_pattern(levels)` finds, one `bytes.find` per hint word."""
        if not levels:
            return set()
        hay, line_at, bounds = self.chunk.lowered(), self._line_at, self.block.bounds
        found = {line_at(m.start()) - 1 for m in NUMERIC_HINT.finditer(hay)}
        for word in hint_words(levels):
            pos = hay.find(word)
            while pos != -1:
                line = line_at(pos) - 1
                found.add(line)
                pos = hay.find(word, bounds[line + 1])
        return found

    def _level_lines(self, term: LevelTerm) -> set[int]:
        self._find_levels(term.ranks)
        ranks = term.ranks
        return {i for i, rank in self._levels.items() if rank in ranks}


def _identity(term: Node) -> tuple:
    """What makes two terms find the same lines (terms of different queries are shared)."""
    if isinstance(term, TextTerm):
        return ("text", term.needle, term.case)
    if isinstance(term, RegexTerm):
        return ("regex", term.bpattern.pattern, term.bpattern.flags)
    if isinstance(term, FieldTerm):
        return ("field", term.key, term.op, term.value)
    if isinstance(term, OriginTerm):
        return ("origin", term.kind, term.value)
    if isinstance(term, LevelTerm):
        return ("level", term.ranks)
    return ("node", id(term))  # code terms and anything else: per query (cheap, or rare)


# Regex sources whose case-insensitive match is a case-sensitive match over lower-cased bytes:
# no capitals (smart case made them case-insensitive), no escape (`\S`, `\W`...), no class
# (`[!-_]` holds capitals only) and no group flag or look-around (`(?-i:...)`).
_PLAIN_REGEX = re.compile(r"[^A-Z\\\[]*")
_LOWERED: dict[bytes, re.Pattern[bytes] | None] = {}


def _lowered_regex(term: RegexTerm) -> re.Pattern[bytes] | None:
    source = term.bpattern.pattern
    if source not in _LOWERED:
        plain = (
            term.bpattern.flags & re.IGNORECASE
            and _PLAIN_REGEX.fullmatch(source.decode("utf-8", "replace"))
            and b"(?" not in source
            and source.isascii()
        )
        _LOWERED[source] = re.compile(source, re.MULTILINE) if plain else None
    return _LOWERED[source]


def _regex_lines(term: RegexTerm, chunk: Chunk) -> set[int]:
    """`RegexTerm.lines` searching the lower-cased block with the case-sensitive pattern."""
    pattern = _lowered_regex(term)
    assert pattern is not None
    return term.lines_in(chunk, chunk.lowered(), pattern)


def match_all(queries: Sequence[Query], block: LineBlock) -> list[array]:
    """The lines of `block` each query matches (`BlockScan.lines`), found together."""
    scan = BlockScan(block)
    scan.prepare_levels(queries)
    return [scan.lines(q) for q in queries]
