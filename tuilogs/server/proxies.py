"""The router's own address as its clients should use it (`logplex_url`), and which proxies'
`X-Forwarded-*` headers are believed.

A `Host` header is whatever the client wrote; an answer built from it sends the next request
wherever that was (the `logplex_url` of a log session used to echo any `Host`). The base URL
comes, in order, from:

1. `--public-url`, for a router behind a proxy that says nothing;
2. a trusted proxy (`FORWARDED_ALLOW_IPS`, uvicorn's setting and syntax; loopback by default)
   that forwarded the request (`X-Forwarded-Proto` or `X-Forwarded-Host`): its scheme and
   host (`X-Forwarded-Host`, else `Host`). On Heroku the variable is `*`: a dyno is reached
   only through Heroku's router, which delivers only requests for the app's own domains;
3. the address the client actually connected to (the connection's local end), with the
   connection's own scheme.

`TrustedProxies` wraps uvicorn's `ProxyHeadersMiddleware` (which rewrites the scope's scheme
and client from the same headers) so the trust decision made here is the one it applies.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from tuilogs.core.hosts import base_url

DEFAULT_TRUSTED = "127.0.0.1,::1"
_HOST = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?"
)


def trusted_spec(configured: str | None) -> str:
    """The trusted proxies: the setting, else `FORWARDED_ALLOW_IPS`, else loopback."""
    return configured or os.environ.get("FORWARDED_ALLOW_IPS") or DEFAULT_TRUSTED


def trust_check(spec: str) -> Callable[[str], bool]:
    """`spec` (`*`, or addresses, networks and literals, comma-separated) as a predicate."""
    items = {item.strip() for item in spec.split(",") if item.strip()}
    if "*" in items:
        return lambda host: True
    networks = []
    for item in items:
        with contextlib.suppress(ValueError):  # else a literal (a unix socket): compared as text
            networks.append(ipaddress.ip_network(item, strict=False))

    def trusted(host: str) -> bool:
        if host in items:
            return True
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            return False
        mapped = getattr(ip, "ipv4_mapped", None)
        return any(ip in net or (mapped is not None and mapped in net) for net in networks)

    return trusted


class TrustedProxies:
    """ASGI middleware: marks whether the peer is a trusted proxy (`tuilogs.proxy`) and keeps
    the connection's own scheme (`tuilogs.scheme`), then applies uvicorn's proxy headers."""

    def __init__(self, app: Any, spec: str) -> None:
        self.is_trusted = trust_check(spec)
        self.inner = ProxyHeadersMiddleware(app, trusted_hosts=spec)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            client = scope.get("client")
            scope["tuilogs.proxy"] = bool(client) and self.is_trusted(str(client[0]))
            scope["tuilogs.scheme"] = scope.get("scheme", "http")
        await self.inner(scope, receive, send)


def public_base_url(request: Request, public_url: str | None) -> str:
    """`scheme://host[:port]` for links the router hands out (see the module docstring)."""
    if public_url:
        return public_url.rstrip("/")
    scope = request.scope
    headers = request.headers
    if scope.get("tuilogs.proxy"):
        forwarded_host = headers.get("x-forwarded-host", "").split(",")[0].strip()
        if forwarded_host or "x-forwarded-proto" in headers:
            host = forwarded_host or headers.get("host", "")
            if _HOST.fullmatch(host):
                return f"{scope['scheme']}://{host}"
    server = scope.get("server")
    https = scope.get("tuilogs.scheme", scope.get("scheme")) == "https"
    if server and server[1] is not None:
        return base_url(str(server[0]), int(server[1]), https)
    return str(request.base_url).rstrip("/")
