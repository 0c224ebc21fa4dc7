"""Running the router: `serve()` for `tuilogs serve`, `start_in_thread()` for embedding and tests.

`serve` writes `router.json` (host, port, pid; 0600) into the config dir so clients and
`tuilogs ingest` find the running router; it is removed on exit. Run as a module
(`python -m tuilogs.server.main --port N`) it serves without the CLI, which is what the crash
tests kill -9.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import logging.handlers
import os
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn

from tuilogs.core import locations as paths

from .api import Router, Settings, create_app
from .auth import load_or_create_token

log = logging.getLogger("tuilogs.server")

DEFAULT_PORT = 5170


def setup_logging(to_stderr: bool = True, level: int = logging.INFO) -> None:
    """The router's own log: stderr (for `serve`) and `router.log` in the data dir."""
    logger = logging.getLogger("tuilogs")
    logger.setLevel(level)
    target = str(paths.log_path())
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    for h in list(logger.handlers):
        # One router log per process: a new data dir (tests, TUILOGS_HOME) replaces the old.
        if getattr(h, "_tuilogs_file", False) and getattr(h, "baseFilename", None) != target:
            logger.removeHandler(h)
            h.close()
    if not any(getattr(h, "baseFilename", None) == target for h in logger.handlers):
        fh = logging.handlers.RotatingFileHandler(
            target, maxBytes=5_000_000, backupCount=3, encoding="utf-8"
        )
        fh.setFormatter(fmt)
        fh._tuilogs_file = True  # type: ignore[attr-defined]
        logger.addHandler(fh)
    if to_stderr and not any(getattr(h, "_tuilogs_stderr", False) for h in logger.handlers):
        sh = logging.StreamHandler(sys.stderr)
        sh.setFormatter(fmt)
        sh._tuilogs_stderr = True  # type: ignore[attr-defined]
        logger.addHandler(sh)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OSError(exc.errno, f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _base_url(host: str, port: int, https: bool = False) -> str:
    shown = f"[{host}]" if ":" in host else host
    if host in ("0.0.0.0", "::"):
        shown = "127.0.0.1"
    return f"{'https' if https else 'http'}://{shown}:{port}"


def _make_settings(host: str, port: int, **overrides: object) -> Settings:
    settings = Settings(token=load_or_create_token(), host=host, port=port)
    for key, value in overrides.items():
        if not hasattr(settings, key):
            raise TypeError(f"unknown router setting {key!r}")
        setattr(settings, key, value)
    return settings


def _uvicorn_server(app, sock: socket.socket, ssl_cert=None, ssl_key=None) -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="on",
        ssl_certfile=ssl_cert,
        ssl_keyfile=ssl_key,
        timeout_keep_alive=30,
        timeout_graceful_shutdown=3,
    )
    return uvicorn.Server(config)


def write_discovery(info: dict) -> Path:
    path = paths.discovery_path()
    paths.write_private(path, json.dumps(info, indent=2) + "\n")
    return path


def remove_discovery(pid: int | None = None) -> None:
    """Remove `router.json` if it is ours (another router may have replaced it)."""
    path = paths.discovery_path()
    with contextlib.suppress(OSError, ValueError):
        info = json.loads(path.read_text(encoding="utf-8"))
        if info.get("pid") == (pid or os.getpid()):
            path.unlink()


def discover() -> dict | None:
    """The running router from `router.json`, or None (see `tuilogs.core.locations.discover`)."""
    return paths.discover()


def serve(
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    syslog_port: int | None = None,
    syslog_tls_port: int | None = None,
    tls_cert: str | None = None,
    tls_key: str | None = None,
    https: bool = False,
    retention_days: float | None = None,
    retention_mb: float | None = None,
    **settings: object,
) -> None:
    """Run the router in the foreground until SIGINT/SIGTERM (`tuilogs serve`).

    `https=True` serves the API and drain endpoint over TLS with `tls_cert`/`tls_key`;
    `syslog_tls_port` uses the same pair. Extra keyword arguments are `api.Settings` fields.
    """
    setup_logging(to_stderr=True)
    if retention_days:
        settings["retention_seconds"] = retention_days * 86400
    if retention_mb:
        settings["retention_bytes"] = int(retention_mb * 1_000_000)
    cfg = _make_settings(
        host,
        port,
        syslog_port=syslog_port,
        syslog_tls_port=syslog_tls_port,
        tls_cert=tls_cert,
        tls_key=tls_key,
        **settings,
    )
    sock = _bind(host, port)
    port = sock.getsockname()[1]
    cfg.port = port
    app = create_app(cfg)
    server = _uvicorn_server(app, sock, tls_cert if https else None, tls_key if https else None)
    base = _base_url(host, port, https)
    router: Router = app.state.router

    async def run() -> None:
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not task.done():
            await asyncio.sleep(0.02)
        if server.started:
            info = {
                "base_url": base,
                "host": host,
                "port": port,
                "pid": os.getpid(),
                "started_at": time.time(),
                "syslog_ports": router.syslog_ports(),
            }
            write_discovery(info)
            log.info("router listening on %s (data: %s)", base, paths.data_dir())
            print(
                f"tuilogs router on {base}; drain URL: {base.replace('://', '://user:TOKEN@')}"
                "/drains/APP (`tuilogs token` prints TOKEN)",
                file=sys.stderr,
                flush=True,
            )
        await task

    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal with the
    # previous handler in place; a no-op handler lets us clean up and exit 0 instead.
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, lambda *_: None)
    try:
        asyncio.run(run())
    finally:
        remove_discovery()
        sock.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@dataclass
class RouterHandle:
    """An in-process router (see `start_in_thread`)."""

    base_url: str
    token: str = field(repr=False)
    port: int = 0
    router: Router = field(repr=False, default=None)  # type: ignore[assignment]
    _server: uvicorn.Server = field(repr=False, default=None)  # type: ignore[assignment]
    _thread: threading.Thread = field(repr=False, default=None)  # type: ignore[assignment]
    _sock: socket.socket = field(repr=False, default=None)  # type: ignore[assignment]
    _discovery: bool = False
    _stopped: bool = field(default=False, init=False)

    @property
    def store(self):
        return self.router.store

    @property
    def syslog_ports(self) -> list[int]:
        return self.router.syslog_ports()

    def drain_url(self, app: str, user: str = "tuilogs") -> str:
        """The URL to give `heroku drains:add` (carries the token: keep it private)."""
        scheme, rest = self.base_url.split("://", 1)
        return f"{scheme}://{user}:{self.token}@{rest}/drains/{app}"

    def stop(self, timeout: float = 10.0) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._server.should_exit = True
        self._thread.join(timeout)
        if self._discovery:
            remove_discovery()
        self._sock.close()

    def __enter__(self) -> RouterHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


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

    For the explorer's embedded default and for tests. Keyword arguments are `api.Settings`
    fields (e.g. `max_body`, `session_ttl`, `syslog_port`, `max_db_bytes`); `https=True`
    serves TLS with `tls_cert`/`tls_key`.
    """
    setup_logging(to_stderr=log_to_stderr)
    cfg = _make_settings(host, port, **settings)
    sock = _bind(host, port)
    port = sock.getsockname()[1]
    cfg.port = port
    app = create_app(cfg)
    if https and not (cfg.tls_cert and cfg.tls_key):
        raise ValueError("https=True needs tls_cert and tls_key")
    server = _uvicorn_server(app, sock, *((cfg.tls_cert, cfg.tls_key) if https else ()))
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(server.serve(sockets=[sock]))
        except BaseException as exc:  # reported to the caller below
            failure.append(exc)

    thread = threading.Thread(target=run, name=f"tuilogs-router-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if failure or not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(5)
            sock.close()
            raise RuntimeError(f"router failed to start: {failure[0] if failure else 'timeout'}")
        time.sleep(0.01)
    base = _base_url(host, port, https)
    handle = RouterHandle(base, cfg.token, port, app.state.router, server, thread, sock)
    if write_discovery_file:
        write_discovery(
            {"base_url": base, "host": host, "port": port, "pid": os.getpid(), "embedded": True}
        )
        handle._discovery = True
    return handle


def add_arguments(p: argparse.ArgumentParser) -> None:
    """`tuilogs serve`'s options, shared by the CLI's subcommand and `python -m` below."""
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument("--syslog-port", type=int)
    p.add_argument("--syslog-tls-port", type=int)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--https", action="store_true")
    p.add_argument("--retention-days", type=float)
    p.add_argument("--retention-mb", type=float)
    p.add_argument("--durability", choices=["normal", "full"], default="normal")


def run_from_args(a: argparse.Namespace) -> int:
    """Serve with the options `add_arguments` defined; the exit status."""
    serve(
        host=a.host,
        port=a.port,
        syslog_port=a.syslog_port,
        syslog_tls_port=a.syslog_tls_port,
        tls_cert=a.tls_cert,
        tls_key=a.tls_key,
        https=a.https,
        retention_days=a.retention_days,
        retention_mb=a.retention_mb,
        durability=a.durability,
    )
    return 0


def main(argv: list[str] | None = None, prog: str = "python -m tuilogs.server.main") -> int:
    """`python -m tuilogs.server.main`: the router without the CLI (what crash tests kill)."""
    p = argparse.ArgumentParser(
        prog=prog, description="Run the local log router (a local Logplex)."
    )
    add_arguments(p)
    return run_from_args(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
