"""Where the router keeps its data (the store, its log) and its config (token, discovery file).

`TUILOGS_HOME` overrides both so tests and portable setups never touch the user's real dirs.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_config_dir, user_data_dir

APP_NAME = "tuilogs"


def _home() -> Path | None:
    home = os.environ.get("TUILOGS_HOME")
    return Path(home).expanduser() if home else None


def data_dir(create: bool = True) -> Path:
    """The data directory (the SQLite store, the router's log)."""
    home = _home()
    path = home / "data" if home else Path(user_data_dir(APP_NAME))
    if create:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def config_dir(create: bool = True) -> Path:
    """The config directory (the API token, `router.json`)."""
    home = _home()
    path = home / "config" if home else Path(user_config_dir(APP_NAME))
    if create:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def store_path() -> Path:
    return data_dir() / "logs.sqlite3"


def token_path() -> Path:
    return config_dir() / "token"


def discovery_path() -> Path:
    return config_dir() / "router.json"


def log_path() -> Path:
    return data_dir() / "router.log"


def write_private(path: Path, text: str) -> None:
    """Write a file readable by its owner only, atomically (no window with wider perms)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
