"""Finding the local router (`tuilogs serve`) without importing `tuilogs.server`.

Mirrors `tuilogs/server/paths.py` (config dir: `$TUILOGS_HOME/config`, else platformdirs'
user config dir; files `router.json` and `token`) and `tuilogs.server.main.discover()`. The two
must stay in sync; the layer rule forbids importing the server from the client.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from platformdirs import user_config_dir

APP_NAME = "tuilogs"
DEFAULT_URL = "http://127.0.0.1:5170"


def config_dir() -> Path:
    """The router's config directory (not created: a client only reads it)."""
    home = os.environ.get("TUILOGS_HOME")
    return Path(home).expanduser() / "config" if home else Path(user_config_dir(APP_NAME))


def discovery_path() -> Path:
    return config_dir() / "router.json"


def token_path() -> Path:
    return config_dir() / "token"


def read_token() -> str | None:
    """The router's API token, or None if no router ever ran here."""
    try:
        token = token_path().read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return token or None


def discover() -> dict | None:
    """The running router from `router.json` (`base_url`, host, port, pid), or None.

    A file left by a dead process (kill -9) is ignored, as `tuilogs.server.main.discover` does.
    """
    try:
        info = json.loads(discovery_path().read_text(encoding="utf-8"))
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
        host = info.get("host") or "127.0.0.1"
        if host in ("0.0.0.0", "::"):
            host = "127.0.0.1"
        shown = f"[{host}]" if ":" in host else host
        info["base_url"] = f"http://{shown}:{port}"
    return info
