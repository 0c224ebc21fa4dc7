"""Slow and silent peers cannot hold the router: read deadlines, a connection cap, TLS
handshakes bounded in number and time, on the HTTP listener and on syslog.

Before: 500 connections with half a request head were all still open after 70 s, and 1,000
half-open TLS handshakes cost +306 MB that was never returned (benchmarks/
bench_router_edge.py measures both). Here the deadlines are short so the tests are quick;
every wait is on a condition with a deadline.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time

import httpx

from kit.rawhttp import address, open_partial, raw_request
from kit.routerkit import frames_body, rec

QUICK = dict(read_timeout=0.5, handshake_timeout=0.5)


def closed_by_router(sock: socket.socket, within: float = 10.0) -> bool:
    """True once the router hung up on `sock` (EOF or reset) within `within` seconds."""
    sock.settimeout(within)
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False


def wait_for(condition, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_partial_request_heads_are_cut(make_router):
    router = make_router(**QUICK)
    socks = [open_partial(router.base_url) for _ in range(50)]
    try:
        assert all(closed_by_router(s) for s in socks)
        assert wait_for(lambda: router.listener.open == 0)
        assert httpx.get(f"{router.base_url}/apps").status_code == 401  # still serving
    finally:
        for s in socks:
            s.close()


def test_a_head_dribbled_byte_by_byte_is_cut_all_the_same(make_router):
    router = make_router(**QUICK)
    s = open_partial(router.base_url)
    deadline = time.monotonic() + 10
    s.settimeout(0.05)
    try:
        cut = False
        while not cut and time.monotonic() < deadline:
            try:
                s.sendall(b"a")  # progress on the head never extends its deadline
                cut = s.recv(10) == b""
            except TimeoutError:
                continue
            except OSError:
                cut = True
        assert cut
    finally:
        s.close()


def test_a_silent_connection_is_cut(make_router):
    router = make_router(**QUICK)
    with socket.create_connection(address(router.base_url)) as s:
        assert closed_by_router(s)


def test_unauthenticated_body_is_not_waited_for(make_router):
    router = make_router(**QUICK)
    s = open_partial(
        router.base_url,
        b"POST /drains/x HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\npartial body",
    )
    with s:
        s.settimeout(10)
        answer = s.recv(65536)
        assert answer.startswith(b"HTTP/1.1 401")
        assert closed_by_router(s)  # the rest of the body is not waited for


def test_a_slow_but_steady_body_is_accepted(make_router):
    """The body deadline is on progress: a sender slower than the deadline in total, but
    never silent for as long, gets through."""
    router = make_router(**QUICK)
    body = frames_body([rec(f"slow {i}") for i in range(10)])
    chunks = [body[i : i + 40] for i in range(0, len(body), 40)]

    def trickle():
        for chunk in chunks:
            yield chunk
            time.sleep(0.1)  # the peer's pace, not synchronisation: the point of the test

    resp = httpx.post(
        f"{router.base_url}/drains/slowapp",
        content=trickle(),
        headers={"Content-Type": "application/logplex-1"},
        auth=("logplex", router.token),
        timeout=30,
    )
    assert resp.status_code == 204, resp.text
    assert len(chunks) * 0.1 > 2 * QUICK["read_timeout"]
    assert router.store.count("slowapp") == 10


def test_a_tail_outlives_the_read_deadline(make_router):
    router = make_router(sse_keepalive=0.1, **QUICK)
    assert (
        httpx.post(
            f"{router.base_url}/drains/tailapp",
            content=frames_body([rec("first")]),
            auth=("logplex", router.token),
        ).status_code
        == 204
    )
    headers = {"Authorization": f"Bearer {router.token}"}
    url = httpx.post(
        f"{router.base_url}/apps/tailapp/log-sessions", json={"tail": True}, headers=headers
    ).json()["logplex_url"]
    keepalives = 0
    with httpx.stream("GET", url, headers={"Accept": "text/event-stream"}, timeout=10) as r:
        for line in r.iter_lines():
            keepalives += line.startswith(": keepalive")
            if keepalives == 15:  # 1.5 s of tail: three read deadlines
                break
    assert keepalives == 15


def test_connections_beyond_the_cap_wait_for_a_free_slot(make_router):
    router = make_router(max_connections=4, read_timeout=1.0)
    partial = [open_partial(router.base_url) for _ in range(4)]
    try:
        assert wait_for(lambda: router.listener.open == 4)
        seen_open: list[int] = []
        watching = threading.Event()

        def watch():
            while not watching.is_set():
                seen_open.append(router.listener.open)
                time.sleep(0.005)

        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            resp = raw_request(router.base_url, "GET", "/apps", [])
        finally:
            watching.set()
            watcher.join()
        assert resp.status == 401  # served, once the slow ones were cut
        assert max(seen_open) <= 4
        assert all(closed_by_router(s, within=0.5) for s in partial)
    finally:
        for s in partial:
            s.close()


def test_tls_handshakes_are_capped_and_cut(make_router, tls_files, client_tls):
    router = make_router(
        https=True, max_tls_handshakes=2, max_connections=100, **tls_files, **QUICK
    )
    listener = router.listener
    seen: list[int] = []
    socks = [socket.create_connection(address(router.base_url)) for _ in range(6)]
    try:
        assert wait_for(lambda: seen.append(listener.handshaking) or listener.open == 0)
        assert max(seen) <= 2
        assert all(closed_by_router(s, within=1.0) for s in socks)
    finally:
        for s in socks:
            s.close()
    resp = httpx.get(f"{router.base_url}/apps", verify=client_tls)
    assert resp.status_code == 401


def test_syslog_silent_peers_and_the_cap(make_router):
    router = make_router(syslog_port=0, max_connections=2, read_timeout=0.5)
    (port,) = router.syslog_ports
    (server,) = router.router.syslog_servers
    silent = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
    try:
        assert wait_for(lambda: server.connections == 2)
        with socket.create_connection(("127.0.0.1", port)) as third:
            third.sendall(frames_body([rec("after the silent ones")]))
            assert all(closed_by_router(s) for s in silent)
            assert wait_for(lambda: router.store.count("syslog") == 1)
            assert server.connections <= 2
    finally:
        for s in silent:
            s.close()


def test_accepted_sockets_have_tcp_nodelay(router):
    with httpx.Client(base_url=router.base_url) as c:
        c.get("/apps")
        (conn,) = router._server.server_state.connections
        sock = conn.transport.get_extra_info("socket")
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def test_tls_listener_still_verifies(make_router, tls_files):
    router = make_router(https=True, **tls_files)
    with socket.create_connection(address(router.base_url)) as raw:
        ctx = ssl.create_default_context()  # does not trust the test CA
        try:
            ctx.wrap_socket(raw, server_hostname="127.0.0.1")
            raise AssertionError("handshake should fail")
        except ssl.SSLCertVerificationError:
            pass
