"""`open_app` hands back its producers before the server has answered anything: the explorer
paints its first frame while the network work goes on in the producers' threads.

The server here accepts connections and never answers until the test says so, so a return
from `open_app` can only mean it did not wait for an answer (its client would wait 60 s)."""

from __future__ import annotations

import socket

from tuilogs.core.buffer import OriginTable
from tuilogs.core.ingest.feed import Feed
from tuilogs.core.status import State
from tuilogs.platform.client import PlatformClient
from tuilogs.platform.live import open_app


def test_open_app_returns_before_the_server_answers(tuilogs_home):
    silent = socket.create_server(("127.0.0.1", 0))
    port = silent.getsockname()[1]
    client = PlatformClient(f"http://127.0.0.1:{port}", "t", kind="local", timeout=60)
    origins, feed = OriginTable(), Feed()
    producers = open_app(client, "myapp", feed, origins, backoff=(0.05, 0.1))
    conn, _ = silent.accept()  # the tail's first request is under way, and has no answer
    try:
        conn.settimeout(10)
        request = conn.recv(65536)
        assert request.startswith(b"GET /apps/myapp/log-lines")
        assert feed.status.state is State.CONNECTING
    finally:
        for p in producers:
            p.stop()
        conn.close()  # the pending request fails at once instead of timing out
        silent.close()
        for p in producers:
            p.join(10)
        client.close()
    assert not any(p._thread.is_alive() for p in producers)
