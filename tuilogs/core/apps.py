"""App names: one rule for the command line, the router's API and drain endpoint, and syslog.

Heroku's own names are lowercase letters, digits and dashes; the router takes the same (up to
100 characters, so its own apps and uuids fit), which also keeps path tricks (`..`, `%2F`,
upper-case twins of an app) out of the store.
"""

from __future__ import annotations

import re

APP_NAME_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")


def is_app_name(text: str) -> bool:
    """True when `text` is a name the router and the command line accept for an app."""
    return APP_NAME_RE.fullmatch(text) is not None
