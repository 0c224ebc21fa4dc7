"""The command palette's commands: the keys' commands that apply now, read from the bindings.

A binding with an id is a command (tuilogs.ui.keys). The palette offers those of the app, the
current screen and its widgets whose owner's `check_action` allows them now: the drain panel
only when an app is followed, next/previous match only while finding, the sidebar's entry
actions only while the sidebar has the focus (as posting's provider offers only what applies).
Textual's system-commands provider shows them, through `TuilogsApp.get_system_commands`, in
one sorted list with its own (Theme, Screenshot…).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from textual.actions import parse
from textual.app import SystemCommand
from textual.dom import DOMNode
from textual.screen import Screen

from tuilogs.ui.keys import KeyEntry, entries


def _owners(screen: Screen) -> Iterator[DOMNode]:
    yield screen
    yield from screen.query("*")
    yield screen.app


def _applies(owner: DOMNode, action: str) -> bool:
    namespace, name, parameters = parse(action)
    target = (
        {"app": owner.app, "screen": owner.screen}.get(namespace, owner) if namespace else owner
    )
    return target.check_action(name, parameters) is True


def offered(screen: Screen) -> list[tuple[KeyEntry, DOMNode]]:
    """(command, the node it runs on) for every command that applies on `screen` now, each id
    once (Escape's `search.clear` is bound in the log pane and in the search box)."""
    out: list[tuple[KeyEntry, DOMNode]] = []
    seen: set[str] = set()
    for owner in _owners(screen):
        for entry in entries(owner, "app"):
            binding = entry.binding
            if binding.id is None or binding.id in seen or not _applies(owner, binding.action):
                continue
            seen.add(binding.id)
            out.append((entry, owner))
    return out


def key_commands(screen: Screen) -> Iterator[SystemCommand]:
    """The palette's entries for the commands `offered` on `screen`, each run on its node."""
    for entry, owner in offered(screen):
        run = partial(screen.app.run_action, entry.binding.action, owner)
        yield SystemCommand(entry.title, f"{entry.help} ({entry.label})", run)
