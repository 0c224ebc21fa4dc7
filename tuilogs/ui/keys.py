"""One key list: every key is in `keymap.toml`, by the widget or screen that declares it
(`keymap(OWNER)` is that owner's BINDINGS), and the help screen and the command palette are read
from those bindings (posting's habit), never written by hand. Keys are data: one file shows
them all, in the order people see them, with no code to read around them.

A binding's id says where it belongs (`log.wrap`, `search.find`, `sidebar.only`): the part
before the dot is the area of the help screen that lists it. A binding with an id is a
command: the palette offers it whenever its owner's `check_action` allows it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache
from importlib.resources import files

import tomllib
from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import key_to_character

# The areas of the help screen, in the order a newcomer looks for them.
AREAS = {
    "log": "Log pane",
    "search": "Search",
    "time": "Time",
    "sidebar": "Sidebar",
    "detail": "Detail view",
    "drains": "Drains panel",
    "builds": "Builds panel",
    "stats": "Stats view",
    "saved": "Saved searches panel",
    "app": "Everywhere",
}


@dataclass(frozen=True)
class Command(Binding):
    """A binding that is also a command of the palette.

    `description` stays the footer's short label; `title` names the command in the palette
    (the description when empty); `tooltip` says what it does, for the palette, the help
    screen and the footer's tooltip.
    """

    title: str = ""


@cache
def _sections() -> dict[str, list[dict]]:
    return tomllib.loads(files("tuilogs.ui").joinpath("keymap.toml").read_text("utf-8"))


def keymap(owner: str) -> list[Binding]:
    """The bindings `owner` declares in keymap.toml, in order: a `Command` where the palette
    has a title of its own for it."""
    return [(Command if "title" in key else Binding)(**key) for key in _sections()[owner]]


# Keys as the README and the footer spell them; other keys by their character (`?`, `&`).
_KEY_NAMES = {
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "home": "Home",
    "end": "End",
    "enter": "Enter",
    "escape": "Esc",
    "backspace": "Backspace",
    "delete": "Del",
    "tab": "Tab",
    "space": "space",
    "slash": "/",
    "plus": "+",
    "minus": "-",
}


def key_label(key: str) -> str:
    """`ctrl+p` → `Ctrl+P`, `question_mark` → `?`, `pageup` → `PgUp`, `f1` → `F1`."""
    *modifiers, name = key.split("+")
    if name in _KEY_NAMES:
        label = _KEY_NAMES[name]
    elif re.fullmatch(r"f\d{1,2}", name):
        label = name.upper()
    else:
        label = key_to_character(name) or name
    if modifiers:
        label = "+".join([*(m.capitalize() for m in modifiers), label.upper()])
    return label


@dataclass(frozen=True)
class KeyEntry:
    """One command or key as the help screen and the palette show it."""

    area: str
    binding: Binding
    keys: tuple[str, ...]  # Textual's key names, in the order declared

    @property
    def label(self) -> str:
        """The keys as people read them: `? F1`, `q Ctrl+C`."""
        return " ".join(key_label(k) for k in self.keys)

    @property
    def title(self) -> str:
        if isinstance(self.binding, Command) and self.binding.title:
            return self.binding.title
        return self.binding.description

    @property
    def help(self) -> str:
        """What the key does: the tooltip, or the description when there is none."""
        return self.binding.tooltip or self.binding.description


def declared(owner: DOMNode | type[DOMNode]) -> list[Binding]:
    """The bindings the owner's own class declares, then those of its bases that share theirs
    (`SHARE_BINDINGS = True`: a part of a screen kept in a module of its own): not those
    Textual's base classes add (OptionList's cursor keys), which a help screen for tuilogs
    need not repeat."""
    cls = owner if isinstance(owner, type) else type(owner)
    shared = [k for k in cls.__mro__[1:] if k.__dict__.get("SHARE_BINDINGS")]
    return [
        b
        for klass in (cls, *shared)
        for b in klass.__dict__.get("BINDINGS", ())
        if isinstance(b, Binding)
    ]


def entries(owner: DOMNode | type[DOMNode], area: str) -> list[KeyEntry]:
    """The owner's keys; each in the area its id names, or in `area` (keys without an id)."""
    out = []
    for binding in declared(owner):
        prefix = (binding.id or "").partition(".")[0]
        keys = tuple(k.strip() for k in binding.key.split(","))
        out.append(KeyEntry(prefix if prefix in AREAS else area, binding, keys))
    return out


def by_area(items: Iterable[KeyEntry]) -> dict[str, list[KeyEntry]]:
    """Entries grouped in AREAS order, one row per id: a command bound in two places (`q` and
    the priority `Ctrl+C`; Escape in the log pane and in the search box) is one row."""
    grouped: dict[str, list[KeyEntry]] = {area: [] for area in AREAS}
    rows_by_id: dict[str, tuple[str, int]] = {}
    for entry in items:
        first = rows_by_id.get(entry.binding.id or "")
        if first is None:
            if entry.binding.id is not None:
                rows_by_id[entry.binding.id] = (entry.area, len(grouped[entry.area]))
            grouped[entry.area].append(entry)
            continue
        area, index = first
        kept = grouped[area][index]
        keys = kept.keys + tuple(k for k in entry.keys if k not in kept.keys)
        grouped[area][index] = replace(kept, keys=keys)
    return {area: rows for area, rows in grouped.items() if rows}
