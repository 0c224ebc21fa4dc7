"""Saved searches kept on this machine, for what no router keeps them for: files, pipes, and
apps read from Heroku. One JSON file in the config directory (`saved-searches.json`), its
searches grouped by scope (`files`, or `app:NAME`), written atomically and owner-only.

A router app's searches live in the router instead (shared by everyone using it); the explorer
chooses which book to use (`tuilogs.ui.search_book`).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from tuilogs.core import locations

FILE_NAME = "saved-searches.json"
FILES_SCOPE = "files"
MAX_NAME = 64

_lock = threading.Lock()  # one writer at a time within the process


def path() -> Path:
    return locations.config_dir() / FILE_NAME


def _read(file: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        scope: {str(k): str(v) for k, v in searches.items() if isinstance(v, str)}
        for scope, searches in data.items()
        if isinstance(searches, dict)
    }


class LocalSearches:
    """The saved searches of one scope on this machine (name → query), by name."""

    def __init__(self, scope: str = FILES_SCOPE, file: Path | None = None) -> None:
        self.scope = scope
        self.file = file

    def _path(self) -> Path:
        return self.file if self.file is not None else path()

    def all(self) -> list[tuple[str, str]]:
        return sorted(_read(self._path()).get(self.scope, {}).items())

    def save(self, name: str, query: str) -> None:
        name = name.strip()
        if not name or len(name) > MAX_NAME:
            raise ValueError(f"a name of 1 to {MAX_NAME} characters, please")
        self._change(lambda searches: searches.__setitem__(name, query))

    def remove(self, name: str) -> bool:
        removed: list[str | None] = []
        self._change(lambda searches: removed.append(searches.pop(name, None)))
        return removed[0] is not None

    def _change(self, edit) -> None:
        with _lock:
            file = self._path()
            data = _read(file)
            edit(data.setdefault(self.scope, {}))
            if not data[self.scope]:
                del data[self.scope]
            locations.write_private(file, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
