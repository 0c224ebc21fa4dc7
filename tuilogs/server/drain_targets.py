"""Where a drain may deliver: no cloud metadata, no link-local, no private network unless
allowed, and never back into this router's own endpoint for the same app.

Drains are added by token holders; the router then connects wherever they point, from inside
its own network. So a drain URL is checked when it is added (`refusal`, with the host resolved)
and its host again at every connect (`TargetPolicy.addresses`), because DNS can change in
between: the forwarder connects to the very address that was checked, never to a name
resolved a second time. Address kinds are `core.hosts.address_kind`'s. Private targets
(loopback included) are allowed when every listener of the router is on loopback (a laptop),
or with `--allow-private-drains`.

A loop through this router's drain endpoint is refused when seen (host normalised, path
percent-decoded and dot-segments removed, as the sender and the router read them); loops it
cannot see (through a proxy, two routers) end at the hop limit (`server.hops`).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from tuilogs.core.hosts import (
    FORBIDDEN,
    PRIVATE,
    IPAddress,
    address_kind,
    listens_beyond_loopback,
    name_kind,
    normalize_host,
    parse_ip,
)

from .settings import Settings

RESOLVE_TIMEOUT = 5.0
RESOLVE_TTL = 30.0  # seconds a checked resolution is reused by a forwarder


class TargetRefused(Exception):
    """A drain target this router must not connect to; the message says why."""


def remove_dot_segments(path: str) -> str:
    """RFC 3986 5.2.4, as HTTP clients apply it before sending (`/x/../drains/a` -> `/drains/a`)."""
    out: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if len(out) > 1:
                out.pop()
        elif segment != ".":
            out.append(segment)
    if path.endswith(("/.", "/..")):
        out.append("")
    return "/".join(out) or "/"


def is_local_address(ip: IPAddress) -> bool:
    """True when `ip` is an address of this machine (loopback, wildcard, or one it can bind)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback or ip.is_unspecified:
        return True
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        try:
            s.bind((str(ip), 0))
        except OSError:
            return False
    return True


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to (a literal address is its own answer)."""
    ip = parse_ip(host)
    if ip is not None:
        return [ip]
    loop = asyncio.get_running_loop()
    infos = await asyncio.wait_for(
        loop.getaddrinfo(normalize_host(host), port, type=socket.SOCK_STREAM), RESOLVE_TIMEOUT
    )
    out: list[IPAddress] = []
    for info in infos:
        addr = ipaddress.ip_address(str(info[4][0]).partition("%")[0])
        if addr not in out:
            out.append(addr)
    return out


@dataclass(frozen=True)
class TargetPolicy:
    """What this router's drains may reach, and its own endpoints (for the loop check)."""

    allow_private: bool
    http_port: int
    syslog_ports: frozenset[int]
    public_host: str | None = None
    public_port: int | None = None

    @classmethod
    def from_settings(cls, s: Settings) -> TargetPolicy:
        hosts = [s.host, s.syslog_host or s.host]
        public = urlsplit(s.public_url) if s.public_url else None
        allow = s.allow_private_drains
        if allow is None:
            allow = not any(listens_beyond_loopback(h) for h in hosts)
        return cls(
            allow_private=allow,
            http_port=s.port,
            syslog_ports=frozenset(p for p in (s.syslog_port, s.syslog_tls_port) if p),
            public_host=normalize_host(public.hostname or "") if public else None,
            public_port=(public.port or (443 if public.scheme == "https" else 80))
            if public
            else None,
        )

    def check(self, ip: IPAddress) -> None:
        """Raise `TargetRefused` unless a drain may connect to `ip`."""
        self._allow(*address_kind(ip))

    def check_name(self, host: str) -> None:
        """Raise `TargetRefused` for a name refused whatever it resolves to (metadata services;
        localhost unless private targets are allowed)."""
        known = name_kind(host)
        if known is not None:
            self._allow(*known)

    def _allow(self, kind: str, what: str) -> None:
        if kind == FORBIDDEN:
            raise TargetRefused(f"it is {what}")
        if kind == PRIVATE and not self.allow_private:
            raise TargetRefused(
                f"it is {what}, and a router listening beyond loopback drains to private"
                " addresses only with --allow-private-drains"
            )

    async def addresses(self, host: str, port: int, *, syslog: bool) -> list[IPAddress]:
        """The checked addresses to connect to for `host` (at connect time). Raises
        `TargetRefused`, or OSError / TimeoutError when the name does not resolve."""
        self.check_name(host)
        found = await resolve(host, port)
        for ip in found:
            self.check(ip)
            if syslog and port in self.syslog_ports and is_local_address(ip):
                raise TargetRefused("it is this router's own syslog listener (a loop)")
        if not found:
            raise OSError(f"{host} has no address")
        return found

    async def refusal(self, url: str, app: str) -> str | None:
        """Why a drain of `app` must not have this (syntactically valid) URL, or None."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        scheme = parts.scheme.lower()
        port = parts.port or {"https": 443, "http": 80}.get(scheme, 0)
        try:
            self.check_name(host)
            try:
                found = await resolve(host, port)
            except (OSError, asyncio.TimeoutError, UnicodeError):
                found = []  # unknown today: checked again at every connect
            local = name_kind(host) is not None or any(is_local_address(ip) for ip in found)
            for ip in found:
                self.check(ip)
        except TargetRefused as exc:
            return f"Url cannot be used as a drain: {exc}."
        if scheme.startswith("syslog"):
            if local and port in self.syslog_ports:
                return "Url points at this router's own syslog listener (a loop)."
            return None
        own = (local and port == self.http_port) or (
            normalize_host(host) == self.public_host and port == self.public_port
        )
        path = remove_dot_segments(unquote(parts.path)).rstrip("/")
        if own and path == f"/drains/{app}":
            return "Url points at this router's own drain endpoint for the same app (a loop)."
        return None


class CheckedResolver:
    """A forwarder's view of its drain's host: checked addresses, re-resolved every
    `RESOLVE_TTL` seconds (each new answer checked again)."""

    def __init__(self, policy: TargetPolicy, host: str, port: int, *, syslog: bool) -> None:
        self.policy = policy
        self.host = host
        self.port = port
        self.syslog = syslog
        self._cached: list[IPAddress] = []
        self._until = 0.0

    async def address(self) -> IPAddress:
        now = time.monotonic()
        if not self._cached or now >= self._until:
            self._cached = []
            self._cached = await self.policy.addresses(self.host, self.port, syslog=self.syslog)
            self._until = now + RESOLVE_TTL
        return self._cached[0]
