"""The conditions of the search language, each evaluated in bulk over a chunk of lines.

A `Chunk` is whole lines in one bytes object: a stretch of the buffer, or lines gathered from
all over it (a search within a filter). A term answers with the set of lines of the chunk it
matches, found with one `bytes.find` or regex pass; only terms that need a parsed line (level,
code) look at lines one by one, and only at the candidates a bulk prefilter left. The query
(query.py) combines those sets: AND is intersection, OR union, NOT difference.
"""

from __future__ import annotations

import bisect
import re
from array import array
from collections.abc import Callable, Sequence
from itertools import compress

from tuilogs.core.buffer import Origin
from tuilogs.core.codes import find_code
from tuilogs.core.fields import leading_number
from tuilogs.core.levels import LEVELS, detect_level, hint_pattern, level_of_word
from tuilogs.core.line_hits import lines_hit, regex_lines, text_regex_lines
from tuilogs.core.record import LogRecord, decode, dyno_matches, parse_line

_NUMBER_RE = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_UNIT_RE = re.compile(r"[A-Za-z%]+$")  # `1000ms`, `5MB`: the unit is ignored
_UNESCAPE_RE = re.compile(rb'\\(["\\])')  # `\"` and `\\` in a quoted value
KEY_BOUNDARY = frozenset(b" \t{,;\"'([")  # bytes a logfmt key may follow
# The ASCII a str `\s` matches and a bytes `\s` does not (U+001C-U+001F, separators).
_TEXT_SPACES = (b"\x1c", b"\x1d", b"\x1e", b"\x1f")
# What lets a regex match a line differently within many lines than alone: a look-around or a
# scoped flag (`(?=`, `(?<!`, `(?-m:`), an atomic group or a possessive repeat (`(?>`, `a*+`:
# text past the line can lead them to give up a match), `\A` and `\Z`. Leading flags such as
# `(?i)` do not. Read loosely: an escaped `\(?=` counts too (it costs time, not matches).
_CONTEXT_RE = re.compile(r"\(\?(?![:P]|[aiLmsux]+\))|\\[AZ]|[*+?}]\+")


class QueryError(ValueError):
    """A query that cannot be run; the message says why, for the search box."""


def smart_case(text: str) -> bool:
    """Case-sensitive when the text has a capital letter."""
    return any(c.isupper() for c in text)


class Chunk:
    """Whole lines (each ending in LF) in one bytes object, and the buffer's name for each.

    `lines` are the buffer's line numbers, ascending, and `keys` their origin ids. A chunk is
    a stretch of the buffer (`stretch`) or lines gathered from anywhere in it (`gathered`).
    """

    __slots__ = ("data", "lines", "line_of", "_keys", "_make_keys", "_span", "_lowered", "_decoded")

    def __init__(
        self,
        data: bytes,
        lines: Sequence[int],
        keys: Callable[[], Sequence[int]],
        line_of: Callable[[int], int],
        span: Callable[[int], tuple[int, int]],
    ) -> None:
        self.data, self.lines = data, lines
        self.line_of = line_of  # the line holding byte `pos` of `data`
        self._make_keys = keys  # the lines' origin ids, made when an origin term asks
        self._keys: Sequence[int] | None = None
        self._span = span  # where line `i` lies in `data`
        self._lowered: bytes | None = None
        self._decoded: str | None = None

    @classmethod
    def stretch(
        cls, data: bytes, first: int, last: int, base: int, bounds: Sequence[int], keys
    ) -> Chunk:
        """Lines [first, last) of a buffer whose line bounds are `bounds`; `data` starts at
        global offset `base`."""

        def line_of(pos: int) -> int:
            return bisect.bisect_right(bounds, base + pos, first, last + 1) - 1

        def span(i: int) -> tuple[int, int]:
            return bounds[i] - base, bounds[i + 1] - base

        return cls(data, range(first, last), lambda: keys[first:last], line_of, span)

    @classmethod
    def gathered(
        cls,
        data: bytes,
        lines: Sequence[int],
        runs: tuple[list[int], list[int], list[int]],
        bounds: Sequence[int],
        keys: Sequence[int],
    ) -> Chunk:
        """`lines` read as runs of consecutive lines laid end to end in `data`: run r holds
        lines from `firsts[r]` on, begins at global offset `origins[r]` and at `offsets[r]` in
        `data` (runs = (firsts, origins, offsets)); `bounds` are the buffer's line bounds."""
        firsts, origins, offsets = runs
        limits = [*firsts[1:], lines[-1] + 1] if len(lines) else []  # past each run's lines

        def line_of(pos: int) -> int:
            r = bisect.bisect_right(offsets, pos) - 1
            at = origins[r] + pos - offsets[r]
            return bisect.bisect_right(bounds, at, firsts[r], limits[r] + 1) - 1

        def span(i: int) -> tuple[int, int]:
            r = bisect.bisect_right(firsts, i) - 1
            shift = offsets[r] - origins[r]
            return bounds[i] + shift, bounds[i + 1] + shift

        return cls(data, lines, lambda: array("H", map(keys.__getitem__, lines)), line_of, span)

    @property
    def keys(self) -> Sequence[int]:
        if self._keys is None:
            self._keys = self._make_keys()
        return self._keys

    def lowered(self) -> bytes:
        """`data.lower()`, computed once and only if a case-insensitive term asks for it."""
        if self._lowered is None:
            self._lowered = self.data.lower()
        return self._lowered

    def decoded(self) -> str:
        """`data` as text, decoded once and only if a regex asks for it (`RegexTerm`)."""
        if self._decoded is None:
            self._decoded = decode(self.data)
        return self._decoded

    def universe(self) -> set[int]:
        return set(self.lines)

    def members(self, mask: bytes) -> set[int]:
        """The lines whose origin the mask (one byte per origin id) allows."""
        return set(compress(self.lines, map(mask.__getitem__, self.keys)))

    def text(self, line: int) -> str:
        """Line `line` (one of this chunk's) as text, without its LF."""
        a, b = self._span(line)
        return decode(self.data[a:b].rstrip(b"\n"))


class Node:
    """A part of a query: a term, or AND/OR/NOT of parts (query.py)."""

    cost = 1  # evaluation order within an AND: cheap, selective parts first

    def evaluate(self, chunk: Chunk, within: set[int] | None) -> set[int]:
        """The lines of `chunk` (of `within`, when given) that this part matches."""
        raise NotImplementedError

    def prepare(self, origins: Sequence[Origin]) -> None:
        """Before a scan: the origin table as it is now (origin terms build their masks)."""

    def leaves(self, positive: bool = True):
        """(term, polarity) for each term below, polarity False under an odd number of NOTs."""
        yield self, positive


class Term(Node):
    """One condition found in bulk: `lines` gives every line of the chunk it matches."""

    def lines(self, chunk: Chunk) -> set[int]:
        raise NotImplementedError

    def evaluate(self, chunk, within):
        if within is not None and not within:
            return set()
        found = self.lines(chunk)
        return found if within is None else found & within


class TextTerm(Term):
    def __init__(self, text: str) -> None:
        self.text = text
        # Text with no letters (a timestamp, an id) matches the same either way: searched
        # as is, the haystack needs no lower-cased copy.
        self.case = smart_case(text) or text.lower() == text.upper()
        # Without capitals the text has no ASCII capital either, so it is already in the form
        # `Chunk.lowered` gives the haystack (ASCII letters lowered, nothing else: `str.lower`
        # would change a titlecase `ǅ`, which then no longer finds itself).
        self.needle = text.encode("utf-8")
        self.pattern = re.compile(re.escape(text), 0 if self.case else re.IGNORECASE)

    def lines(self, chunk):
        hay = chunk.data if self.case else chunk.lowered()
        needle, line_of = self.needle, chunk.line_of
        found = set()
        pos = hay.find(needle)
        while pos != -1:
            found.add(line_of(pos))
            pos = hay.find(needle, hay.index(b"\n", pos) + 1)  # every line ends in LF
        return found


class RegexTerm(Term):
    """`/H1[02]/`: a line matches when the regex finds something in its text.

    Over ASCII a bytes pattern finds what the text pattern finds, at C speed with no decoding,
    so a chunk of ASCII is searched as bytes. Elsewhere the two disagree (a bytes `.` or `\\W`
    takes one byte of `é`, a bytes `\\w` none, ignoring case does not pair `é` with `É`), and
    so do a str `\\s` and a bytes one on the separators U+001C-U+001F: a chunk holding any of
    those, or a regex holding a character beyond ASCII, is searched as text. Either search runs
    over many lines at once; a regex that can see past its line (`_CONTEXT_RE`) is tried on
    each line alone instead, a Python step per line that only such regexes pay.
    """

    def __init__(self, source: str) -> None:
        flags = 0 if smart_case(source) else re.IGNORECASE
        try:
            self.pattern = re.compile(source, flags)
            self.bpattern = re.compile(source.encode("utf-8"), flags | re.MULTILINE)
        except re.error as exc:
            raise QueryError(f"invalid regex /{source}/: {exc}") from None
        self.tpattern = re.compile(source, flags | re.MULTILINE)
        self.ascii = source.isascii()
        self.by_line = _CONTEXT_RE.search(source) is not None

    def lines(self, chunk):
        return self.lines_in(chunk, chunk.data, self.bpattern)

    def lines_in(self, chunk: Chunk, hay: bytes, bpattern: re.Pattern[bytes]) -> set[int]:
        """The lines of `chunk` it matches, searching `hay` with `bpattern` when the chunk is
        searched as bytes: the chunk's data with `bpattern`, or (the alert matcher's way) the
        data lower-cased with a case-sensitive form of it."""
        data = chunk.data
        if self.by_line:
            texts = chunk.decoded().split("\n")  # one more than the lines: "" after the last
            return set(compress(chunk.lines, map(self.pattern.search, texts)))
        if self.ascii and data.isascii() and not any(map(data.__contains__, _TEXT_SPACES)):
            return regex_lines(data, hay, bpattern, self.pattern, chunk.line_of)
        return text_regex_lines(chunk.decoded(), self.tpattern, self.pattern, chunk.lines)


class FieldTerm(Term):
    """`key:value`, `key>=N`...: logfmt `key=value` or JSON `"key": value` anywhere in the line.

    Patterns start with the literal key so the regex engine can skip ahead with a fast search;
    numeric comparisons capture the number directly, so no Python parsing per match. A `dyno`
    field (the router's `dyno=web.1`) compares as Heroku's dyno filter does.
    """

    def __init__(self, key: str, op: str, value: str) -> None:
        self.key, self.op, self.value = key, op, value
        k = re.escape(key.encode("utf-8"))
        self.numeric = (
            op in (">", ">=", "<", "<=")
            or bool(_NUMBER_RE.match(value))
            or bool(re.fullmatch(r"[1-5]xx", value, re.IGNORECASE))
        )
        val = rb'"?([+-]?\d+(?:\.\d+)?)' if self.numeric else rb'("(?:[^"\\\n]|\\.)*"|[^\s,}\]]*)'
        self.patterns = (
            re.compile(k + rb"=" + val),
            re.compile(rb'"' + k + rb'"\s*:\s*' + val),
        )
        self.compare = self._comparator(key, op, value)

    @staticmethod
    def _comparator(key: str, op: str, value: str) -> Callable[[bytes], bool]:
        if op in (":", "=", "!=") and re.fullmatch(r"[1-5]xx", value, re.IGNORECASE):
            lo = int(value[0]) * 100
            ok = lambda v: lo <= float(v) < lo + 100  # noqa: E731
        elif op in (">", ">=", "<", "<="):
            target = leading_number(value)
            if target is None or not _NUMBER_RE.match(_UNIT_RE.sub("", value)):
                raise QueryError(f"{op} needs a number, got {value!r}")
            cmp = {">": float.__gt__, ">=": float.__ge__, "<": float.__lt__, "<=": float.__le__}[op]
            return lambda v: cmp(float(v), target)
        elif _NUMBER_RE.match(value):
            target = float(value)
            ok = lambda v: float(v) == target  # noqa: E731
        elif key.lower() == "dyno":
            ok = lambda v: dyno_matches(decode(v.strip(b'"')), value)  # noqa: E731
        else:
            needle = value.encode("utf-8").lower()  # as the values are: ASCII letters lowered
            ok = lambda v: needle in _unquote(v).lower()  # noqa: E731
        return ok if op != "!=" else (lambda v: not ok(v))

    def lines(self, chunk):
        data, line_of, compare = chunk.data, chunk.line_of, self.compare
        found = set()
        for i, pattern in enumerate(self.patterns):
            for m in pattern.finditer(data):
                # logfmt keys must start a word: `xstatus=` is not `status=`.
                if i == 0 and m.start() and data[m.start() - 1] not in KEY_BOUNDARY:
                    continue
                if compare(m.group(1)):
                    found.add(line_of(m.start()))
        return found


def _unquote(value: bytes) -> bytes:
    """A field's value as the detail view shows it: quoted (logfmt and JSON), it holds `\\"`
    for `"` and `\\\\` for `\\`; bare, it is as written."""
    if len(value) > 1 and value[:1] == b'"' and value[-1:] == b'"':
        value = value[1:-1]
        return _UNESCAPE_RE.sub(rb"\1", value) if b"\\" in value else value
    return value


class OriginTerm(Term):
    """`source:` (exact) and `dyno:` (Heroku semantics): decided per origin, not per line."""

    cost = 2

    def __init__(self, kind: str, value: str) -> None:
        self.kind, self.value = kind, value
        self.mask = b""

    def allows(self, origin: Origin) -> bool:
        if self.kind == "source":
            return origin.source == self.value
        return bool(origin.dyno) and dyno_matches(origin.dyno, self.value)

    def prepare(self, origins):
        self.mask = bytes(map(self.allows, origins))

    def lines(self, chunk):
        return chunk.members(self.mask)


class ConfirmTerm(Term):
    """Terms decided by parsing the line (level, code), after a loose bulk prefilter."""

    cost = 3

    def __init__(
        self, prefilter: re.Pattern[bytes], check: Callable[[LogRecord], bool], lowered: bool
    ) -> None:
        self.prefilter, self.check, self.lowered = prefilter, check, lowered

    def candidates(self, chunk: Chunk) -> set[int]:
        hay = chunk.lowered() if self.lowered else chunk.data
        return lines_hit(hay, self.prefilter, chunk.line_of)

    def evaluate(self, chunk, within):
        if within is not None and not within:
            return set()
        cands = self.candidates(chunk)
        if within is not None:
            cands &= within
        check, text = self.check, chunk.text
        return {i for i in cands if check(parse_line(text(i)))}


class LevelTerm(ConfirmTerm):
    """`level>=warning`...: `ranks` are the indexes in LEVELS it accepts (what a block of
    lines shares between rules: each line's level is detected once, `batch_match`)."""

    def __init__(self, ranks: frozenset[int]) -> None:
        self.ranks = ranks
        levels = [lv for i, lv in enumerate(LEVELS) if i in ranks]
        super().__init__(hint_pattern(levels), self._accepts, lowered=True)

    def _accepts(self, record: LogRecord) -> bool:
        level = detect_level(record.message)
        return level is not None and LEVELS.index(level) in self.ranks


def level_term(op: str, value: str) -> LevelTerm:
    level = level_of_word(value)  # `warn`, `err`, `fatal`... as the detector reads them
    if level is None:
        raise QueryError(f"unknown level {value.lower()!r} (one of {', '.join(LEVELS)})")
    rank = LEVELS.index(level)
    ops = {
        ":": lambda r: r == rank,
        "=": lambda r: r == rank,
        "!=": lambda r: r != rank,
        ">=": lambda r: r >= rank,
        ">": lambda r: r > rank,
        "<=": lambda r: r <= rank,
        "<": lambda r: r < rank,
    }
    return LevelTerm(frozenset(i for i in range(len(LEVELS)) if ops[op](i)))


class CodeTerm(ConfirmTerm):
    """`code:H12` (`code` "H12"), `code:*` (`code` None: any Heroku error code)."""

    def __init__(self, code: str | None) -> None:
        self.code = code
        prefilter = rb"[HRL]\d\d" if code is None else re.escape(code.encode())
        super().__init__(re.compile(prefilter), self._accepts, False)

    def _accepts(self, record: LogRecord) -> bool:
        found = find_code(record.message)
        return found is not None and (self.code is None or found.code == self.code)


def code_term(value: str) -> CodeTerm:
    """`code:H12`; `code:*` is any Heroku error code."""
    if value == "*":
        return CodeTerm(None)
    code = value.upper()
    if not re.fullmatch(r"[HRL]\d\d", code):
        raise QueryError(f"error codes look like H12, R14 or L10 (or * for any), not {value!r}")
    return CodeTerm(code)
