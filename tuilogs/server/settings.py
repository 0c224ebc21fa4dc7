"""What one router instance is configured with; `run.serve` and `run.start_in_thread` fill it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tuilogs.core.redact import Redactor


@dataclass(repr=False)
class Settings:
    """A router's settings (repr hidden: the token is a secret).

    `db_path` None means the store in the data directory; `store_url` (a `postgresql://` URL,
    or `sqlite:///path`) replaces it (`store.open_store`); `max_body` bounds a drain POST;
    `max_otlp_body` an OTLP POST (`/v1/logs`; both before and after gzip, like `max_body`);
    `session_ttl` is how long an unused log session lives; `retention_*` and `max_db_bytes`
    bound the store; `maintenance_interval` is how often retention by age runs; `tail_buffer_bytes`
    is how far a tail may fall behind before it loses lines (L11), `tail_buffer_total_bytes`
    how far all tails together may; `forward=False` turns the drain forwarders off;
    `drain_lease_ttl` is how long a drain's lease outlives a router that died (`server.forward`).

    The edge facing the network (`server.listener`, `server.deadlines`): at most
    `max_connections` open connections per listener and `max_tls_handshakes` TLS handshakes
    at once, each handshake within `handshake_timeout` s; a request's head must arrive within
    `read_timeout` s, and its body must not stall longer. `public_url` is the address clients
    use (behind a TLS proxy), put in `logplex_url`; `forwarded_allow_ips` are the proxies
    whose `X-Forwarded-*` headers are believed (None: `FORWARDED_ALLOW_IPS`, else loopback);
    `allow_private_drains`: may drains reach private addresses (None: only if every listener
    is on loopback).

    `redaction`: the rules every line is redacted with before it is stored or forwarded
    (`tuilogs serve --redact`, docs/redaction.md); None keeps lines as sent.
    """

    token: str
    db_path: Path | None = None
    store_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 0
    max_body: int = 1 << 20
    max_otlp_body: int = 16 << 20  # as core.otlp_wire.MAX_BODY (protobuf is slow to import)
    session_ttl: float = 300.0
    retention_seconds: float | None = None
    retention_bytes: int | None = None
    max_db_bytes: int | None = None
    durability: str = "normal"
    maintenance_interval: float = 60.0
    tail_buffer_bytes: int = 16 * 1024 * 1024
    tail_buffer_total_bytes: int = 64 * 1024 * 1024
    sse_keepalive: float = 15.0
    syslog_host: str | None = None
    syslog_port: int | None = None
    syslog_tls_port: int | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    forward: bool = True
    drain_lease_ttl: float = 15.0
    # the edge facing the network (see above)
    max_connections: int = 512
    max_tls_handshakes: int = 64
    handshake_timeout: float = 10.0
    read_timeout: float = 10.0
    public_url: str | None = None
    forwarded_allow_ips: str | None = None
    allow_private_drains: bool | None = None
    redaction: Redactor | None = None
    # alert rules (server/alerting): how often states are saved and absences checked, and how
    # a webhook is told (per-request timeout, attempts, first retry delay, doubling)
    alert_tick: float = 5.0
    alert_timeout: float = 10.0
    alert_attempts: int = 5
    alert_backoff: float = 1.0
