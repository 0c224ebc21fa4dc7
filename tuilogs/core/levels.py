"""Severity of a log message, guessed from the text: one of `LEVELS` or None.

Apps on Heroku log in every dialect (logfmt, JSON, Python/Ruby/Java loggers, gunicorn, Rails,
Postgres), and the explorer wants a level column it can filter on without parsing each format.
So this is a heuristic, cheap enough for every ingested line: a few compiled regexes over the
first `WINDOW` characters, no `json.loads`.

Evidence, strongest first:

1. an explicit field anywhere in the window: logfmt `level=`, `severity=`, `lvl=`,
   `loglevel=`, the router's `at=error`, or JSON `"level": "warn"` / pino's numeric
   `"level": 50`;
2. otherwise the leftmost of: `Traceback (most recent call last)`; a bracketed word `[ERROR]`,
   `[warn]`; an upper-case word `ERROR`, `WARN`, `INFO`, `DEBUG`, `FATAL`...; a word followed by a
   colon `Error:`, `warning:`, Postgres `LOG:`; an exception name `ValueError`,
   `java.lang.NullPointerException`, `Exception`; Heroku's `Error R14`.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import NamedTuple

__all__ = [
    "LEVELS",
    "WINDOW",
    "LevelMatch",
    "detect_level",
    "find_level",
    "NUMERIC_HINT",
    "hint_pattern",
    "hint_words",
    "level_of_word",
]

LEVELS = ("debug", "info", "notice", "warning", "error", "critical")
WINDOW = 200

_WORD_LEVEL = {
    "trace": "debug",
    "debug": "debug",
    "info": "info",
    "information": "info",
    "informational": "info",
    "log": "info",
    "notice": "notice",
    "warn": "warning",
    "warning": "warning",
    "error": "error",
    "err": "error",
    "severe": "error",
    "crit": "critical",
    "critical": "critical",
    "fatal": "critical",
    "alert": "critical",
    "emerg": "critical",
    "emergency": "critical",
    "panic": "critical",
}

# Words accepted as a level value, longest first so alternation prefers them.
_WORDS = (
    r"(?:information(?:al)?|emergency|critical|warning|severe|notice|error|debug\d?|emerg|"
    r"fatal|alert|panic|trace|crit|info|warn|err)"
)

# Why four small regexes instead of one: CPython's `re` tries every alternative at every
# position unless a pattern starts with a literal or a character class, in which case it skips
# ahead in C. One combined pattern measured ~35 µs on a 200-character line without a level;
# these, each led by a rare character class, take ~5 µs together and ~0.3 µs on router lines.

# JSON keys that hold a level, by word or by number (pino/bunyan).
JSON_LEVEL_KEYS = ("level", "severity", "lvl", "loglevel", "log.level")
_JSON_KEYS = "(?:" + "|".join(f'(?<="{re.escape(k)}":)' for k in JSON_LEVEL_KEYS) + ")"

# 1. Explicit fields, led by `=` or `:` and looking back at the key.
_FIELD_RE = re.compile(
    rf"""
    [=:](?:
        (?:(?<=\blevel=)|(?<=\bseverity=)|(?<=\blvl=)|(?<=\bloglevel=)|(?<=\blog_level=))
        ["']?(?P<kv>(?i:{_WORDS}))(?![\w-])
      | (?<=\bat=)(?P<at>(?i:{_WORDS}))(?![\w-])
      | {_JSON_KEYS}\s*(?:"(?P<js>(?i:{_WORDS}))"|(?P<num>\d{{1,3}})(?![\d.]))
    )
    """,
    re.VERBOSE,
)

# 2. Words led by a capital letter, which is consumed first (so the scan skips ahead in C) and
# then re-examined by look-behinds. `(?<![\w$-].)` checks the capital starts a word.
_CAPITAL_RE = re.compile(
    r"""
    [A-Z](?<![\w$-].)(?:
        (?P<tb>(?<=T)raceback\ \(most\ recent\ call\ last\))
      | (?P<her>(?<=E)rror)\ [HRL]\d\d\b
      | (?P<exc>(?<=E)xception|[\w$]*(?:Error|Exception))\b
      | (?P<up>
            (?<=E)(?:RROR|RR|MERG(?:ENCY)?) | (?<=W)ARN(?:ING)? | (?<=I)NFO(?:RMATION)?
          | (?<=D)EBUG\d? | (?<=N)OTICE | (?<=C)RIT(?:ICAL)? | (?<=F)ATAL | (?<=A)LERT
          | (?<=P)ANIC | (?<=T)RACE | (?<=S)EVERE
        )(?![\w-])
      | (?P<col>
            (?<=E)rror | (?<=W)arn(?:ing)? | (?<=I)nfo | (?<=D)ebug | (?<=N)otice
          | (?<=C)rit(?:ical)? | (?<=F)atal | (?<=A)lert | (?<=P)anic | (?<=L)OG
        ):
    )
    """,
    re.VERBOSE,
)

# 3. A bracketed word, `[ERROR]`, `[warn]`.
_BRACKET_RE = re.compile(rf"\[(?P<br>(?i:{_WORDS}))\]")

# 4. A lower-case word before a colon, `error:`, `warning:` (Go, Rust, compilers).
_LOWER_COLON_RE = re.compile(
    r"(?:information|emergency|critical|warning|severe|notice|error|debug|emerg|fatal|alert|"
    r"panic|crit|info|warn|err):"
)

_FIXED = {"tb": "error", "exc": "error", "her": "error"}


class LevelMatch(NamedTuple):
    """A detected level and the span of the text that gave it away (for colouring)."""

    level: str
    start: int
    end: int


def level_of_word(word: str) -> str | None:
    """Normalise a level word (`WARN`, `err`, `debug2`, `fatal`) to one of `LEVELS`."""
    w = word.lower().rstrip("0123456789")
    return _WORD_LEVEL.get(w)


def _numeric(n: int) -> str:
    # pino/bunyan: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal.
    if n <= 20:
        return "debug"
    if n <= 30:
        return "info"
    if n <= 40:
        return "warning"
    if n <= 50:
        return "error"
    return "critical"


def find_level(message: str) -> LevelMatch | None:
    """The level of `message` and where its evidence sits; None if there is none."""
    if not isinstance(message, str):
        return None
    m = _FIELD_RE.search(message, 0, WINDOW)
    if m is not None:
        group = m.lastgroup or ""
        start, end = m.span(group)
        if group == "num":
            return LevelMatch(_numeric(int(m[group])), start, end)
        level = level_of_word(m[group])
        return LevelMatch(level, start, end) if level else None

    best: LevelMatch | None = None
    limit = WINDOW
    m = _CAPITAL_RE.search(message, 0, limit)
    if m is not None:
        group = m.lastgroup or ""
        start, end = m.start(), m.end(group)
        level = _FIXED.get(group) or level_of_word(message[start:end])
        if level:
            best = LevelMatch(level, start, end)
            limit = start
    m = _BRACKET_RE.search(message, 0, limit)
    if m is not None:
        level = level_of_word(m["br"])
        if level:
            best = LevelMatch(level, *m.span("br"))
            limit = m.start()
    pos = 0
    while (m := _LOWER_COLON_RE.search(message, pos, limit)) is not None:
        start = m.start()
        before = message[start - 1 : start] if start else ""
        if not before or not (before.isalnum() or before in "_-$"):
            level = level_of_word(m[0][:-1])
            if level:
                best = LevelMatch(level, start, m.end() - 1)
            break
        pos = start + 1
    return best


def detect_level(message: str) -> str | None:
    """One of `LEVELS`, or None when the message gives no sign of its severity."""
    found = find_level(message)
    return found.level if found else None


# Lower-case text found in every piece of evidence above, beyond the level words themselves:
# what a bulk search (`level:error`) must look for before confirming lines with `detect_level`.
# `log` counts only before a colon (Postgres `LOG:`, see _CAPITAL_RE), so it is a hint as `log:`.
_EVIDENCE = {"info": ("log:",), "error": ("traceback", "exception")}
_NUMERIC_HINT = r'"(?:' + "|".join(map(re.escape, JSON_LEVEL_KEYS)) + r')":\s*\d'


def hint_words(levels: Collection[str]) -> list[bytes]:
    """The words `hint_pattern(levels)` looks for, less those holding a shorter one (`error`
    holds `err`): a line holds one of these exactly when it holds one of those. Found with
    `bytes.find`, one word at a time, they cost less than the pattern's one pass (whose first
    letters are the commonest: it stops at nearly every byte); the numeric hint is still a
    regex (`NUMERIC_HINT`)."""
    words = _hint_words(levels)
    return sorted(w.encode() for w in words if not any(o != w and o in w for o in words))


def _hint_words(levels: Collection[str]) -> set[str]:
    words = {w for w, level in _WORD_LEVEL.items() if level in levels and w != "log"}
    words.update(e for level in levels for e in _EVIDENCE.get(level, ()))
    return words


NUMERIC_HINT = re.compile(_NUMERIC_HINT.encode())


def hint_pattern(levels: Collection[str]) -> re.Pattern[bytes]:
    """A regex over lower-cased bytes that finds every line whose level could be one of
    `levels` (and some more: confirm each with `detect_level`). Built from the words above,
    so the search language and the detector cannot disagree about what a level looks like."""
    if not levels:
        return re.compile(rb"(?!)")
    words = _hint_words(levels)
    alternatives = [re.escape(w) for w in sorted(words, key=len, reverse=True)]
    return re.compile("|".join([*alternatives, _NUMERIC_HINT]).encode())
