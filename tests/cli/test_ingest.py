"""`cmd | tuilogs ingest app --dyno web.1`: through a running router, or straight to the store."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time

from tuilogs.cli.ingest import run_ingest
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
