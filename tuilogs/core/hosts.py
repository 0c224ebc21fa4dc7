"""Host names and addresses: which ones mean this machine, the URL to reach a listener, and
what kind of place a drain may point at.

A router listening on the wildcard (`0.0.0.0`, `::`) is reached at `127.0.0.1`; an IPv6
address goes in brackets in a URL. One module for the router (its URL, refusing a drain that
points back at itself or somewhere it must not reach), `router.json` readers and the backend
choice (is this URL the local router?).

Drain targets come from token holders, who must not turn the router into a way into its own
network (SSRF). An address is one of three kinds (`address_kind`): *forbidden* always
(link-local, which holds every cloud's metadata service, and multicast), *private* (loopback,
RFC 1918, CGNAT, ULA and the other non-global ranges: fine for a router on a laptop, refused
for one facing a network unless its operator allows them), or *public*. Every spelling of an
address is read the way the connecting code will read it: `127.1`, `0x7f.1` and `2130706433`
are `127.0.0.1` (inet_aton), `::ffff:127.0.0.1` and the NAT64/6to4 forms are the IPv4 address
inside them, `localhost.` is `localhost`.
"""

from __future__ import annotations

import ipaddress
import socket

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

WILDCARD_HOSTS = frozenset(("0.0.0.0", "::"))
LOOPBACK_HOSTS = frozenset(("127.0.0.1", "localhost", "::1", *WILDCARD_HOSTS))

PUBLIC, PRIVATE, FORBIDDEN = "public", "private", "forbidden"

# Cloud instance metadata services. Most live at the link-local 169.254.169.254 (refused with
# all of link-local); these are the ones elsewhere, and the names that reach them.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, DigitalOcean, OpenStack, Oracle
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS IMDS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud (classic)
    )
)
METADATA_HOSTNAMES = frozenset(
    (
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "instance-data",
        "instance-data.ec2.internal",
    )
)
LOOPBACK_NAMES = frozenset(("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"))
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


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


def normalize_host(host: str) -> str:
    """`host` as a resolver sees it: no brackets, lower case, no trailing dots."""
    host = host.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host.lower().rstrip(".")


def parse_ip(host: str) -> IPAddress | None:
    """The address `host` spells, in any form a connect would accept, else None (a name)."""
    host = normalize_host(host)
    if not host:
        return None
    try:
        return ipaddress.ip_address(host.partition("%")[0])  # fe80::1%eth0: the zone aside
    except ValueError:
        pass
    if not all(c.isascii() and (c.isalnum() or c == ".") for c in host):
        return None
    try:  # the BSD forms getaddrinfo accepts too: 127.1, 0x7f.1, 017700000001, 2130706433
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def address_kind(ip: IPAddress) -> tuple[str, str]:
    """(`PUBLIC` | `PRIVATE` | `FORBIDDEN`, what the address is, for a refusal's message)."""
    inner = _embedded_ipv4(ip)
    if inner is not None:
        kind, what = address_kind(inner)
        if kind != PUBLIC:
            return kind, what
    if ip in METADATA_ADDRESSES:
        return FORBIDDEN, "a cloud metadata address"
    if ip.is_link_local:
        return FORBIDDEN, "a link-local address"
    if ip.is_multicast or ip == ipaddress.IPv4Address("255.255.255.255"):
        return FORBIDDEN, "not a unicast address"
    if ip.is_loopback or ip.is_unspecified:
        return PRIVATE, "this machine (loopback)"
    if not ip.is_global:
        return PRIVATE, "a private address"
    return PUBLIC, "a public address"


def name_kind(host: str) -> tuple[str, str] | None:
    """The kind of a host *name* known without resolving it (metadata services, localhost),
    or None when only its addresses can tell."""
    name = normalize_host(host)
    if name in METADATA_HOSTNAMES:
        return FORBIDDEN, "a cloud metadata service"
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return PRIVATE, "this machine (loopback)"
    return None


def listens_beyond_loopback(host: str) -> bool:
    """True when a listener on `host` can be reached from other machines (wildcards too)."""
    if normalize_host(host) == "localhost":
        return False
    ip = parse_ip(host)
    return ip is None or not ip.is_loopback
