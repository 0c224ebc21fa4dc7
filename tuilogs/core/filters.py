"""Source and dyno filters, evaluated once per origin rather than once per line.

Each entry (a source such as `heroku`, a process type such as `web`, a dyno such as `web.1`) is
included, excluded or neutral. Within a dimension, when anything is included only matching lines
show; anything excluded never shows. Dyno entries follow Heroku's `--dyno`: `web` matches
`web.1` and `web.12`, `web.1` does not match `web.10`. A merged view adds a third dimension,
its logs (`stream`: the files or apps it merges, described as `log:NAME`).
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import compress

from tuilogs.core.buffer import Origin
from tuilogs.core.record import dyno_matches

INCLUDE = "include"
EXCLUDE = "exclude"


@dataclass
class OriginFilter:
    sources: dict[str, str] = field(default_factory=dict)
    dynos: dict[str, str] = field(default_factory=dict)
    version: int = 0
    streams: dict[str, str] = field(default_factory=dict)  # a merged view's files or apps

    @property
    def active(self) -> bool:
        return bool(self.sources or self.dynos or self.streams)

    def _table(self, kind: str) -> dict[str, str]:
        if kind == "stream":
            return self.streams
        return self.sources if kind == "source" else self.dynos

    def state(self, kind: str, name: str) -> str | None:
        return self._table(kind).get(name)

    def set(self, kind: str, name: str, state: str | None) -> None:
        table = self._table(kind)
        if state is None:
            table.pop(name, None)
        else:
            table[name] = state
        self.version += 1

    def toggle_exclude(self, kind: str, name: str) -> None:
        self.set(kind, name, None if self.state(kind, name) == EXCLUDE else EXCLUDE)

    def only(self, kind: str, name: str) -> None:
        """Show only this entry in its dimension (the other dimension is kept)."""
        table = self._table(kind)
        table.clear()
        table[name] = INCLUDE
        self.version += 1

    def clear(self) -> None:
        self.sources.clear()
        self.dynos.clear()
        self.streams.clear()
        self.version += 1

    def allows(self, origin: Origin) -> bool:
        return (
            _allows(self.sources, origin.source, str.__eq__)
            and _allows(self.dynos, origin.dyno, dyno_matches)
            and _allows(self.streams, origin.stream, str.__eq__)
        )

    def mask(self, origins: Sequence[Origin]) -> bytes:
        """One byte per origin id: 1 when its lines are shown."""
        return bytes(1 if self.allows(o) else 0 for o in origins)

    def describe(self) -> str:
        parts = []
        for kind, table in (("log", self.streams), ("source", self.sources), ("dyno", self.dynos)):
            for name, state in table.items():
                parts.append(f"{'' if state == INCLUDE else '-'}{kind}:{name}")
        return " ".join(parts)


def _allows(table: dict[str, str], value: str, match) -> bool:
    if not table:
        return True
    included = False
    any_include = False
    for name, state in table.items():
        hit = bool(value) and match(value, name)
        if state == EXCLUDE and hit:
            return False
        if state == INCLUDE:
            any_include = True
            included = included or hit
    return included or not any_include


def select_lines(keys: array, mask: bytes, lo: int = 0, hi: int | None = None) -> array:
    """Indexes in [lo, hi) whose origin the mask allows, at C speed (no per-line Python)."""
    hi = len(keys) if hi is None else hi
    return array("I", compress(range(lo, hi), map(mask.__getitem__, keys[lo:hi])))


def select_from(indexes: array, keys: array, mask: bytes) -> array:
    """The subset of `indexes` whose origin the mask allows."""
    return array("I", compress(indexes, map(mask.__getitem__, map(keys.__getitem__, indexes))))
