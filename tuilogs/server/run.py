"""Running the router: `serve()` for `tuilogs serve`, `start_in_thread()` for embedding and tests.

Both take the same path: `_prepare` (logging, settings with the token, the store's lock so
that a second router on it refuses to start (datadir.py), the listening socket, the ASGI app,
the uvicorn server), then, once it serves, `RouterHandle.announce` writes `router.json` (host,
port, pid; 0600) into the config dir so clients and `tuilogs ingest` find the running router;
it is removed on exit, and a disk too full to write it is a warning, not a failure. Run as a
module (`python -m tuilogs.server.run --port N`) it serves without the CLI, which is what the
crash tests kill -9.

Everything that can fail because of how the router was started (a busy port, a certificate
path that is a directory, a bad `--public-url`) fails in `_prepare`, before anything runs, as
a `StartupError`: `tuilogs serve` prints its one line and exits 1, without a traceback. The
HTTP server itself is `http_server.RouterServer` (connection caps, read deadlines, a clean
end for attached tails on Ctrl+C).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import socket
import ssl
import sys
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import uvicorn

from tuilogs.core import locations as paths
from tuilogs.core.drain_urls import with_userinfo
from tuilogs.core.hosts import base_url
from tuilogs.core.redact import Redactor
from tuilogs.core.redact_config import RedactionConfigError, load_redactor

from .app import create_app
from .auth import load_or_create_token
from .datadir import (
    StoreInUse,
    StoreLock,
    claim_settings_store,
    private_dirs,
    setup_logging,
    store_shown,
)
from .http_server import EndStreams, RouterServer
from .listener import ConnectionLimits, Listener, bind_tcp
from .proxies import TrustedProxies, trusted_spec
from .router import Router
from .settings import Settings
from .store import LogStore
from .syslog import make_server_ssl_context

log = logging.getLogger("tuilogs.server")

DEFAULT_PORT = 5170


class StartupError(Exception):
    """The router cannot start as configured; the message is one line for the user."""


def _bind(host: str, port: int) -> socket.socket:
    try:
        return bind_tcp(host, port)
    except OSError as exc:
        raise StartupError(exc.strerror or str(exc)) from None


def _tls_context(settings: Settings) -> ssl.SSLContext:
    cert, key = settings.tls_cert, settings.tls_key
    if not (cert and key):
        raise StartupError("TLS (--https, --syslog-tls-port) needs --tls-cert and --tls-key")
    try:
        return make_server_ssl_context(cert, key)
    except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
        reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or exc
        raise StartupError(f"cannot use TLS certificate {cert} and key {key}: {reason}") from None


def _check_public_url(url: str) -> str:
    try:
        parts = urlsplit(url)
        _ = parts.port  # a port out of range raises
    except ValueError:
        parts = urlsplit("")
    plain = not (parts.username or parts.password or parts.query or parts.fragment)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        plain = False
    if not plain:
        raise StartupError(f"--public-url must be http(s)://HOST[:PORT], got {url!r}")
    return url.rstrip("/")


def _bind_syslog(
    settings: Settings, tls: ssl.SSLContext | None
) -> list[tuple[socket.socket, ssl.SSLContext | None]]:
    """The syslog listeners' sockets; their ports go back into `settings` (0: a free one)."""
    host = settings.syslog_host or settings.host
    bound: list[tuple[socket.socket, ssl.SSLContext | None]] = []
    try:
        if settings.syslog_port is not None:
            bound.append((_bind(host, settings.syslog_port), None))
            settings.syslog_port = bound[-1][0].getsockname()[1]
        if settings.syslog_tls_port is not None:
            bound.append((_bind(host, settings.syslog_tls_port), tls))
            settings.syslog_tls_port = bound[-1][0].getsockname()[1]
    except StartupError:
        for sock, _ in bound:
            sock.close()
        raise
    return bound


def port_or_env(port: int | None) -> int:
    """`--port`, else `PORT` (set by Heroku and most container hosts), else 5170."""
    if port is not None:
        return port
    raw = os.environ.get("PORT", "").strip()
    if not raw:
        return DEFAULT_PORT
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 5 and int(raw) <= 65535):
        raise StartupError(f"PORT must be a port number from 0 to 65535, got {raw[:40]!r}")
    return int(raw)


def _make_settings(host: str, port: int, overrides: dict[str, object]) -> Settings:
    settings = Settings(token=load_or_create_token(), host=host, port=port)
    for key, value in overrides.items():
        if not hasattr(settings, key):
            raise TypeError(f"unknown router setting {key!r}")
        setattr(settings, key, value)
    return settings


class RouterHandle:
    """A prepared router: its URL and token, the `Router`, and the server that runs it."""

    def __init__(
        self,
        settings: Settings,
        router: Router,
        server: uvicorn.Server,
        sock: socket.socket,
        https: bool,
        lock: StoreLock,
    ) -> None:
        self.port = settings.port
        self.base_url = base_url(settings.host, self.port, https)
        self.token = settings.token
        self.router = router
        self._host = settings.host
        self._server = server
        self._sock = sock
        self._lock = lock
        self._thread: threading.Thread | None = None
        self._announced = False
        self._stopped = False

    def __repr__(self) -> str:  # the token stays out of reprs
        return f"RouterHandle(base_url={self.base_url!r})"

    @property
    def store(self) -> LogStore:
        assert self.router.store is not None
        return self.router.store

    @property
    def listener(self) -> Listener | None:
        """The HTTP listener (connection counts), once serving."""
        return getattr(self._server, "listener", None)

    @property
    def syslog_ports(self) -> list[int]:
        return self.router.syslog_ports()

    def drain_url(self, app: str, user: str = "tuilogs") -> str:
        """The URL to give `heroku drains:add` (carries the token: keep it private)."""
        return with_userinfo(f"{self.base_url}/drains/{app}", user, self.token)

    def announce(self, embedded: bool) -> None:
        """Write `router.json` so local clients find this router; a full disk is a warning
        (the router serves anyway: clients can be given its URL)."""
        info: dict[str, object] = {
            "base_url": self.base_url,
            "host": self._host,
            "port": self.port,
            "pid": os.getpid(),
            "started_at": time.time(),
            "syslog_ports": self.syslog_ports,
        }
        if embedded:
            info["embedded"] = True
        try:
            paths.write_discovery(info)
        except OSError as exc:
            log.warning(
                "cannot write %s (%s): local clients will not find this router by themselves;"
                " give them --api %s",
                paths.discovery_path(),
                exc.strerror or exc,
                self.base_url,
            )
            return
        self._announced = True

    def release(self) -> None:
        """After the server stopped: remove our `router.json`, close the sockets."""
        if self._announced:
            paths.remove_discovery()
        self._sock.close()
        for sock, _ in self.router.syslog_sockets:
            sock.close()
        self._lock.release()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop a router started with `start_in_thread`."""
        if self._stopped:
            return
        self._stopped = True
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        self.release()

    def __enter__(self) -> RouterHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _prepare(
    host: str,
    port: int,
    https: bool,
    overrides: dict[str, object],
    log_to_stderr: bool,
    role: str,
) -> RouterHandle:
    """The one setup path of `serve` and `start_in_thread` (see the module docstring)."""
    setup_logging(to_stderr=log_to_stderr)
    private_dirs()
    settings = _make_settings(host, port, overrides)
    if settings.public_url:
        settings.public_url = _check_public_url(settings.public_url)
    tls = _tls_context(settings) if https or settings.syslog_tls_port is not None else None
    try:
        lock = claim_settings_store(settings, role)
    except ValueError as exc:
        raise StartupError(str(exc)) from None
    try:
        sock = _bind(host, port)
    except BaseException:
        lock.release()
        raise
    settings.port = sock.getsockname()[1]
    try:
        syslog_sockets = _bind_syslog(settings, tls)
    except StartupError:
        sock.close()
        lock.release()
        raise
    app = create_app(settings)
    app.state.router.syslog_sockets = syslog_sockets
    streams = EndStreams(app)
    config = uvicorn.Config(
        TrustedProxies(streams, trusted_spec(settings.forwarded_allow_ips)),
        log_level="error",  # not a warning per malformed request from the internet
        access_log=False,
        lifespan="on",
        proxy_headers=False,  # applied by TrustedProxies, which needs the peer first
        ws="none",  # no route speaks WebSocket: no upgrade to offer anyone
        timeout_keep_alive=30,
        timeout_graceful_shutdown=3,
    )
    server = RouterServer(
        config,
        sock,
        streams,
        ssl_context=tls if https else None,
        limits=ConnectionLimits.of(settings),
        read_timeout=settings.read_timeout,
    )
    return RouterHandle(settings, app.state.router, server, sock, https, lock)


@contextlib.contextmanager
def _signals_end_quietly() -> Iterator[None]:
    """uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal with the
    previous handler in place; a no-op handler lets us clean up and exit 0 instead."""
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, lambda *_: None)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def serve(
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    https: bool = False,
    retention_days: float | None = None,
    retention_mb: float | None = None,
    **settings: object,
) -> None:
    """Run the router in the foreground until SIGINT/SIGTERM (`tuilogs serve`).

    `https=True` serves the API and drain endpoint over TLS with `tls_cert`/`tls_key`;
    `syslog_tls_port` uses the same pair. Extra keyword arguments are `Settings` fields.
    Without a `store_url`, `DATABASE_URL` names the store when set (Heroku Postgres sets it).
    """
    if not settings.get("store_url") and os.environ.get("DATABASE_URL"):
        settings["store_url"] = os.environ["DATABASE_URL"]
    if retention_days:
        settings["retention_seconds"] = retention_days * 86400
    if retention_mb:
        settings["retention_bytes"] = int(retention_mb * 1_000_000)
    try:
        handle = _prepare(host, port, https, settings, log_to_stderr=True, role="tuilogs serve")
    except StoreInUse as exc:
        raise StartupError(str(exc)) from None
    server = handle._server

    async def run() -> None:
        task = asyncio.create_task(server.serve(sockets=[handle._sock]))
        while not server.started and not task.done():
            await asyncio.sleep(0.02)
        if server.started:
            handle.announce(embedded=False)
            log.info(
                "router listening on %s (store: %s)",
                handle.base_url,
                store_shown(handle.router.settings),
            )
            public = handle.router.settings.public_url or handle.base_url
            print(
                f"tuilogs router on {handle.base_url}; drain URL: "
                f"{with_userinfo(public, 'user', 'TOKEN')}/drains/APP"
                " (`tuilogs token` prints TOKEN)",
                file=sys.stderr,
                flush=True,
            )
        await task

    with _signals_end_quietly():
        try:
            asyncio.run(run())
        finally:
            handle.release()


def start_in_thread(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    https: bool = False,
    write_discovery_file: bool = False,
    log_to_stderr: bool = False,
    timeout: float = 15.0,
    **settings: object,
) -> RouterHandle:
    """Start a router in a background thread (port 0: a free one); returns when it serves.

    For the explorer's embedded default and for tests. Keyword arguments are `Settings`
    fields (e.g. `max_body`, `session_ttl`, `syslog_port`, `max_db_bytes`); `https=True`
    serves TLS with `tls_cert`/`tls_key`.
    """
    role = "the explorer's embedded router" if write_discovery_file else "an in-process router"
    handle = _prepare(host, port, https, settings, log_to_stderr, role)
    server = handle._server
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(server.serve(sockets=[handle._sock]))
        except BaseException as exc:  # reported to the caller below
            failure.append(exc)

    thread = threading.Thread(target=run, name=f"tuilogs-router-{handle.port}", daemon=True)
    handle._thread = thread
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if failure or not thread.is_alive() or time.monotonic() > deadline:
            handle.stop(5)
            raise RuntimeError(f"router failed to start: {failure[0] if failure else 'timeout'}")
        time.sleep(0.01)
    if write_discovery_file:
        handle.announce(embedded=True)
    return handle


def add_arguments(p: argparse.ArgumentParser) -> None:
    """`tuilogs serve`'s options, shared by the CLI's subcommand and `python -m` below."""
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, help=f"default: $PORT if set, else {DEFAULT_PORT}")
    p.add_argument("--syslog-port", type=int)
    p.add_argument("--syslog-tls-port", type=int)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--https", action="store_true")
    p.add_argument("--retention-days", type=float)
    p.add_argument("--retention-mb", type=float)
    p.add_argument("--durability", choices=["normal", "full"], default="normal")
    p.add_argument(
        "--store",
        metavar="URL",
        help="sqlite:///path (default: the data directory's file) or postgresql://… to share"
        " one database between routers (default: $DATABASE_URL when set)",
    )
    p.add_argument(
        "--public-url",
        metavar="URL",
        help="the router's address as clients reach it (behind a TLS proxy), for logplex_url",
    )
    p.add_argument(
        "--allow-private-drains",
        action="store_true",
        default=None,
        help="let drains reach private addresses even when listening beyond loopback",
    )
    p.add_argument(
        "--redact",
        action="store_true",
        help="remove e-mails, card numbers, passwords and tokens from lines before they are"
        " stored or forwarded (docs/redaction.md)",
    )
    p.add_argument(
        "--redact-config",
        metavar="FILE",
        help="redaction rules of your own (TOML), on top of the built-in ones; implies --redact",
    )


def run_from_args(a: argparse.Namespace, prog: str = "tuilogs serve") -> int:
    """Serve with the options `add_arguments` defined; the exit status (1, with one line on
    stderr and no traceback, when the router cannot start as configured)."""
    try:
        _serve_args(a)
    except StartupError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 1
    return 0


def redaction_from_args(a: argparse.Namespace) -> Redactor | None:
    """The rules `--redact`/`--redact-config` ask for (None: no redaction); a rules file
    that cannot be used is a StartupError, so the router never starts without them."""
    if not (a.redact or a.redact_config):
        return None
    try:
        return load_redactor(a.redact_config)
    except RedactionConfigError as exc:
        raise StartupError(str(exc)) from None


def _serve_args(a: argparse.Namespace) -> None:
    redaction = redaction_from_args(a)
    serve(
        host=a.host,
        port=port_or_env(a.port),
        syslog_port=a.syslog_port,
        syslog_tls_port=a.syslog_tls_port,
        tls_cert=a.tls_cert,
        tls_key=a.tls_key,
        https=a.https,
        retention_days=a.retention_days,
        retention_mb=a.retention_mb,
        durability=a.durability,
        store_url=a.store,
        public_url=a.public_url,
        allow_private_drains=a.allow_private_drains,
        redaction=redaction,
    )


def main(argv: list[str] | None = None, prog: str = "python -m tuilogs.server.run") -> int:
    """`python -m tuilogs.server.run`: the router without the CLI (what crash tests kill)."""
    p = argparse.ArgumentParser(
        prog=prog, description="Run the local log router (a local Logplex)."
    )
    add_arguments(p)
    return run_from_args(p.parse_args(argv), prog)


if __name__ == "__main__":
    sys.exit(main())
