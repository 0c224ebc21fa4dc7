"""Redaction: secrets and personal data replaced by a marker that says what was removed.

"Never log business secrets, or personal data such as email addresses, passwords, or credit
card information" — apps do anyway, so the router (`tuilogs serve --redact`), print mode and
export (`--redact`) take them out: `password=hunter2` becomes `password=[password]`. The rules
are data (`redact_rules.py` holds the built-in ones, `redact_config.py` reads a file of your
own); this module is the engine that applies them.

It runs on the router's ingest path, where a line costs about 7.5 µs of CPU, so it is built
for lines that hold nothing (almost all of them): a batch is joined into one block and tested
with a few C-speed scans — each rule's trigger words found in the lower-cased block (`@`, `://`,
`password`...), runs of 13+ digits found in a translated copy (cards) — and only the lines
those scans point at are matched against the rules' regexes, and only against the rules
whose triggers they hold. A trigger is a necessary condition of its rule (a word every match
contains, and, for field names, what follows it: `key` wakes the token rule in `api_key=`,
not in `cache miss for key user:1`), so skipping a line never skips a secret; the rule's
regex decides. All of it costs the router about 1.3 µs of CPU a line of typical traffic,
85% of plain ingest (benchmarks/bench_redact.py). Rules without triggers (your own regexes)
are searched line by line with `map`, still without a Python loop per line. See
docs/redaction.md for the rules and their limits.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, compress

from .record import LogRecord

# A run of 13 or more digits once spaces and dashes are taken out: where a card can be.
# Everything else becomes `x`, line breaks stay, so the run is found with one `find`.
_DIGITS_TABLE = bytes(
    0x30 if 0x30 <= c <= 0x39 else 0x0A if c == 0x0A else 0x78 for c in range(256)
)
_CARD_RUN = b"0" * 13
DIGIT_RUN = "<13 digits>"
# The groups a rule's regex may name for the part to replace (see `Rule`).
VALUE_GROUPS = (
    "value",
    "word",
    "bare",
)  # the trigger of a rule that needs such a run (`Rule.triggers`)

# A value that is already a marker is left alone, so redacting twice changes (and counts)
# nothing the second time: a line may pass through two routers.
MARKER_RE = re.compile(r"\[[A-Za-z0-9_.-]+\]")


@dataclass(frozen=True, slots=True)
class Rule:
    """One kind of secret: where it is, and the marker that replaces it.

    `regex` finds it; when the regex has a group named `value` (or `word`) only that group is
    replaced (`password=` stays), otherwise the whole match. A group `bare` holds a value
    written without quotes after a quoted key (JSON's `"pin": 1234`): its marker is quoted
    with the key's quote (group `kq`) so the JSON stays valid. `refine`, when set, gets the
    value's text and returns the spans within it that really are secrets (cards: the
    Luhn-checked digit runs); none leaves the match as it was.

    `triggers`: lower-case words every match contains (or `DIGIT_RUN`); a line without any
    of them is not searched. Empty: the regex itself is searched in every line. `tail`, when
    set, is what follows a trigger word in every match, in the lower-cased line
    (`redact_rules.FIELD_TAIL` for a field name): an occurrence of the word without it wakes
    nothing.
    """

    name: str
    regex: re.Pattern[str]
    marker: str
    triggers: tuple[str, ...] = ()
    tail: re.Pattern[str] | None = None
    refine: Callable[[str], list[tuple[int, int]]] | None = None
    _groups: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _quoted: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        named = self.regex.groupindex
        object.__setattr__(self, "_groups", tuple(g for g in VALUE_GROUPS if g in named))
        object.__setattr__(self, "_quoted", "kq" in named)

    def apply(self, text: str, counts: Counter[str]) -> str:
        """`text` with this rule's secrets replaced; adds how many to `counts[name]`."""
        if self.regex.search(text) is None:  # most lines a trigger woke hold nothing
            return text
        found = 0
        groups, quoted = self._groups, self._quoted

        def replace(m: re.Match[str]) -> str:
            nonlocal found
            whole = m[0]
            group = next((g for g in groups if m[g] is not None), None)
            if group is None:  # the rule has no value group: the whole match goes
                if not whole:
                    return whole
                found += 1
                return self.marker
            lo, hi = m.start(group) - m.start(), m.end(group) - m.start()
            secret = whole[lo:hi]
            if not secret or MARKER_RE.fullmatch(secret):
                return whole
            if self.refine is not None:
                spans = self.refine(secret)
                if not spans:
                    return whole
                found += len(spans)
                return whole[:lo] + _splice(secret, spans, self.marker) + whole[hi:]
            found += 1
            marker = self.marker
            if group == "bare" and quoted and m["kq"]:
                marker = m["kq"] + marker + m["kq"]
            return whole[:lo] + marker + whole[hi:]

        out = self.regex.sub(replace, text)
        if found:
            counts[self.name] += found
        return out


def _splice(text: str, spans: list[tuple[int, int]], marker: str) -> str:
    out, pos = [], 0
    for start, end in spans:
        out.append(text[pos:start])
        out.append(marker)
        pos = end
    out.append(text[pos:])
    return "".join(out)


@dataclass
class Redacted:
    """What a batch became: its lines (the same objects where nothing changed), which of them
    changed, and how many secrets each rule removed."""

    lines: list[str]
    changed_at: list[int] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(self.changed_at)


class Redactor:
    """Applies a list of rules, in order, to lines (see the module docstring).

    Thread-safe: it holds no state between calls.
    """

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = tuple(rules)
        names = [r.name for r in self.rules]
        if len(set(names)) != len(names):
            raise ValueError(f"rule names must be unique: {names}")
        # trigger word -> (tail, bit mask of the rules it wakes when the tail follows)
        words: dict[str, dict[re.Pattern[str] | None, int]] = {}
        self._digits = 0  # rules woken by a long digit run
        self._searched: list[tuple[int, re.Pattern[str]]] = []  # rules without triggers
        for i, rule in enumerate(self.rules):
            if not rule.triggers:
                self._searched.append((1 << i, rule.regex))
            for word in rule.triggers:
                if word == DIGIT_RUN:
                    self._digits |= 1 << i
                else:
                    tails = words.setdefault(word, {})
                    tails[rule.tail] = tails.get(rule.tail, 0) | 1 << i
        # A word holding another word that wakes the same rules, whatever follows, adds
        # nothing but a scan.
        self._woken = [  # (word, its tails and rules, every rule it may wake)
            (w, tuple(tails.items()), _mask(tails))
            for w, tails in words.items()
            if not _covered(w, tails, words)
        ]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.rules)

    def redact(self, text: str) -> tuple[str, Counter[str]]:
        """One line (or any text) redacted, and the counts per rule."""
        done = self.redact_lines([text])
        return done.lines[0], done.counts

    def redact_lines(self, lines: Sequence[str]) -> Redacted:
        """Lines redacted; the list is a new one, its untouched lines the same objects."""
        done = Redacted(list(lines))
        for i, mask in sorted(self._candidates(done.lines).items()):
            text = done.lines[i]
            for bit, rule in enumerate(self.rules):
                if mask >> bit & 1:
                    text = rule.apply(text, done.counts)
            if text != done.lines[i]:
                done.lines[i] = text
                done.changed_at.append(i)
        return done

    def redact_bytes(self, data: bytes) -> bytes:
        """Lines of bytes (split at LF, as a file holds them) redacted; bytes that are not
        UTF-8 pass through as they are (print mode and export write what was received)."""
        text = data.decode("utf-8", "surrogateescape")
        done = self.redact_lines(text.split("\n"))
        if not done.changed:
            return data
        return "\n".join(done.lines).encode("utf-8", "surrogateescape")

    def redact_records(self, records: Sequence[LogRecord]) -> tuple[list[LogRecord], Counter[str]]:
        """Records with their messages redacted (headers stay), and the counts per rule."""
        out = list(records)
        done = self.redact_lines([r.message for r in out])
        for i in done.changed_at:
            r = out[i]
            out[i] = LogRecord(r.timestamp, r.source, r.dyno, done.lines[i])
        return out, done.counts

    def _candidates(self, lines: list[str]) -> dict[int, int]:
        """Line index -> mask of the rules that may match it; lines with none are absent."""
        block = "\n".join(lines)
        if block.count("\n") == len(lines) - 1:
            return self._scan(block, lines)
        # A line holds a line break, so positions in the block do not map to lines by
        # counting breaks: test each line on its own (rare; frames may carry any byte).
        hits: dict[int, int] = {}
        for i, line in enumerate(lines):
            for mask in self._scan(line, [line]).values():
                hits[i] = hits.get(i, 0) | mask
        return hits

    def _scan(self, block: str, lines: list[str]) -> dict[int, int]:
        """`_candidates` of `lines`, joined by LF into `block`."""
        hits: dict[int, int] = {}
        lowered = block.lower()
        # Where each line of `lowered` ends (after its LF): lower-casing keeps line breaks but
        # may change lengths (`İ` becomes two characters), so ASCII alone measures `lines`.
        lengths = map(len, lines if block.isascii() else lowered.split("\n"))
        ends = list(accumulate(map((1).__add__, lengths)))
        for word, tails, every in self._woken:
            for i, mask in _lines_woken(lowered, word, tails, every, ends):
                hits[i] = hits.get(i, 0) | mask
        if self._digits:
            runs = block.encode("utf-8", "surrogatepass").translate(_DIGITS_TABLE, b" -")
            for i in _lines_holding(runs, _CARD_RUN):
                hits[i] = hits.get(i, 0) | self._digits
        for mask, regex in self._searched:
            for i in compress(range(len(lines)), map(regex.search, lines)):
                hits[i] = hits.get(i, 0) | mask
        return hits


def _covered(word: str, tails: dict[re.Pattern[str] | None, int], words: dict) -> bool:
    """Does a shorter trigger inside `word` wake, whatever follows it, every rule `word` does?"""
    rules = _mask(tails)
    return any(
        other != word and other in word and set(wakes) == {None} and wakes[None] & rules == rules
        for other, wakes in words.items()
    )


def _mask(tails: dict[re.Pattern[str] | None, int]) -> int:
    out = 0
    for mask in tails.values():
        out |= mask
    return out


def _lines_woken(
    block: str,
    word: str,
    tails: Sequence[tuple[re.Pattern[str] | None, int]],
    every: int,
    ends: list[int],
) -> Iterable[tuple[int, int]]:
    """(line index, rules woken) for the lines of `block` holding `word` followed by a rule's
    tail (`tails`: (tail or None, rules); `every`: all their rules); line i ends (LF
    included) at `ends[i]`."""
    at = block.find(word)
    while at != -1:
        i = bisect_right(ends, at)
        after = at + len(word)
        mask = 0
        for tail, rules in tails:
            if tail is None or tail.match(block, after):
                mask |= rules
        if mask:
            yield i, mask
        # the rest of the line may hold an occurrence that wakes the rules this one did not
        at = block.find(word, ends[i] if mask == every else at + 1)


def _lines_holding(block: bytes, needle: bytes) -> Iterable[int]:
    """Indexes of the lines of `block` (lines split at LF) holding `needle`."""
    nl = b"\n"
    at = block.find(needle)
    line = last = 0
    while at != -1:
        line += block.count(nl, last, at)
        yield line
        end = block.find(nl, at)
        if end == -1:
            return
        line += 1
        last = end + 1
        at = block.find(needle, last)
