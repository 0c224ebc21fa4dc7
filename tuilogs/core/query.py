"""The search language, evaluated in bulk over a LogBuffer's bytes.

    timeout                 text, case-insensitive unless it has capitals (smart case)
    "Request timeout"       a phrase
    /H1[02]/                a regular expression (smart case too)
    status:500 status:5xx   a field: router/logfmt `key=value` or JSON `"key": value`
    status>=500 service>1000  numeric comparisons (units such as `ms` are ignored)
    path:/api user_id:42    text values match as case-insensitive substrings, numbers exactly
    level:error level>=warning   detected log level
    code:H12                Heroku error code
    source:app dyno:web     Heroku's filters (`web` matches web.1 and web.12, not web.10's `web.1`)
    -source:heroku -timeout a leading `-` negates any term

Terms are ANDed. Each chunk of the buffer (megabytes of whole lines) is searched with one
bytes.find or regex pass per term; only lines that need it (level, code) are parsed in Python.
"""

from __future__ import annotations

import bisect
import re
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import compress

from tuilogs.core.buffer import LogBuffer, Origin
from tuilogs.core.codes import find_code
from tuilogs.core.fields import leading_number
from tuilogs.core.levels import LEVELS, detect_level, hint_pattern, level_of_word
from tuilogs.core.record import LogRecord, decode, dyno_matches, parse_line

_TOKEN_RE = re.compile(r'"(?:[^"\\]|\\.)*"?|/(?:[^/\\]|\\.)+/|\S+')
_NUMERIC_OPS = (">", ">=", "<", "<=")
_FIELD_RE = re.compile(r"^([A-Za-z_][\w.#@\-]*)(>=|<=|!=|:|>|<|=)(.*)$")
_NUMBER_RE = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_UNIT_RE = re.compile(r"[A-Za-z%]+$")  # `1000ms`, `5MB`: the unit is ignored


class QueryError(ValueError):
    """A query that cannot be run; the message says why, for the search box."""


def smart_case(text: str) -> bool:
    """Case-sensitive when the text has a capital letter."""
    return any(c.isupper() for c in text)


class Term:
    """One condition. `exact` terms find their lines in bulk; others confirm per line."""

    negate = False
    exact = True

    def lines(
        self, data: bytes, lowered: Callable[[], bytes], line_of: Callable[[int], int]
    ) -> set[int]:
        raise NotImplementedError

    def test(self, record: LogRecord, raw: str) -> bool:
        raise NotImplementedError


def _scan(finder: Iterable[int], data: bytes, line_of) -> set[int]:
    return {line_of(p) for p in finder}


class TextTerm(Term):
    def __init__(self, text: str, negate: bool = False) -> None:
        self.text = text
        self.negate = negate
        # Text with no letters (a timestamp, an id) matches the same either way: searched
        # as is, the haystack needs no lower-cased copy.
        self.case = smart_case(text) or text.lower() == text.upper()
        needle = text if self.case else text.lower()
        self.needle = needle.encode("utf-8")
        self.pattern = re.compile(re.escape(text), 0 if self.case else re.IGNORECASE)

    def lines(self, data, lowered, line_of):
        hay = data if self.case else lowered()
        needle = self.needle
        found = set()
        pos = hay.find(needle)
        while pos != -1:
            found.add(line_of(pos))
            nl = hay.find(b"\n", pos)
            if nl == -1:
                break
            pos = hay.find(needle, nl + 1)
        return found

    def test(self, record, raw):
        return bool(self.pattern.search(raw))


class RegexTerm(Term):
    def __init__(self, source: str, negate: bool = False) -> None:
        flags = 0 if smart_case(source) else re.IGNORECASE
        try:
            self.pattern = re.compile(source, flags)
            self.bpattern = re.compile(source.encode("utf-8"), flags | re.MULTILINE)
        except re.error as exc:
            raise QueryError(f"invalid regex /{source}/: {exc}") from None
        self.negate = negate

    def lines(self, data, lowered, line_of):
        found = set()
        search = self.bpattern.search
        m = search(data)
        while m is not None:
            start = data.rfind(b"\n", 0, m.start()) + 1
            end = data.find(b"\n", m.start())
            end = len(data) if end == -1 else end
            if m.end() <= end or self.pattern.search(decode(data[start:end])):
                found.add(line_of(m.start()))
            m = search(data, end + 1)
        return found

    def test(self, record, raw):
        return bool(self.pattern.search(raw))


class FieldTerm(Term):
    """`key:value`, `key>=N`...: logfmt `key=value` or JSON `"key": value` anywhere in the line.

    Patterns start with the literal key so the regex engine can skip ahead with a fast search;
    numeric comparisons capture the number directly, so no Python parsing per match.
    """

    def __init__(self, key: str, op: str, value: str, negate: bool = False) -> None:
        self.key, self.op, self.value, self.negate = key, op, value, negate
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
        self.compare = self._comparator(op, value)

    @staticmethod
    def _comparator(op: str, value: str) -> Callable[[bytes], bool]:
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
        else:
            needle = value.lower().encode("utf-8")
            ok = lambda v: needle in v.strip(b'"').lower()  # noqa: E731
        return ok if op != "!=" else (lambda v: not ok(v))

    def lines(self, data, lowered, line_of):
        found = set()
        compare = self.compare
        for i, pattern in enumerate(self.patterns):
            for m in pattern.finditer(data):
                # logfmt keys must start a word: `xstatus=` is not `status=`.
                if i == 0 and m.start() and data[m.start() - 1] not in _KEY_BOUNDARY:
                    continue
                if compare(m.group(1)):
                    found.add(line_of(m.start()))
        return found

    def test(self, record, raw):
        return bool(self.lines(raw.encode(), lambda: b"", lambda p: 0))


_KEY_BOUNDARY = frozenset(b" \t{,;\"'([")


class OriginTerm(Term):
    """`source:` (exact) and `dyno:` (Heroku semantics): decided per origin, not per line."""

    def __init__(self, kind: str, value: str, negate: bool = False) -> None:
        self.kind, self.value, self.negate = kind, value, negate

    def allows(self, origin: Origin) -> bool:
        if self.kind == "source":
            hit = origin.source == self.value
        else:
            hit = bool(origin.dyno) and dyno_matches(origin.dyno, self.value)
        return hit != self.negate


class ConfirmTerm(Term):
    """Terms decided by parsing the line (level, code), after a loose bulk prefilter."""

    exact = False

    def __init__(
        self,
        prefilter: re.Pattern[bytes],
        check: Callable[[LogRecord], bool],
        negate: bool = False,
        lowered: bool = False,
    ) -> None:
        self.prefilter, self.check, self.negate, self.lowered = prefilter, check, negate, lowered

    def lines(self, data, lowered, line_of):
        hay = lowered() if self.lowered else data
        found = set()
        search = self.prefilter.search
        m = search(hay)
        while m is not None:
            found.add(line_of(m.start()))
            nl = hay.find(b"\n", m.start())
            if nl == -1:
                break
            m = search(hay, nl + 1)
        return found

    def test(self, record, raw):
        return self.check(record)


def _lazy_lower(data: bytes) -> Callable[[], bytes]:
    """`data.lower()`, computed once and only if a case-insensitive term asks for it."""
    cache: list[bytes] = []

    def lowered() -> bytes:
        if not cache:
            cache.append(data.lower())
        return cache[0]

    return lowered


def _level_term(op: str, value: str, negate: bool) -> ConfirmTerm:
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
    test_rank = ops[op]
    prefilter = hint_pattern([lv for i, lv in enumerate(LEVELS) if test_rank(i)])  # lowered

    def check(record: LogRecord) -> bool:
        level = detect_level(record.message)
        return level is not None and test_rank(LEVELS.index(level))

    return ConfirmTerm(prefilter, check, negate, lowered=True)


def _code_term(value: str, negate: bool) -> ConfirmTerm:
    code = value.upper()
    if not re.fullmatch(r"[HRL]\d\d", code):
        raise QueryError(f"error codes look like H12, R14 or L10, not {value!r}")

    def check(record: LogRecord) -> bool:
        found = find_code(record.message)
        return found is not None and found.code == code

    return ConfirmTerm(re.compile(re.escape(code.encode())), check, negate)


@dataclass
class Query:
    text: str
    terms: list[Term]

    @property
    def empty(self) -> bool:
        return not self.terms

    def highlighter(self) -> re.Pattern[str] | None:
        """One pattern for the positive text and regex terms, to mark matches on screen."""
        parts = []
        for t in self.terms:
            if isinstance(t, TextTerm | RegexTerm) and not t.negate:
                flag = "i" if t.pattern.flags & re.IGNORECASE else "-i"
                parts.append(f"(?{flag}:{t.pattern.pattern})")
        if not parts:
            return None
        try:
            return re.compile("|".join(parts))
        except re.error:
            return None

    def origin_mask(self, origins: list[Origin]) -> bytes | None:
        terms = [t for t in self.terms if isinstance(t, OriginTerm)]
        if not terms:
            return None
        return bytes(1 if all(t.allows(o) for t in terms) else 0 for o in origins)

    def scan(
        self,
        buffer: LogBuffer,
        lo: int = 0,
        hi: int | None = None,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> array | None:
        """Indexes of matching lines in [lo, hi), ascending; None if cancelled."""
        hi = len(buffer) if hi is None else hi
        out = array("I")
        if lo >= hi:
            return out
        mask = self.origin_mask(buffer.origins.origins)
        keys = buffer.keys
        bulk_pos = [
            t for t in self.terms if t.exact and not t.negate and not isinstance(t, OriginTerm)
        ]
        bulk_neg = [t for t in self.terms if t.exact and t.negate and not isinstance(t, OriginTerm)]
        confirm = [t for t in self.terms if not t.exact]
        prefilters = [t for t in confirm if not t.negate]
        bounds = buffer.bounds
        for first, last, base, data in buffer.chunks(lo, hi):
            if cancelled():
                return None
            lowered = _lazy_lower(data)

            def line_of(pos: int, _b=base, _f=first, _l=last) -> int:
                return bisect.bisect_right(bounds, _b + pos, _f, _l + 1) - 1

            cands: set[int] | None = None
            for t in bulk_pos + prefilters:
                found = t.lines(data, lowered, line_of)
                cands = found if cands is None else cands & found
                if not cands:
                    break
            if cands is not None and not cands:
                continue
            if bulk_neg:
                if cands is None:
                    cands = set(range(first, last))
                for t in bulk_neg:
                    cands -= t.lines(data, lowered, line_of)
            ordered: Iterable[int] = sorted(cands) if cands is not None else range(first, last)
            if mask is not None:
                ordered = compress(ordered, map(mask.__getitem__, map(keys.__getitem__, ordered)))
            if confirm:
                kept = []
                for i in ordered:
                    a, b = bounds[i] - base, bounds[i + 1] - base
                    raw = decode(data[a:b].rstrip(b"\n"))
                    rec = parse_line(raw)
                    if all(t.test(rec, raw) != t.negate for t in confirm):
                        kept.append(i)
                ordered = kept
            out.extend(ordered)
        return out


def parse_query(text: str) -> Query:
    """Parse the search box's text; raises QueryError with a message fit to show."""
    terms: list[Term] = []
    stripped = text.strip()
    if (
        len(stripped) > 2
        and stripped.startswith("/")
        and stripped.endswith("/")
        and " " in stripped
    ):
        return Query(text, [RegexTerm(stripped[1:-1])])
    for token in _TOKEN_RE.findall(stripped):
        negate = token.startswith("-") and len(token) > 1
        body = token[1:] if negate else token
        if body.startswith('"'):
            phrase = body[1:-1] if body.endswith('"') and len(body) > 1 else body[1:]
            if phrase:
                terms.append(TextTerm(phrase.replace('\\"', '"'), negate))
            continue
        if len(body) > 2 and body.startswith("/") and body.endswith("/"):
            terms.append(RegexTerm(body[1:-1], negate))
            continue
        m = _FIELD_RE.match(body)
        if m and not m.group(3) and m.group(2) in _NUMERIC_OPS:
            # Half typed, not a text search: `status>=` as text matches nothing, and applied
            # while typing `status>=500` it would empty the view for a moment.
            raise QueryError(f"{body} needs a number (e.g. {body}500)")
        if m and m.group(3) and not m.group(3).startswith("//"):
            key, op, value = m.groups()
            lkey = key.lower()
            if lkey in ("source", "dyno"):
                if op not in (":", "=", "!="):
                    raise QueryError(f"{key} takes `:` (e.g. {key}:web)")
                terms.append(OriginTerm(lkey, value, negate != (op == "!=")))
            elif lkey == "level":
                terms.append(_level_term(op, value, negate))
            elif lkey == "code":
                terms.append(_code_term(value, negate != (op == "!=")))
            else:
                terms.append(FieldTerm(key, op, value, negate))
            continue
        terms.append(TextTerm(body, negate))
    return Query(text, terms)
