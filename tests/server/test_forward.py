"""Drain forwarding into real HTTP and syslog receivers on loopback."""

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
from tuilogs.server.forward import ForwarderManager
from tuilogs.server.store import Drain

from kit.receivers import HttpReceiver, SyslogReceiver

TOKEN = "d.73ea7440-270a-435a-a0ea-adf50b4e5f5a"
TS = "2026-11-23T19:00:00.000001+00:00"
FAST = dict(backoff_base=0.02, backoff_max=0.05, report_interval=0.0, timeout=2.0)


def recs(n: int, start: int = 0, dyno: str = "web.1") -> list[LogRecord]:
    return [LogRecord(TS, "app", dyno, f"line {i}") for i in range(start, start + n)]


def drain(url: str, app: str = "myapp", drain_id: str = "1", token: str = TOKEN) -> Drain:
    return Drain(drain_id, app, url, token, TS, TS)


class Reports(list):
    def __call__(self, app: str, record: LogRecord) -> None:
        self.append((app, record))

    def messages(self) -> list[str]:
        return [r.message for _, r in self]


@pytest.fixture
async def manager_factory():
    managers: list[ForwarderManager] = []

    def make(**kw) -> tuple[ForwarderManager, Reports]:
        reports = Reports()
        m = ForwarderManager(reports, **{**FAST, **kw})
        managers.append(m)
        return m, reports

    yield make
    for m in managers:
        await m.aclose(timeout=0)


def test_mask_url():
    assert mask_url("https://user:s3cret@example.com:8443/x?y=1") == (
        "https://user:***@example.com:8443/x?y=1"
    )
    assert mask_url("syslog+tls://logs.example.com:6514") == "syslog+tls://logs.example.com:6514"


async def test_https_drain_headers_auth_and_body(manager_factory):
    m, reports = manager_factory()
    async with HttpReceiver() as rx:
        m.sync([drain(rx.url("/drains/myapp?x=1", userinfo="user:s3cr%40t"))])
        batch = recs(3) + [LogRecord(TS, "heroku", "router", 'at=info path="/"')]
        m.offer("myapp", batch)
        m.offer("otherapp", recs(5))  # not this drain's app
        (req,) = await rx.wait_accepted(1)
        assert req.method == "POST" and req.path == "/drains/myapp?x=1"
        h = req.headers
        assert h["content-type"] == "application/logplex-1"
        assert h["logplex-msg-count"] == "4"
        assert re.fullmatch(r"[0-9A-F]{32}", h["logplex-frame-id"])
        assert h["logplex-drain-token"] == TOKEN
        assert h["user-agent"].startswith("Logplex/")
        assert h["authorization"] == "Basic " + base64.b64encode(b"user:s3cr@t").decode()
        result = parse_logplex_body(req.body)
        assert result.errors == [] and result.warnings == []
        assert [f.record() for f in result.frames] == batch
        assert all(f.hostname == "host" for f in result.frames)
        assert req.body.startswith(b"") and req.body.endswith(b"\n")
        assert await m.flush(2)
        assert m.forwarders["1"].delivered == 4
    assert reports == []


async def test_retries_keep_frame_id_and_recover(manager_factory):
    m, reports = manager_factory(timeout=0.3)
    async with HttpReceiver(script=[500, 429, ("hang", 1.0), 503]) as rx:
        m.sync([drain(rx.url(userinfo="u:s3cret"))])
        m.offer("myapp", recs(10))
        (ok,) = await rx.wait_accepted(1, timeout=10)
        assert len(rx.requests) == 5
        assert {r.headers["logplex-frame-id"] for r in rx.requests} == {
            ok.headers["logplex-frame-id"]
        }
        assert {r.body for r in rx.requests} == {ok.body}
        # The next batch is a new frame.
        m.offer("myapp", recs(2, 10))
        await rx.wait_accepted(2)
        assert rx.accepted[1].headers["logplex-frame-id"] != ok.headers["logplex-frame-id"]
        assert [f.record() for f in rx.accepted[1].frames] == recs(2, 10)
    msgs = reports.messages()
    assert len(msgs) == 4
    assert all(msg.startswith("Error L13 (Local delivery error): ") for msg in msgs)
    assert "HTTP 500" in msgs[0] and "HTTP 429" in msgs[1] and "could not deliver" in msgs[2]
    assert all("s3cret" not in msg and "u:***@" in msg for msg in msgs)
    assert {(app, r.source, r.dyno) for app, r in reports} == {("myapp", "heroku", "logplex")}


async def test_no_retry_on_other_4xx(manager_factory):
    m, reports = manager_factory()
    async with HttpReceiver(script=[400]) as rx:
        m.sync([drain(rx.url())])
        m.offer("myapp", recs(3))
        await rx.wait_requests(1)
        assert await m.flush(2)
        m.offer("myapp", recs(1, 3))
        (ok,) = await rx.wait_accepted(1)
        assert len(rx.requests) == 2
        assert [f.record() for f in ok.frames] == recs(1, 3)
    (msg,) = reports.messages()
    assert "HTTP 400" in msg and "3 messages dropped" in msg


async def test_reports_are_rate_limited(manager_factory):
    m, reports = manager_factory(report_interval=60)
    async with HttpReceiver(script=[500] * 5) as rx:
        m.sync([drain(rx.url())])
        m.offer("myapp", recs(1))
        await rx.wait_accepted(1)
    assert len(reports) == 1


async def test_buffer_overflow_starts_next_batch_with_l10(manager_factory):
    m, reports = manager_factory(buffer_size=5)
    async with HttpReceiver() as rx:
        m.sync([drain(rx.url())])
        m.offer("myapp", recs(20))  # before the forwarder runs: 15 are dropped
        (req,) = await rx.wait_accepted(1)
        assert req.headers["logplex-msg-count"] == "6"
        first, *rest = req.frames
        assert [f.record() for f in rest] == recs(5, 15)
        assert first.priority == 172 and (first.app_name, first.procid) == ("heroku", "logplex")
        assert re.fullmatch(
            r"Error L10 \(output buffer overflow\): 15 messages dropped since \S+\.", first.message
        )
        # Logplex's own messages carry no trailing LF: the next frame follows immediately.
        assert re.match(rb"\d+ <172>1 [^\n]*\.\d+ <190>1 ", req.body)
        assert m.forwarders["1"].dropped_total == 15
    assert reports.messages() == [first.message]


async def test_sync_adds_changes_and_removes_drains(manager_factory):
    m, _ = manager_factory()
    async with HttpReceiver() as a, HttpReceiver() as b:
        m.sync([drain(a.url(), drain_id="1"), drain(b.url(), app="other", drain_id="2")])
        m.offer("myapp", recs(1))
        m.offer("other", recs(1, 1))
        await a.wait_accepted(1)
        await b.wait_accepted(1)
        fwd = m.forwarders["1"]
        m.sync([drain(a.url(), drain_id="1")])  # drain 2 removed, drain 1 unchanged
        assert m.forwarders["1"] is fwd and "2" not in m.forwarders
        m.offer("other", recs(1, 2))
        m.sync([drain(b.url(), drain_id="1")])  # drain 1 now points at b
        m.offer("myapp", recs(1, 3))
        await b.wait_accepted(2)
        assert [f.record().message for f in b.accepted[1].frames] == ["line 3"]
        assert len(a.accepted) == 1
        m.sync([drain("ftp://nope", drain_id="3")])  # unsupported: skipped, no crash
        assert list(m.forwarders) == []


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


async def test_https_drain_with_tls(manager_factory, ca):
    m, reports = manager_factory(ssl_context_factory=client_ctx_factory(ca))
    async with HttpReceiver(ssl_context=server_ctx(ca)) as rx:
        m.sync([drain(rx.url(userinfo="u:p"))])
        m.offer("myapp", recs(3))
        (req,) = await rx.wait_accepted(1)
        assert [f.record() for f in req.frames] == recs(3)
    assert reports == []


async def test_https_untrusted_certificate_is_l14(manager_factory, ca):
    m, reports = manager_factory()  # default trust store: trustme's CA is unknown
    async with HttpReceiver(ssl_context=server_ctx(ca)) as rx:
        m.sync([drain(rx.url())])
        m.offer("myapp", recs(1))
        for _ in range(200):
            if reports:
                break
            await asyncio.sleep(0.01)
        assert rx.accepted == []
    assert reports.messages()[0].startswith("Error L14 (certificate validation error)")


async def test_syslog_drain(manager_factory):
    m, reports = manager_factory()
    async with SyslogReceiver() as rx:
        m.sync([drain(rx.url())])
        m.offer("myapp", recs(3))
        m.offer("myapp", recs(2, 3, dyno="worker.1"))
        frames = await rx.wait_frames(5)
        assert [f.record() for f in frames] == recs(3) + recs(2, 3, dyno="worker.1")
        assert all(f.hostname == TOKEN for f in frames)
        assert f" {TOKEN} app web.1 - - line 0\n".encode() in bytes(rx.raw)
        assert re.match(rb"\d+ <190>1 ", bytes(rx.raw))
        assert rx.connections == 1
    assert reports == []


async def test_syslog_drain_reconnects_after_outage(manager_factory):
    m, reports = manager_factory()
    rx = SyslogReceiver()
    await rx.start()
    try:
        m.sync([drain(rx.url())])
        m.offer("myapp", recs(1))
        await rx.wait_frames(1)
        await rx.stop()  # receiver down: connection cut, port closed
        await asyncio.sleep(0.05)
        m.offer("myapp", recs(1, 1))
        for _ in range(200):
            if reports:
                break
            await asyncio.sleep(0.01)
        assert reports.messages()[0].startswith("Error L13 (Local delivery error): syslog://")
        await rx.start()  # back on the same port
        frames = await rx.wait_frames(2)
        assert frames[-1].record() == recs(1, 1)[0]
        assert rx.connections == 2
    finally:
        await rx.stop()


async def test_syslog_tls_drain(manager_factory, ca):
    m, reports = manager_factory(ssl_context_factory=client_ctx_factory(ca))
    async with SyslogReceiver(ssl_context=server_ctx(ca)) as rx:
        m.sync([drain(rx.url().replace("127.0.0.1", "localhost"))])
        m.offer("myapp", recs(50))
        frames = await rx.wait_frames(50)
        assert [f.record() for f in frames] == recs(50)
        assert rx.url().startswith("syslog+tls://")
    assert reports == []


async def test_syslog_tls_untrusted_certificate_is_l14(manager_factory, ca):
    m, reports = manager_factory()
    async with SyslogReceiver(ssl_context=server_ctx(ca)) as rx:
        m.sync([drain(rx.url().replace("127.0.0.1", "localhost"))])
        m.offer("myapp", recs(1))
        for _ in range(200):
            if reports:
                break
            await asyncio.sleep(0.01)
        assert rx.frames == []
    assert reports.messages()[0].startswith("Error L14 (certificate validation error)")


async def test_aclose_flushes_queued_lines():
    reports = Reports()
    m = ForwarderManager(reports, **FAST)
    async with HttpReceiver() as rx:
        m.sync([drain(rx.url())])
        m.offer("myapp", recs(100))
        await m.aclose(timeout=2)
        assert sum(len(r.frames) for r in rx.accepted) == 100


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
