"""Where tuilogs keeps things: the router's data (store, log) and config (token, `router.json`).

One module for the router that writes these files and the clients that read them.
`TUILOGS_HOME` overrides both directories so tests and portable setups never touch the user's
real ones. `TUILOGS_TOKEN`, when set, is the token instead of the token file: several routers
on one database and their clients share it, and a platform's config var is where it lives.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from pathlib import Path

from platformdirs import user_cache_dir, user_config_dir, user_data_dir

from tuilogs.core import hosts

APP_NAME = "tuilogs"
TOKEN_ENV = "TUILOGS_TOKEN"


def _home() -> Path | None:
    home = os.environ.get("TUILOGS_HOME")
    return Path(home).expanduser() if home else None


def _dir(name: str, default: Callable[[str], str], create: bool, mode: int = 0o700) -> Path:
    home = _home()
    path = home / name if home else Path(default(APP_NAME))
    if create:
        path.mkdir(parents=True, exist_ok=True, mode=mode)
    return path


def data_dir(create: bool = True) -> Path:
    """The data directory (the SQLite store, the router's log)."""
    return _dir("data", user_data_dir, create)


def config_dir(create: bool = True) -> Path:
    """The config directory (the API token, `router.json`)."""
    return _dir("config", user_config_dir, create)


def cache_dir() -> Path:
    """Things tuilogs can make again (the generated sample log)."""
    return _dir("cache", user_cache_dir, True, 0o755)


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


def shared_token() -> str | None:
    """`TUILOGS_TOKEN` (surrounding whitespace dropped), or None when unset or empty."""
    return os.environ.get(TOKEN_ENV, "").strip() or None


def read_token() -> str | None:
    """The router's API token: `TUILOGS_TOKEN`, else the token file; None if neither exists."""
    shared = shared_token()
    if shared:
        return shared
    try:
        token = config_dir(create=False).joinpath("token").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return token or None


def discover() -> dict | None:
    """The running router from `router.json` (`base_url`, host, port, pid), or None.

    A file left by a dead process (kill -9) is ignored.
    """
    try:
        info = json.loads(
            config_dir(create=False).joinpath("router.json").read_text(encoding="utf-8")
        )
        pid = int(info["pid"])
        port = int(info["port"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if pid != os.getpid():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
    if not info.get("base_url"):
        info["base_url"] = hosts.base_url(info.get("host") or "127.0.0.1", port)
    return info


def write_discovery(info: dict) -> Path:
    """Write `router.json` (0600) for `discover`: the running router's `base_url`, host, port
    and pid."""
    path = discovery_path()
    write_private(path, json.dumps(info, indent=2) + "\n")
    return path


def remove_discovery(pid: int | None = None) -> None:
    """Remove `router.json` if it names this process (or `pid`): another router may have
    replaced it since."""
    path = discovery_path()
    with contextlib.suppress(OSError, ValueError):
        info = json.loads(path.read_text(encoding="utf-8"))
        if info.get("pid") == (pid or os.getpid()):
            path.unlink()
