"""Which backend `tuilogs myapp` talks to, with which token, and a sentence saying why.

Order (first match wins), documented in docs/backends.md:

1. `--api URL` (explicit)
2. `HEROKU_HOST` (a full `http(s)://host[:port]`, or a bare domain -> `https://api.DOMAIN`)

   For both, with `TUILOGS_TOKEN` set, a URL outside `*.heroku.com` is a tuilogs router (a
   team's, deployed anywhere) and that is its token; else the local router's URL takes its
   token file, and any other URL Heroku's credentials (below).

3. `HEROKU_API_KEY` -> https://api.heroku.com
4. `~/.netrc` `machine api.heroku.com` (the password is the token)
5. the local router (`tuilogs serve`) found through its `router.json`
6. none running: kind "local", `base_url` None; the CLI starts an in-process router

The token never appears in a repr or in `reason`.
"""

from __future__ import annotations

import netrc
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from tuilogs.core import locations
from tuilogs.core.hosts import is_loopback

from .client import HEROKU_API, PlatformClient, is_heroku_host


@dataclass(frozen=True)
class Backend:
    """Where the Platform API is: kind "heroku" or "local" (a tuilogs router)."""

    kind: str
    base_url: str | None
    token: str | None = field(repr=False)
    reason: str

    def client(self, **options: object) -> PlatformClient:
        """A PlatformClient for this backend (needs a base_url: start a router first)."""
        if self.base_url is None:
            raise ValueError("no router running: start one first (base_url is None)")
        return PlatformClient(self.base_url, self.token, kind=self.kind, **options)  # type: ignore[arg-type]


def normalize_url(text: str) -> str:
    """`host[:port]` or a URL -> a URL without trailing slash (bare hosts get https://)."""
    text = text.strip().rstrip("/")
    if "://" not in text:
        text = f"https://{text}"
    return text


def heroku_host_url(value: str) -> str:
    """HEROKU_HOST as the heroku CLI reads it: a full URL, or a domain meaning api.DOMAIN."""
    value = value.strip().rstrip("/")
    if "://" in value:
        return value
    if value.startswith("api."):
        return f"https://{value}"
    return f"https://api.{value}"


def netrc_token(host: str, netrc_path: str | os.PathLike | None = None) -> str | None:
    """The password of `machine HOST` in ~/.netrc (or `netrc_path`); None if absent/unreadable."""
    path = Path(netrc_path) if netrc_path is not None else Path.home() / ".netrc"
    if not path.is_file():
        return None
    try:
        entry = netrc.netrc(str(path)).authenticators(host)
    except (OSError, netrc.NetrcParseError):
        return None
    if not entry:
        return None
    return entry[2] or None


def _is_local_router(url: str, router: dict | None) -> bool:
    parts = urlsplit(url)
    if router is not None:
        r = urlsplit(router["base_url"])
        same_host = parts.hostname == r.hostname or (
            is_loopback(parts.hostname) and is_loopback(r.hostname)
        )
        if same_host and parts.port == r.port:
            return True
    return is_loopback(parts.hostname)


def resolve_backend(
    app: str | None,
    api: str | None = None,
    env: Mapping[str, str] = os.environ,
    netrc_path: str | os.PathLike | None = None,
) -> Backend:
    """Choose the backend (see the module doc for the order). `app` is accepted for the
    callers' convenience; the choice does not depend on it today. Reads files, no network."""
    del app
    key = (env.get("HEROKU_API_KEY") or "").strip() or None
    shared = (env.get(locations.TOKEN_ENV) or "").strip() or None
    router = locations.discover()

    def for_url(url: str, origin: str) -> Backend:
        host = urlsplit(url).hostname or ""
        if shared and not is_heroku_host(url):
            reason = f"{origin} → tuilogs router at {url} (token from {locations.TOKEN_ENV})"
            return Backend("local", url, shared, reason)
        if not is_heroku_host(url) and _is_local_router(url, router):
            own = locations.read_token()
            token = own or key
            which = "its token file" if own else "HEROKU_API_KEY" if key else "none found"
            return Backend("local", url, token, f"{origin} → router at {url} (token: {which})")
        if key:
            return Backend("heroku", url, key, f"{origin} → {url} (token from HEROKU_API_KEY)")
        token = netrc_token(host, netrc_path)
        if token:
            return Backend("heroku", url, token, f"{origin} → {url} (token from ~/.netrc)")
        return Backend("heroku", url, None, f"{origin} → {url}, but no token (set HEROKU_API_KEY)")

    if api:
        return for_url(normalize_url(api), "--api")
    host = (env.get("HEROKU_HOST") or "").strip()
    if host:
        return for_url(heroku_host_url(host), f"HEROKU_HOST={host}")
    if key:
        return Backend("heroku", HEROKU_API, key, f"HEROKU_API_KEY is set → {HEROKU_API}")
    token = netrc_token("api.heroku.com", netrc_path)
    if token:
        return Backend("heroku", HEROKU_API, token, f"~/.netrc has api.heroku.com → {HEROKU_API}")
    if router is not None:
        url = router["base_url"]
        return Backend(
            "local",
            url,
            locations.read_token(),
            f"no Heroku credentials → local router at {url} (tuilogs serve)",
        )
    return Backend(
        "local",
        None,
        locations.read_token(),
        "no Heroku credentials; no router running: start one (`tuilogs serve`) "
        "or let tuilogs start one",
    )
