"""`cmd | tuilogs ingest app --dyno web.1`: through a running router, or straight to the store."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from tuilogs.cli.ingest import pieces, run_ingest
from tuilogs.core import locations as paths
from tuilogs.server.store.sqlite import SQLiteStore


def test_ingest_through_running_router(make_router):
    r = make_router()
    paths.write_discovery(
        {"base_url": r.base_url, "host": "127.0.0.1", "port": r.port, "pid": os.getpid()}
    )
    try:
        data = b"".join(b"out %d\n" % i for i in range(1234)) + b"no newline at end"
        assert run_ingest("local", "web.1", stream=io.BytesIO(data)) == 1235
    finally:
        paths.remove_discovery()
    lines = r.store.since("local", 0, 10_000)
    assert [x.message for x in lines][:2] == ["out 0", "out 1"]
    assert lines[-1].message == "no newline at end"
    assert {(x.source, x.dyno) for x in lines} == {("app", "web.1")}
    assert lines[0].timestamp.endswith("+00:00")


def test_ingest_reaches_a_tail_promptly(make_router):
    """Lines of a slow producer are flushed by age, not held until a batch fills."""
    r = make_router()
    rfd, wfd = os.pipe()
    reader = os.fdopen(rfd, "rb")
    done = []
    t = threading.Thread(
        target=lambda: done.append(
            run_ingest("slow", "worker.1", stream=reader, base_url=r.base_url, token=r.token)
        )
    )
    t.start()
    os.write(wfd, b"first\n")
    deadline = time.monotonic() + 5
    while r.store.count("slow") < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert r.store.count("slow") == 1
    os.close(wfd)
    t.join(10)
    assert done == [1]


def test_ingest_without_router_writes_the_store(tuilogs_home):
    env = {**os.environ, "TUILOGS_HOME": str(tuilogs_home)}
    code = (
        "import sys; from tuilogs.cli.ingest import run_ingest; print(run_ingest('solo', 'run.1'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], input=b"a\nb\n", env=env, capture_output=True, check=True
    )
    assert out.stdout.strip() == b"2"
    store = SQLiteStore(paths.store_path())
    try:
        assert [x.line().split(" ", 1)[1] for x in store.since("solo", 0)] == [
            "app[run.1]: a",
            "app[run.1]: b",
        ]
    finally:
        store.close()


class TestLongLines:
    """Heroku splits messages at 10,000 bytes; so does ingest, reading a piece at a time (end
    to end, with a real router and huge lines: tests/hostile/test_long_lines.py)."""

    def test_pieces_are_cut_at_the_limit_between_utf8_characters(self):
        def cut(data: bytes, limit: int = 10) -> list[bytes]:
            return list(pieces(io.BytesIO(data), limit))

        assert cut(b"a\nb\r\n\nc") == [b"a", b"b", b"", b"c"]
        assert cut(b"0123456789\nx\n") == [b"0123456789", b"x"]  # no empty line after a cut
        assert cut(b"0123456789abc\n") == [b"0123456789", b"abc"]
        assert cut("01234567éé\n".encode()) == ["01234567é".encode(), "é".encode()]
        assert cut("012345678✓end\n".encode()) == [b"012345678", "✓end".encode()]
        assert cut(b"012345678\r\nnext\r\n") == [b"012345678", b"next"]  # a CRLF cut in two
        assert cut(b"a\rb\r\n") == [b"a\rb"]  # a lone CR is part of the line (shown escaped)

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.text(max_size=40), max_size=8), st.integers(4, 16))
    def test_pieces_rebuild_every_line(self, lines, limit):
        lines = [line.replace("\n", "").replace("\r", "") for line in lines]
        data = "".join(f"{line}\n" for line in lines).encode()
        got = list(pieces(io.BytesIO(data), limit))
        assert all(len(p) <= limit for p in got)
        text = [p.decode() for p in got]  # never a character cut in two
        assert "".join(text) == "".join(lines)
        most = sum(max(1, -(-len(line.encode()) // (limit - 3))) for line in lines)
        assert len(lines) <= len(got) <= most
