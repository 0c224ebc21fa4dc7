"""What one router instance is configured with; `run.serve` and `run.start_in_thread` fill it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(repr=False)
class Settings:
    """A router's settings (repr hidden: the token is a secret).

    `db_path` None means the store in the data directory; `max_body` bounds a drain POST;
    `session_ttl` is how long an unused log session lives; `retention_*` and `max_db_bytes`
    bound the store; `maintenance_interval` is how often retention by age runs; `tail_buffer_bytes`
    is how far a tail may fall behind before it loses lines (L11), `tail_buffer_total_bytes`
    how far all tails together may; `forward=False` turns the drain forwarders off.
    """

    token: str
    db_path: Path | None = None
    host: str = "127.0.0.1"
    port: int = 0
    max_body: int = 1 << 20
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
