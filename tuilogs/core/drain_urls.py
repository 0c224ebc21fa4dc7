"""Drain URLs: the schemes a drain may use, why a URL is refused, and how to show one safely.

One module for the router (which validates drains it stores and masks them in its log), the
forwarders (which report delivery failures) and the clients (which validate before sending and
show drains on screen): a drain URL's password is a secret everywhere. A drain URL carries its
credentials as userinfo; whoever POSTs to it sends them as Basic auth and strips them from the
URL (`split_userinfo`), as Logplex does.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import quote, unquote, urlsplit

DRAIN_SCHEMES = ("https", "http", "syslog", "syslog+tls")


def mask_url(url: str) -> str:
    """`url` with any userinfo password replaced by `***` (fit for screens, logs, errors)."""
    try:
        parts = urlsplit(url)
        user, password = parts.username, parts.password
        port = parts.port
    except ValueError:
        return "<invalid url>"
    if password is None and user is None:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if port is not None:
        host = f"{host}:{port}"
    # A lone userinfo is a secret too (the router accepts the token as a lone username).
    shown = f"{user}:***" if password is not None else "***"
    return parts._replace(netloc=f"{shown}@{host}").geturl()


def validate_drain_url(url: object) -> str | None:
    """Why `url` is not an acceptable drain URL (a sentence), or None when it is.

    Same rules as the router's and Heroku's: https/http/syslog/syslog+tls, a host (one that
    every URL parser reads alike: no backslash, no invisible characters), and a port for
    syslog. Checked before sending so the user gets the answer without a round trip. (Where
    the router may deliver is the router's own check: `server.drain_targets`.)
    """
    if not isinstance(url, str) or not url.strip():
        return "Drain URL must be a non-empty string."
    if any(c.isspace() or ord(c) < 32 for c in url):
        return "Drain URL must not contain whitespace or control characters."
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return f"Drain URL {mask_url(url)} is not a valid URL."
    scheme = parts.scheme.lower()
    if scheme not in DRAIN_SCHEMES:
        shown = f"{scheme}://" if scheme else "no scheme"
        return f"Drain URL must use https://, http://, syslog:// or syslog+tls:// (got {shown})."
    if not parts.hostname:
        return f"Drain URL {mask_url(url)} has no host."
    if "\\" in url or not _plausible_host(parts.hostname):
        return f"Drain URL {mask_url(url)} does not have a valid host name."
    if scheme.startswith("syslog") and port is None:
        return f"Drain URL {mask_url(url)} needs a port (syslog drains have no default)."
    return None


def _plausible_host(host: str) -> bool:
    """A host every URL parser reads alike: an IPv6 literal, or letters, digits, `-._`."""
    if ":" in host:
        try:
            ipaddress.IPv6Address(host.partition("%")[0])
        except ValueError:
            return False
        return True
    return all(c.isalnum() or c in "-._" for c in host)


def split_userinfo(url: str) -> tuple[str, tuple[str, str] | None]:
    """`url` without its userinfo, and the (user, password) it held (percent-decoded) for
    Basic auth; None when it had none. `https://u:p%40ss@h/x` -> (`https://h/x`, ("u", "p@ss"))."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None
    bare = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
    return bare, (unquote(parts.username or ""), unquote(parts.password or ""))


def with_userinfo(url: str, user: str, password: str) -> str:
    """`url` carrying `user:password@` (percent-encoded): a drain URL with its secret."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    userinfo = f"{quote(user, safe='')}:{quote(password, safe='')}"
    return parts._replace(netloc=f"{userinfo}@{host}").geturl()


_USERINFO_RE = re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.-]*://)[^\s/@]+@")


def mask_text(text: str, *secrets: str | None) -> str:
    """`text` with URL userinfo masked and each of `secrets` replaced by `***` (for messages
    that quote what a server said: it may echo a drain URL or a token back)."""
    text = _USERINFO_RE.sub(r"\1***@", text)
    for secret in secrets:
        if secret and len(secret) >= 8:  # real tokens are long; "t" would mangle every word
            text = text.replace(secret, "***")
    return text


def drain_label(url: object) -> str:
    """A drain URL as the explorer and the command line show it: any password masked and
    control characters made visible (a URL from an API is untrusted text)."""
    from tuilogs.core.safety import escape_controls

    return escape_controls(mask_url(str(url or "")))
