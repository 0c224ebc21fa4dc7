"""keymap.toml is the one list of keys: every section is some widget's or screen's BINDINGS,
and no key is declared in code outside it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import tuilogs.ui
from tuilogs.ui.keys import _sections, keymap


def _declared_bindings() -> list:
    found = []
    for info in pkgutil.walk_packages(tuilogs.ui.__path__, "tuilogs.ui."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == info.name:
                found.extend(cls.__dict__.get("BINDINGS", ()))
    return found


def test_every_section_is_the_bindings_of_something():
    declared = _declared_bindings()
    for owner in _sections():
        bindings = keymap(owner)
        assert bindings, owner
        assert all(b in declared for b in bindings), f"[[{owner}]] is nobody's BINDINGS"


def test_no_binding_is_written_in_code():
    ui = Path(tuilogs.ui.__file__).parent
    written = [
        str(path.relative_to(ui))
        for path in ui.rglob("*.py")
        if path.name != "keys.py"  # where Command is defined and keymap() builds them
        and re.search(r"\b(?:Binding|Command)\(", path.read_text())
    ]
    assert written == [], "keys belong in ui/keymap.toml"
