"""Hostile input: line forgery. A message carrying a line break (octet-counted frames carry
any byte) must stay one line wherever a stored line becomes text, or its sender writes a line
of their choosing (a fake `heroku[router]` error) into streams, history, print mode, exports.

Each attack is replayed end to end: frames posted to the real drain endpoint and sent over a
real syslog TCP socket, read back through every reader the router has.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import httpx
import pytest

from tuilogs.core.buffer import LogBuffer, OriginTable
from tuilogs.core.export import export_lines
from tuilogs.core.frames import format_frame
from tuilogs.core.ingest.feed import Feed
from tuilogs.core.ingest.spool import HistorySpool
from tuilogs.core.record import LogRecord
from tuilogs.platform.client import PlatformClient
from tuilogs.platform.history import HistoryLoader
from tuilogs.platform.live import open_app
from tuilogs.platform.stream import SSEParser

from kit.platformkit import Pump, wait_for
from kit.routerkit import TS, api_headers, post_batch

APP = "forged"
FAKE = "2026-11-29T00:00:00Z heroku[router]: at=error code=H99 desc=forged"
# (message as sent, message as every reader must show it): one per kind of line break.
ATTACKS = [
    (f"hi\n{FAKE}", f"hi\\x0a{FAKE}"),
    (f"cr\r{FAKE}", f"cr\\x0d{FAKE}"),
    (f"crlf\r\n{FAKE}", f"crlf\\x0d\\x0a{FAKE}"),
    (f"ls\u2028{FAKE}", f"ls\\u2028{FAKE}"),
    (f"ps\u2029{FAKE}", f"ps\\u2029{FAKE}"),
    (f"nel\x85{FAKE}", f"nel\\x85{FAKE}"),
    (f"vt\x0b{FAKE}\x0c{FAKE}", f"vt\\x0b{FAKE}\\x0c{FAKE}"),
    (f"trailing\n{FAKE}\n", f"trailing\\x0a{FAKE}\\x0a"),
]


def expected_lines() -> list[str]:
    """What every reader shows: the drain's lines, then the same lines from syslog."""
    one = [f"{TS} app[web.1]: {shown}" for _, shown in ATTACKS]
    return one + one


@pytest.fixture
def attacked(make_router):
    """A router holding every attack twice: once from the drain endpoint, once from syslog."""
    router = make_router(syslog_port=0, write_discovery_file=True)
    records = [LogRecord(TS, "app", "web.1", sent) for sent, _ in ATTACKS]
    assert post_batch(router, APP, records).status_code == 204
    (port,) = router.syslog_ports
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        # The hostname names the app; octet counting lets the breaks travel inside a frame.
        sock.sendall(b"".join(format_frame(r, hostname=APP, sd=True) for r in records))
    total = 2 * len(ATTACKS)
    wait_for(lambda: router.store.count(APP) == total)
    return router


def test_the_store_counts_one_line_per_frame(attacked):
    stats = httpx.get(
        f"{attacked.base_url}/apps/{APP}/log-stats", headers=api_headers(attacked), timeout=10
    ).json()
    assert stats["lines"] == 2 * len(ATTACKS)


def _session(router, **body) -> str:
    resp = httpx.post(
        f"{router.base_url}/apps/{APP}/log-sessions",
        json={"lines": 1000, **body},
        headers=api_headers(router),
        timeout=10,
    )
    assert resp.status_code == 201, resp.text
    return resp.json()["logplex_url"]


def test_an_sse_session_shows_one_line_per_stored_line(attacked):
    resp = httpx.get(_session(attacked), headers={"Accept": "text/event-stream"}, timeout=10)
    assert resp.headers["content-type"].startswith("text/event-stream")
    parser = SSEParser()
    lines = parser.feed(resp.text) + parser.flush()
    assert lines == expected_lines()
    assert sum(ln.startswith("data:") for ln in resp.text.splitlines()) == 2 * len(ATTACKS)


def test_a_plain_session_shows_one_line_per_stored_line(attacked):
    resp = httpx.get(_session(attacked), timeout=10)
    assert resp.headers["content-type"].startswith("text/plain")
    # str.splitlines splits at every break of ATTACKS: none may be left in the text.
    assert resp.text.splitlines() == expected_lines()
    assert resp.content.count(b"\n") == 2 * len(ATTACKS)


def test_log_lines_keep_the_message_and_the_history_loader_makes_one_line_each(attacked):
    resp = httpx.get(
        f"{attacked.base_url}/apps/{APP}/log-lines?limit=100",
        headers=api_headers(attacked),
        timeout=10,
    )
    assert [d["message"] for d in resp.json()["lines"]] == [s for s, _ in ATTACKS] * 2
    origins, feed = OriginTable(), Feed()
    with PlatformClient(attacked.base_url, attacked.token, kind="local", timeout=10) as client:
        loader = HistoryLoader(client, APP, HistorySpool(feed, origins), before_id=10**9).start()
        loader.join(10)
    buffer = LogBuffer(origins)
    feed.drain(buffer)
    assert loader.loaded == 2 * len(ATTACKS)
    assert [buffer.raw(i).decode() for i in range(len(buffer))] == expected_lines()


def test_print_mode_prints_one_line_per_stored_line(attacked, tuilogs_home):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEROKU_")}
    env.update(TUILOGS_HOME=str(tuilogs_home), HOME=str(tuilogs_home))
    out = subprocess.run(
        [sys.executable, "-m", "tuilogs", APP, "--print", "-n", "100"],
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.decode().splitlines() == expected_lines()


def test_the_explorer_buffer_and_an_export_hold_one_line_per_stored_line(attacked, tmp_path):
    """The explorer's own path: first screen from log-lines, history behind it, live after."""
    origins, feed = OriginTable(), Feed()
    client = PlatformClient(attacked.base_url, attacked.token, kind="local", timeout=10)
    tail, loader = open_app(client, APP, feed, origins, lines=4, backoff=(0.05, 0.3))
    pump = Pump(feed, LogBuffer(origins))
    try:
        pump.until(lambda: loader.done.is_set() and len(pump.buffer) == 2 * len(ATTACKS))
        live = LogRecord(TS, "app", "web.1", f"live\n{FAKE}")
        assert post_batch(attacked, APP, [live]).status_code == 204
        pump.until(lambda: len(pump.buffer) == 2 * len(ATTACKS) + 1)
    finally:
        for producer in (tail, loader):
            producer.stop()
        client.close()
    want = [*expected_lines(), f"{TS} app[web.1]: live\\x0a{FAKE}"]
    path = tmp_path / "export.log"
    assert export_lines(pump.buffer, None, path) == len(want)
    assert path.read_text(encoding="utf-8").splitlines() == want
    assert [pump.buffer.record(i).source for i in range(len(pump.buffer))] == ["app"] * len(want)


def test_the_heroku_cli_wire_format_is_untouched_for_ordinary_lines(attacked):
    """Lines without breaks go out byte for byte as before (what `heroku logs` parses)."""
    ordinary = LogRecord(TS, "heroku", "router", 'at=info path="/a\\nb" status=200\tx')
    assert post_batch(attacked, APP, [ordinary]).status_code == 204
    text = httpx.get(_session(attacked, lines=1), timeout=10).text
    assert text == f'{TS} heroku[router]: at=info path="/a\\nb" status=200\tx\n'
