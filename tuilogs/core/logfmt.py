"""Logfmt (`key=value key2="quoted value"`) with offsets, so the UI can colour keys and values.

Router lines and many app libraries speak logfmt. We keep every pair's position in the source
text rather than only a dict, because colouring needs spans and filters may want the raw token.

Scanning is one compiled regex driven by `finditer` (C speed, no per-character Python loop).
The grammar is deliberately lenient, like the heroku CLI, because log lines are evidence and
must never be rejected:

- a key is a run of word characters and `. # : / @ -` that starts a whitespace-separated word
  (`at`, `sample#memory_total`, `measure.db`); words that are not `key=value` are skipped;
- a quoted value runs to the next unescaped `"`; `\\"` and `\\\\` are unescaped in `Field.value`;
  an unterminated quote runs to the end of the text;
- an unquoted value is everything up to the next whitespace (so `path=/a?b=c` keeps `b=c`);
- an empty value (`connect=`) is a pair with value `""`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["PAIR_RE", "Field", "is_logfmt", "parse_logfmt"]

# The scanner, public for hot paths (colouring) that want offsets without building `Field`s:
# groups `key`, `value` (as written) and `quoted` (inside the quotes, still escaped; None when
# the value is bare).
PAIR_RE = re.compile(
    r"""
    (?<!\S)                         # the key starts a word: no bare-word tails like x"k=v
    (?P<key>[\w.\#:/@-]+)
    =
    (?P<value>
        "(?P<quoted>(?:[^"\\]|\\.)*)(?:"|\\?\Z)  # unterminated runs to the end
      | [^\s]*                                    # bare (possibly empty)
    )
    """,
    re.VERBOSE | re.DOTALL,
)
_UNESCAPE_RE = re.compile(r'\\(["\\])')


@dataclass(frozen=True, slots=True)
class Field:
    """One `key=value` pair.

    `start:end` covers the whole pair in the parsed text; the key is `start:start+len(key)`;
    `value_start:value_end` covers the value token as written (quotes included), so colouring
    the span shows exactly what is on screen. `value` is the decoded value (quotes removed,
    `\\"` and `\\\\` unescaped).
    """

    key: str
    value: str
    start: int
    end: int
    value_start: int
    value_end: int

    @property
    def key_end(self) -> int:
        return self.start + len(self.key)


def parse_logfmt(text: str) -> list[Field]:
    """All `key=value` pairs of `text`, in order. Never raises; non-pairs are skipped."""
    if not isinstance(text, str) or "=" not in text:
        return []
    fields: list[Field] = []
    append = fields.append
    for m in PAIR_RE.finditer(text):
        vs, ve = m.span("value")
        value = m["quoted"]
        if value is None:
            value = m["value"]
        elif "\\" in value:
            value = _UNESCAPE_RE.sub(r"\1", value)
        append(Field(m["key"], value, m.start(), m.end(), vs, ve))
    return fields


def is_logfmt(text: str) -> bool:
    """Whether `text` reads as logfmt: at least two `key=value` pairs.

    Two, because one `=` is common in prose and URLs (`GET /?page=2`), while two pairs that each
    start a word are a reliable sign of structured output (`at=info method=GET`, `level=warn
    msg=...`). Stops scanning at the second pair.
    """
    if not isinstance(text, str) or text.count("=") < 2:
        return False
    pairs = PAIR_RE.finditer(text)
    return next(pairs, None) is not None and next(pairs, None) is not None
