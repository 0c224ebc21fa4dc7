"""The search language, parsed into a tree and evaluated in bulk over a LogBuffer's bytes.

    timeout                 text, ignoring the case of ASCII letters unless it has capitals
                            (smart case)
    "Request timeout"       a phrase
    /H1[02]/ /a b/          a regular expression (smart case too; a `/` in it as `\\/`)
    status:500 status:5xx   a field: router/logfmt `key=value` or JSON `"key": value`
    status>=500 service>1000  numeric comparisons (units such as `ms` are ignored)
    path:/api user_id:42    text values match as case-insensitive substrings, numbers exactly
    path:"/a b"             a quoted value (spaces, parentheses; `\\"` for `"`, `\\\\` for `\\`);
                            values compare as the detail view shows them (a quoted logfmt
                            or JSON value's `\\"` and `\\\\` undone, a bare one as written)
    level:error level>=warning   detected log level
    code:H12 code:*         Heroku error code (any)
    source:app dyno:web     Heroku's filters: the line's header (`web` matches web.1 and web.12);
                            `dyno:web.1` also takes the router lines of requests web.1 served
    dyno=web.1 source=x     with `=` (or `!=`), the message's own field only: the router's `dyno=`
    -source:heroku -timeout a leading `-` negates any term, or a group: -(a OR b)
    a b  a AND b            both (AND is implied between terms)
    a OR b                  either; AND binds tighter: `a b OR c` is `(a b) OR c`
    (a OR b) c              parentheses group

Each chunk of the buffer (megabytes of whole lines) is searched with one bytes.find or regex
pass per term, giving a set of line numbers; AND intersects the sets, OR unites them, NOT
subtracts. Only terms that need a parsed line (level, code) are checked line by line, and only
on the lines the rest of an AND left.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from tuilogs.core.buffer import LogBuffer
from tuilogs.core.gather import gathered_chunks
from tuilogs.core.record import dyno_matches
from tuilogs.core.terms import (
    Chunk,
    FieldTerm,
    Node,
    OriginTerm,
    QueryError,
    RegexTerm,
    TextTerm,
    code_term,
    level_term,
    smart_case,
)

__all__ = ["Query", "QueryError", "conjoin", "field_query", "parse_query", "smart_case"]

# One token at a time: a (negated) opening parenthesis, a closing one, a phrase, a field with
# a quoted value, a regex, or a bare word (whose unbalanced trailing `)` close groups).
_TOKEN_RE = re.compile(
    r"""\s*(?:
      (?P<open>-?\()
    | (?P<close>\))
    | (?P<quoted>-?(?:[A-Za-z_][\w.#@\-]*(?:>=|<=|!=|:|>|<|=))?"(?:[^"\\]|\\.)*"?)
    | (?P<regex>-?/(?:[^/\\]|\\.)+/)
    | (?P<word>[^\s]+)
    )""",
    re.VERBOSE,
)
_FIELD_RE = re.compile(r"^([A-Za-z_][\w.#@\-]*)(>=|<=|!=|:|>|<|=)(.*)$", re.DOTALL)
_PLAIN_VALUE_RE = re.compile(r'[^\s"()\\]+')
_KEY_RE = re.compile(r"[A-Za-z_][\w.#@\-]*")
_ORIGIN_KEYS = ("source", "dyno")
_UNESCAPE_RE = re.compile(r'\\(["\\])')  # in a quoted value `\"` is `"` and `\\` is `\`
_UNCLOSED = "unclosed ( — add a )"
_UNMATCHED = "unmatched ) — remove it, or quote text that has one"


class And(Node):
    def __init__(self, parts: list[Node]) -> None:
        self.positive = sorted((p for p in parts if not isinstance(p, Not)), key=_cost)
        self.negative = sorted((p for p in parts if isinstance(p, Not)), key=_cost)
        self.cost = max(map(_cost, parts))

    def evaluate(self, chunk, within):
        cands = within
        for part in self.positive:
            cands = part.evaluate(chunk, cands)
            if not cands:
                return cands
        if cands is None:  # negated parts only: they take lines away from all
            cands = chunk.universe()
        for part in self.negative:
            cands = cands - part.inner.evaluate(chunk, cands)
            if not cands:
                return cands
        return cands

    def prepare(self, origins):
        for part in (*self.positive, *self.negative):
            part.prepare(origins)

    def leaves(self, positive=True):
        for part in (*self.positive, *self.negative):
            yield from part.leaves(positive)


class Or(Node):
    def __init__(self, parts: list[Node]) -> None:
        self.parts = sorted(parts, key=_cost)
        self.cost = max(map(_cost, parts))

    def evaluate(self, chunk, within):
        found: set[int] = set()
        for part in self.parts:
            if part.cost > 2 and found:
                # Costly parts (a parsed line each) only look at lines not already in.
                rest = (within if within is not None else chunk.universe()) - found
                found |= part.evaluate(chunk, rest)
            else:
                found |= part.evaluate(chunk, within)
        return found

    def prepare(self, origins):
        for part in self.parts:
            part.prepare(origins)

    def leaves(self, positive=True):
        for part in self.parts:
            yield from part.leaves(positive)


class Not(Node):
    def __init__(self, inner: Node) -> None:
        self.inner = inner
        self.cost = inner.cost

    def evaluate(self, chunk, within):
        base = within if within is not None else chunk.universe()
        return base - self.inner.evaluate(chunk, within)

    def prepare(self, origins):
        self.inner.prepare(origins)

    def leaves(self, positive=True):
        yield from self.inner.leaves(not positive)


def _cost(node: Node) -> int:
    return node.cost


@dataclass
class Query:
    text: str
    root: Node | None

    @property
    def empty(self) -> bool:
        return self.root is None

    def highlighter(self) -> re.Pattern[str] | None:
        """One pattern for the text and regex terms that are not negated, to mark on screen."""
        parts = []
        for term, positive in self.root.leaves() if self.root is not None else ():
            if positive and isinstance(term, TextTerm | RegexTerm):
                flag = "i" if term.pattern.flags & re.IGNORECASE else "-i"
                parts.append(f"(?{flag}:{term.pattern.pattern})")
        if not parts:
            return None
        try:
            return re.compile("|".join(parts))
        except re.error:
            return None

    def _run(
        self, buffer: LogBuffer, chunks: Iterable[Chunk], cancelled: Callable[[], bool]
    ) -> array | None:
        out = array("I")
        root = self.root
        if root is None:
            return out
        root.prepare(list(buffer.origins.origins))
        for chunk in chunks:
            if cancelled():
                return None
            out.extend(sorted(root.evaluate(chunk, None)))
        return out

    def scan(
        self,
        buffer: LogBuffer,
        lo: int = 0,
        hi: int | None = None,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> array | None:
        """Indexes of matching lines in [lo, hi), ascending; None if cancelled."""
        hi = len(buffer) if hi is None else hi
        bounds, keys = buffer.bounds, buffer.keys
        chunks = (
            Chunk.stretch(data, first, last, base, bounds, keys)
            for first, last, base, data in buffer.chunks(lo, hi)
        )
        return self._run(buffer, chunks, cancelled)

    def scan_lines(
        self,
        buffer: LogBuffer,
        lines: Sequence[int],
        cancelled: Callable[[], bool] = lambda: False,
    ) -> array | None:
        """The matching lines among `lines` (ascending), reading only those; None if
        cancelled."""
        return self._run(buffer, gathered_chunks(buffer, lines), cancelled)


# -- parsing ------------------------------------------------------------------------------------


def _tokens(text: str) -> list[tuple[str, str]]:
    """(kind, text) pairs: `open`, `-open`, `close`, `or`, `and`, `term`."""
    out: list[tuple[str, str]] = []
    # Tokens follow one another: any character but a space starts one (a word at least).
    for m in _TOKEN_RE.finditer(text):
        kind = m.lastgroup
        token = m[kind]
        if kind == "open":
            out.append(("-open" if token.startswith("-") else "open", token))
        elif kind == "close":
            out.append(("close", token))
        elif kind == "word":
            closers = 0
            while token.endswith(")") and token.count(")") > token.count("("):
                token, closers = token[:-1], closers + 1
            if token in ("OR", "AND"):
                out.append((token.lower(), token))
            elif token:
                out.append(("term", token))
            out.extend([("close", ")")] * closers)
        else:
            out.append(("term", token))
    return out


class _Parser:
    """Recursive descent: or := and (OR and)*; and := unary (AND? unary)*; unary := term |
    (or) | -(or)."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens, self.i = tokens, 0

    def peek(self) -> str | None:
        return self.tokens[self.i][0] if self.i < len(self.tokens) else None

    def parse(self) -> Node:
        node = self.either()
        if self.peek() == "close":
            raise QueryError(_UNMATCHED)
        return node

    def either(self) -> Node:
        parts = [self.both()]
        while self.peek() == "or":
            self.i += 1
            if self.peek() in (None, "close", "and"):  # `both` says so of a second OR
                raise QueryError("OR needs a term on each side")
            parts.append(self.both())
        return parts[0] if len(parts) == 1 else Or(parts)

    def both(self) -> Node:
        parts: list[Node] = []
        while (kind := self.peek()) not in (None, "close", "or"):
            if kind == "and":
                self.i += 1
                if not parts or self.peek() in (None, "close", "or", "and"):
                    raise QueryError("AND needs a term on each side")
                continue
            parts.append(self.unary())
        if not parts:  # a group's parts are never none (`unary`): this is the query's start
            raise QueryError("OR needs a term on each side" if self.peek() == "or" else _UNMATCHED)
        return parts[0] if len(parts) == 1 else And(parts)

    def unary(self) -> Node:
        kind, token = self.tokens[self.i]
        self.i += 1
        if kind == "term":
            return _term(token)
        # `(` or `-(`
        if self.peek() is None:
            raise QueryError(_UNCLOSED)
        if self.peek() == "close":
            raise QueryError("empty ( )")
        inner = self.either()
        if self.peek() != "close":
            raise QueryError(_UNCLOSED)
        self.i += 1
        return Not(inner) if kind == "-open" else inner


def _term(token: str) -> Node:
    negate = token.startswith("-") and len(token) > 1
    body = token[1:] if negate else token
    node = _positive_term(body)
    return Not(node) if negate else node


def _positive_term(body: str) -> Node:
    if body.startswith('"'):
        phrase = body[1:-1] if body.endswith('"') else body[1:]  # unclosed while typed
        return TextTerm(phrase.replace('\\"', '"'))
    if len(body) > 2 and body.startswith("/") and body.endswith("/"):
        return RegexTerm(body[1:-1])
    m = _FIELD_RE.match(body)
    if m and not m.group(3) and m.group(2) in (">", ">=", "<", "<="):
        # Half typed, not a text search: `status>=` as text matches nothing, and applied
        # while typing `status>=500` it would empty the view for a moment.
        raise QueryError(f"{body} needs a number (e.g. {body}500)")
    if m and m.group(3) and not m.group(3).startswith("//"):
        key, op, value = m.groups()
        if value.startswith('"'):
            value = value[1:-1] if value.endswith('"') else value[1:]
            value = _UNESCAPE_RE.sub(r"\1", value)
        lkey = key.lower()
        if lkey == "dyno" and op == ":":
            return dyno_term(value)
        if lkey == "source" and op == ":":
            return OriginTerm(lkey, value)
        if lkey == "level":
            return level_term(op, value)
        if lkey == "code":
            return Not(code_term(value)) if op == "!=" else code_term(value)
        return FieldTerm(key, op, value)
    return TextTerm(body)


def dyno_term(value: str) -> Node:
    """`dyno:web.1`: the dyno's own lines, and the router lines of the requests it served.

    A router line's header says `heroku[router]`; the dyno that answered is its `dyno=` field.
    Someone asking for `service>1000 dyno:web.1` means the slow requests web.1 served, so the
    facet reads that field on router lines (`dyno=web.1` alone reads only the field).
    """
    own = OriginTerm("dyno", value)
    if dyno_matches("router", value):
        return own
    served = And([OriginTerm("dyno", "router"), FieldTerm("dyno", "=", value)])
    return Or([own, served])


def parse_query(text: str) -> Query:
    """Parse the search box's text; raises QueryError with a message fit to show."""
    tokens = [t for t in _tokens(text.strip()) if t[1] != '""' and t[1] != '"']
    if not tokens:
        return Query(text, None)
    return Query(text, _Parser(tokens).parse())


def field_query(key: str, value: str) -> str:
    """The query text that finds lines whose field `key` has `value` (the detail view's one
    key filter, following a request): `status:503`, `path:"/a b"`, the router's `dyno=web.1`."""
    if not _KEY_RE.fullmatch(key):
        return _quote(f"{key}={value}")
    op = "=" if key.lower() in _ORIGIN_KEYS else ":"
    shown = value if _PLAIN_VALUE_RE.fullmatch(value) else _quote(value)
    return f"{key}{op}{shown}"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def conjoin(first: str, second: str) -> str:
    """Query text for lines matching both (a find turned into a filter within a filter)."""

    def grouped(text: str) -> str:
        return f"({text})" if any(k == "or" for k, _ in _tokens(text.strip())) else text

    return f"{grouped(first)} {grouped(second)}".strip()
