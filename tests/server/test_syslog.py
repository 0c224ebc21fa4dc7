"""Syslog ingest over real TCP and TLS sockets on loopback."""

from __future__ import annotations

import asyncio
import shutil
import socket
import ssl

import pytest
import trustme

from tuilogs.core.frames import format_frame, format_frames
from tuilogs.core.record import LogRecord
from tuilogs.server.syslog import app_for_hostname, make_server_ssl_context, start_syslog_server

pytestmark = pytest.mark.stores("sqlite", "postgres")

TOKEN = "d.73ea7440-270a-435a-a0ea-adf50b4e5f5a"
TS = "2026-11-23T19:00:00.000001+00:00"


class Sink:
    def __init__(self) -> None:
        self.batches: list[tuple[str, list[LogRecord]]] = []
        self.changed = asyncio.Event()

    async def __call__(self, app: str, records: list[LogRecord]) -> None:
        self.batches.append((app, records))
        self.changed.set()

    def records(self, app: str | None = None) -> list[LogRecord]:
        return [r for a, rs in self.batches for r in rs if app is None or a == app]

    async def wait(self, n: int, timeout: float = 5.0) -> list[LogRecord]:
        async def until() -> None:
            while len(self.records()) < n:
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(until(), timeout)
        return self.records()


@pytest.fixture
async def server():
    sink = Sink()
    srv = await start_syslog_server("127.0.0.1", 0, sink, default_app="fallback")
    yield sink, srv.port
    await srv.close()


async def send(port: int, data: bytes, ssl_ctx: ssl.SSLContext | None = None) -> None:
    _, writer = await asyncio.open_connection(
        "127.0.0.1", port, ssl=ssl_ctx, server_hostname="localhost" if ssl_ctx else None
    )
    writer.write(data)
    await writer.drain()
    writer.close()
    await writer.wait_closed()


def test_app_for_hostname():
    assert app_for_hostname("myapp-2", "d") == "myapp-2"
    for host in (TOKEN, "-", "host", "localhost", "My_Host", "web01.example.com", ""):
        assert app_for_hostname(host, "d") == "d", host


async def test_octet_counted_drain_frames(server):
    sink, port = server
    records = [LogRecord(TS, "app", "web.1", f"line {i}") for i in range(500)]
    await send(port, format_frames(records, TOKEN, sd=True))
    got = await sink.wait(500)
    assert got == records
    assert {a for a, _ in sink.batches} == {"fallback"}
    assert len(sink.batches) < 500  # batched per read, not per line


async def test_newline_framing_hostname_app_and_garbage(server):
    sink, port = server
    data = (
        f"<13>1 {TS} billing cron 42 - - ran\n".encode()
        + b"\x00\xff total garbage \x1b[31m\n"
        + b"<13>Nov 23 10:00:00 billing prog[7]: bsd style\n"
        + format_frame(LogRecord(TS, "heroku", "router", "at=info"), "shop")
        + b"no newline at the end"
    )
    await send(port, data)
    got = await sink.wait(5)
    billing = sink.records("billing")
    assert [(r.dyno, r.message) for r in billing] == [("cron.42", "ran"), ("prog.7", "bsd style")]
    assert sink.records("shop") == [LogRecord(TS, "heroku", "router", "at=info")]
    raw = [r for r in got if r.is_raw]
    assert [r.message for r in raw] == [
        "\ufffd total garbage \x1b[31m",
        "no newline at the end",
    ]
    assert all(r.when() is not None for r in raw)  # stamped with the arrival time


async def test_dead_and_half_open_connections_do_not_hurt(server):
    sink, port = server
    # Connect and vanish; connect, send half a frame, and reset.
    _, w = await asyncio.open_connection("127.0.0.1", port)
    w.close()
    _, w = await asyncio.open_connection("127.0.0.1", port)
    w.write(b"120 <190>1 cut")
    await w.drain()
    w.transport.abort()
    await send(port, format_frame(LogRecord(TS, "app", "web.1", "still alive"), "alive"))
    await sink.wait(1)
    assert LogRecord(TS, "app", "web.1", "still alive") in sink.records("alive")


async def test_silent_and_idle_connections_are_closed():
    sink = Sink()
    srv = await start_syslog_server("127.0.0.1", 0, sink, first_read_timeout=0.2, idle_timeout=0.5)
    try:
        # Silent from the start: cut after first_read_timeout.
        reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
        assert await asyncio.wait_for(reader.read(), 3) == b""  # server hung up
        writer.close()
        # A sender that spoke, then went quiet: kept past first_read_timeout, cut when idle.
        reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
        writer.write(b"<13>1 - h p - - - hello\n")
        await writer.drain()
        await sink.wait(1)
        assert await asyncio.wait_for(reader.read(), 3) == b""
        writer.close()
    finally:
        await srv.close()


async def test_failing_store_does_not_kill_the_connection():
    calls = []

    async def flaky(app, records):
        calls.append(records)
        if len(calls) == 1:
            raise RuntimeError("disk full")

    srv = await start_syslog_server("127.0.0.1", 0, flaky)
    port = srv.port
    try:
        _, w = await asyncio.open_connection("127.0.0.1", port)
        w.write(b"<13>1 - h p - - - first\n")
        await w.drain()
        for _ in range(100):
            if calls:
                break
            await asyncio.sleep(0.01)
        w.write(b"<13>1 - h p - - - second\n")
        await w.drain()
        for _ in range(100):
            if len(calls) == 2:
                break
            await asyncio.sleep(0.01)
        assert [rs[0].message for rs in calls] == ["first", "second"]
        w.close()
    finally:
        await srv.close()


async def test_tls(tmp_path):
    ca = trustme.CA()
    cert = ca.issue_cert("localhost", "127.0.0.1")
    cert.private_key_and_cert_chain_pem.write_to_path(str(tmp_path / "server.pem"))
    cert.private_key_pem.write_to_path(str(tmp_path / "server.key"))
    server_ctx = make_server_ssl_context(str(tmp_path / "server.pem"), str(tmp_path / "server.key"))
    sink = Sink()
    srv = await start_syslog_server("127.0.0.1", 0, sink, ssl_context=server_ctx)
    port = srv.port
    try:
        client_ctx = ssl.create_default_context()
        ca.configure_trust(client_ctx)
        records = [LogRecord(TS, "app", "worker.1", f"secure {i}") for i in range(50)]
        await send(port, format_frames(records, TOKEN, sd=True), client_ctx)
        assert await sink.wait(50) == records
        # A client that does not trust the certificate fails; the server carries on.
        with pytest.raises(ssl.SSLError):
            await send(port, b"<13>1 - h p - - - x\n", ssl.create_default_context())
        # Plain TCP to the TLS port is garbage to the handshake, not a crash.
        with pytest.raises((ConnectionError, OSError, asyncio.IncompleteReadError)):
            r, w = await asyncio.open_connection("127.0.0.1", port)
            try:
                w.write(b"<13>1 - h p - - - not tls\n")
                await w.drain()
                await asyncio.wait_for(r.read(), 3)
                raise ConnectionError("closed as expected")
            finally:
                w.close()
        await send(port, format_frame(records[0], TOKEN, sd=True), client_ctx)
        assert len(await sink.wait(51)) == 51
    finally:
        await srv.close()


@pytest.mark.skipif(shutil.which("logger") is None, reason="util-linux logger not installed")
@pytest.mark.parametrize("framing", [["--octet-count"], []], ids=["octet-count", "newline"])
async def test_util_linux_logger(server, framing):
    sink, port = server
    args = ["logger", "--tcp", *framing, "-n", "127.0.0.1", "-P", str(port), "--rfc5424"]
    args += ["-t", "myprog", "--id=4242", "hello from logger"]
    proc = await asyncio.create_subprocess_exec(*args, stderr=asyncio.subprocess.PIPE)
    _, err = await proc.communicate()
    assert proc.returncode == 0, err
    (record,) = await sink.wait(1)
    # logger sends the machine's hostname: the app if it is a plausible app name.
    assert sink.batches[0][0] == app_for_hostname(socket.gethostname(), "fallback")
    assert (record.source, record.dyno, record.message) == (
        "app",
        "myprog.4242",
        "hello from logger",
    )
    assert record.when() is not None
