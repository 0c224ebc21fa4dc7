"""Drain forwarding into real HTTP and syslog receivers on loopback, from a real store."""

from __future__ import annotations

import asyncio
import base64
import re
import ssl

import pytest
import trustme

from tuilogs.core.drain_urls import mask_url
from tuilogs.core.octet_counting import parse_logplex_body
from tuilogs.core.record import LogRecord

from kit.forwarding import TS, forwarding, recs
from kit.receivers import HttpReceiver, SyslogReceiver


def test_mask_url():
    assert mask_url("https://user:s3cret@example.com:8443/x?y=1") == (
        "https://user:***@example.com:8443/x?y=1"
    )
    assert mask_url("syslog+tls://logs.example.com:6514") == "syslog+tls://logs.example.com:6514"


async def test_https_drain_headers_auth_and_body(tmp_path):
    async with forwarding(tmp_path) as f, HttpReceiver() as rx:
        drain = await f.add_drain(rx.url("/drains/myapp?x=1", userinfo="user:s3cr%40t"))
        batch = recs(3) + [LogRecord(TS, "heroku", "router", 'at=info path="/"')]
        await f.commit("myapp", batch)
        await f.commit("otherapp", recs(5))  # not this drain's app
        (req,) = await rx.wait_accepted(1)
        assert req.method == "POST" and req.path == "/drains/myapp?x=1"
        h = req.headers
        assert h["content-type"] == "application/logplex-1"
        assert h["logplex-msg-count"] == "4"
        assert re.fullmatch(r"[0-9A-F]{32}", h["logplex-frame-id"])
        assert h["logplex-drain-token"] == drain.token and drain.token.startswith("d.")
        assert h["user-agent"].startswith("Logplex/")
        assert h["authorization"] == "Basic " + base64.b64encode(b"user:s3cr@t").decode()
        result = parse_logplex_body(req.body)
        assert result.errors == [] and result.warnings == []
        assert [f.record() for f in result.frames] == batch
        assert all(f.hostname == "host" for f in result.frames)
        assert req.body.endswith(b"\n")
        assert await f.manager.flush(2)
        assert f.manager.forwarders[drain.id].delivered == 4
        assert f.reports == []


async def test_retries_keep_frame_id_and_recover(tmp_path):
    async with (
        forwarding(tmp_path, timeout=0.3) as f,
        HttpReceiver(script=[500, 429, ("hang", 1.0), 503]) as rx,
    ):
        await f.add_drain(rx.url(userinfo="u:s3cret"))
        await f.commit("myapp", recs(10))
        (ok,) = await rx.wait_accepted(1, timeout=10)
        assert len(rx.requests) == 5
        assert {r.headers["logplex-frame-id"] for r in rx.requests} == {
            ok.headers["logplex-frame-id"]
        }
        assert {r.body for r in rx.requests} == {ok.body}
        # The next batch is a new frame.
        await f.commit("myapp", recs(2, 10))
        await rx.wait_accepted(2)
        assert rx.accepted[1].headers["logplex-frame-id"] != ok.headers["logplex-frame-id"]
        assert [fr.record() for fr in rx.accepted[1].frames] == recs(2, 10)
        reports = f.reports
    msgs = reports.messages()
    assert len(msgs) == 4
    assert all(msg.startswith("Error L13 (Local delivery error): ") for msg in msgs)
    assert "HTTP 500" in msgs[0] and "HTTP 429" in msgs[1] and "could not deliver" in msgs[2]
    assert all("s3cret" not in msg and "u:***@" in msg for msg in msgs)
    assert {(app, r.source, r.dyno) for app, r in reports} == {("myapp", "heroku", "logplex")}


async def test_no_retry_on_other_4xx(tmp_path):
    async with forwarding(tmp_path) as f, HttpReceiver(script=[400]) as rx:
        await f.add_drain(rx.url())
        await f.commit("myapp", recs(3))
        await rx.wait_requests(1)
        assert await f.manager.flush(2)
        await f.commit("myapp", recs(1, 3))
        (ok,) = await rx.wait_accepted(1)
        assert len(rx.requests) == 2
        assert [fr.record() for fr in ok.frames] == recs(1, 3)
        (msg,) = f.reports.messages()
    assert "HTTP 400" in msg and "3 messages dropped" in msg


async def test_reports_are_rate_limited(tmp_path):
    async with forwarding(tmp_path, report_interval=60) as f, HttpReceiver(script=[500] * 5) as rx:
        await f.add_drain(rx.url())
        await f.commit("myapp", recs(1))
        await rx.wait_accepted(1)
        assert len(f.reports) == 1


async def test_sync_adds_and_removes_drains(tmp_path):
    async with forwarding(tmp_path) as f, HttpReceiver() as a, HttpReceiver() as b:
        one = await f.add_drain(a.url())
        two = await f.add_drain(b.url(), app="other")
        await f.commit("myapp", recs(1))
        await f.commit("other", recs(1, 1))
        await a.wait_accepted(1)
        await b.wait_accepted(1)
        fwd = f.manager.forwarders[one.id]
        await f.remove_drain(two)
        assert f.manager.forwarders == {one.id: fwd}  # drain 2 removed, drain 1 unchanged
        await f.commit("other", recs(1, 2))
        await f.remove_drain(one)
        three = await f.add_drain(b.url())  # myapp's drain now points at b
        await f.commit("myapp", recs(1, 3))
        await b.wait_accepted(2)
        assert [fr.record().message for fr in b.accepted[1].frames] == ["line 3"]
        assert len(a.accepted) == 1 and list(f.manager.forwarders) == [three.id]
        await f.remove_drain(three)
        await f.add_drain("ftp://nope")  # unsupported: skipped, no crash
        assert list(f.manager.forwarders) == []


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


def server_ctx(ca: trustme.CA) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(ctx)
    return ctx


def client_ctx_factory(ca: trustme.CA):
    def factory() -> ssl.SSLContext:
        ctx = ssl.create_default_context()
        ca.configure_trust(ctx)
        return ctx

    return factory


async def test_https_drain_with_tls(tmp_path, ca):
    async with (
        forwarding(tmp_path, ssl_context_factory=client_ctx_factory(ca)) as f,
        HttpReceiver(ssl_context=server_ctx(ca)) as rx,
    ):
        await f.add_drain(rx.url(userinfo="u:p"))
        await f.commit("myapp", recs(3))
        (req,) = await rx.wait_accepted(1)
        assert [fr.record() for fr in req.frames] == recs(3)
        assert f.reports == []


async def test_https_untrusted_certificate_is_l14(tmp_path, ca):
    # The default trust store: trustme's CA is unknown.
    async with forwarding(tmp_path) as f, HttpReceiver(ssl_context=server_ctx(ca)) as rx:
        await f.add_drain(rx.url())
        await f.commit("myapp", recs(1))
        (first, *_) = await f.reports.wait()
        assert rx.accepted == []
    assert first.startswith("Error L14 (certificate validation error)")


async def test_syslog_drain(tmp_path):
    async with forwarding(tmp_path) as f, SyslogReceiver() as rx:
        drain = await f.add_drain(rx.url())
        await f.commit("myapp", recs(3))
        await f.commit("myapp", recs(2, 3, dyno="worker.1"))
        frames = await rx.wait_frames(5)
        assert [fr.record() for fr in frames] == recs(3) + recs(2, 3, dyno="worker.1")
        assert all(fr.hostname == drain.token for fr in frames)
        assert f" {drain.token} app web.1 - - line 0\n".encode() in bytes(rx.raw)
        assert re.match(rb"\d+ <190>1 ", bytes(rx.raw))
        assert rx.connections == 1
        assert f.reports == []


async def test_syslog_drain_reconnects_after_outage(tmp_path):
    rx = SyslogReceiver()
    await rx.start()
    try:
        async with forwarding(tmp_path) as f:
            await f.add_drain(rx.url())
            await f.commit("myapp", recs(1))
            await rx.wait_frames(1)
            await rx.stop()  # receiver down: connection cut, port closed
            await f.commit("myapp", recs(1, 1))
            (first, *_) = await f.reports.wait()
            assert first.startswith("Error L13 (Local delivery error): syslog://")
            await rx.start()  # back on the same port
            frames = await rx.wait_frames(2)
            assert frames[-1].record() == recs(1, 1)[0]
            assert rx.connections == 2
    finally:
        await rx.stop()


async def test_syslog_tls_drain(tmp_path, ca):
    async with (
        forwarding(tmp_path, ssl_context_factory=client_ctx_factory(ca)) as f,
        SyslogReceiver(ssl_context=server_ctx(ca)) as rx,
    ):
        await f.add_drain(rx.url().replace("127.0.0.1", "localhost"))
        await f.commit("myapp", recs(50))
        frames = await rx.wait_frames(50)
        assert [fr.record() for fr in frames] == recs(50)
        assert rx.url().startswith("syslog+tls://")
        assert f.reports == []


async def test_syslog_tls_untrusted_certificate_is_l14(tmp_path, ca):
    async with forwarding(tmp_path) as f, SyslogReceiver(ssl_context=server_ctx(ca)) as rx:
        await f.add_drain(rx.url().replace("127.0.0.1", "localhost"))
        await f.commit("myapp", recs(1))
        (first, *_) = await f.reports.wait()
        assert rx.frames == []
    assert first.startswith("Error L14 (certificate validation error)")


async def test_aclose_delivers_waiting_lines(tmp_path):
    async with HttpReceiver() as rx:
        async with forwarding(tmp_path) as f:
            await f.add_drain(rx.url())
            await f.commit("myapp", recs(100))
            await f.manager.aclose(timeout=2)
        assert sum(len(r.frames) for r in rx.accepted) == 100


@pytest.mark.stores("sqlite", "postgres")
async def test_forwarding_inside_the_router(make_router):
    """Drains added through the API receive new lines; failures land in the app's own log."""
    import httpx

    from kit.routerkit import api_headers, post_batch

    handle = await asyncio.to_thread(make_router)
    async with (
        HttpReceiver() as http_rx,
        SyslogReceiver() as syslog_rx,
        httpx.AsyncClient(base_url=handle.base_url, headers=api_headers(handle), timeout=10) as api,
    ):
        await asyncio.to_thread(post_batch, handle, "myapp", recs(1))  # the app exists
        drains = []
        for url in (http_rx.url(userinfo="u:pw"), syslog_rx.url()):
            r = await api.post("/apps/myapp/log-drains", json={"url": url})
            assert r.status_code == 201, r.text
            drains.append(r.json())
        r = await asyncio.to_thread(post_batch, handle, "myapp", recs(5, 1))
        assert r.status_code < 300
        (req,) = await http_rx.wait_accepted(1)
        assert [f.record() for f in req.frames] == recs(5, 1)
        assert req.headers["logplex-drain-token"] == drains[0]["token"]
        frames = await syslog_rx.wait_frames(5)
        assert [f.record() for f in frames] == recs(5, 1)
        assert {f.hostname for f in frames} == {drains[1]["token"]}

        http_rx.script.append(400)
        await asyncio.to_thread(post_batch, handle, "myapp", recs(1, 6))
        await http_rx.wait_requests(2)
        for _ in range(100):
            r = await api.post("/apps/myapp/log-sessions", json={"lines": 50, "source": "heroku"})
            text = (await api.get(r.json()["logplex_url"])).text
            if "heroku[logplex]: Error L13" in text:
                break
            await asyncio.sleep(0.05)
        assert "answered HTTP 400; 1 messages dropped" in text
        assert "u:***@127.0.0.1" in text and "u:pw@" not in text  # password masked
