"""Host names of the router's listeners: which ones mean this machine, and the URL to reach one.

A router listening on the wildcard (`0.0.0.0`, `::`) is reached at `127.0.0.1`; an IPv6
address goes in brackets in a URL. One module for the router (its URL, refusing a drain that
points back at itself), `router.json` readers and the backend choice (is this URL the local
router?).
"""

from __future__ import annotations

WILDCARD_HOSTS = frozenset(("0.0.0.0", "::"))
LOOPBACK_HOSTS = frozenset(("127.0.0.1", "localhost", "::1", *WILDCARD_HOSTS))


def is_loopback(host: str | None) -> bool:
    """True for a name or address that reaches this machine (wildcards included)."""
    return host in LOOPBACK_HOSTS


def reachable_host(host: str) -> str:
    """The host a client connects to for a listener bound to `host` (wildcard: loopback)."""
    return "127.0.0.1" if host in WILDCARD_HOSTS else host


def base_url(host: str, port: int, https: bool = False) -> str:
    """`http(s)://HOST:PORT` for a listener on `host` (brackets around IPv6 addresses)."""
    shown = reachable_host(host)
    if ":" in shown:
        shown = f"[{shown}]"
    return f"{'https' if https else 'http'}://{shown}:{port}"
