"""Hostile input: what real senders send. Frames that are odd but real (another APP-NAME with a
named PROCID, LFs between frames, structured data alone, a three-digit VERSION, util-linux
`logger`) are stored as Logplex shows them; malformed ones are answered saying what was wrong,
their bytes kept. Replayed through the real router: its drain endpoint and its syslog port.
"""

from __future__ import annotations

import shutil
import socket
import subprocess

import httpx
import pytest

from tuilogs.server.syslog import app_for_hostname

from kit.platformkit import wait_for
from kit.routerkit import TS, api_headers, post_batch


def counted(*frames: str, lf: bool = False) -> bytes:
    """Octet-counted frames, each counted with (`lf`) or without a trailing LF."""
    out = b""
    for frame in frames:
        payload = (frame + ("\n" if lf else "")).encode()
        out += b"%d %b" % (len(payload), payload)
    return out


def tail_lines(router, app: str) -> list[str]:
    """The app's stored lines as a plain log session shows them (`heroku logs`)."""
    resp = httpx.post(
        f"{router.base_url}/apps/{app}/log-sessions",
        json={"lines": 1000},
        headers=api_headers(router),
        timeout=10,
    )
    return httpx.get(resp.json()["logplex_url"], timeout=10).text.splitlines()


def test_a_named_procid_shows_as_logplex_tails_it(router):
    body = counted(
        f"<13>1 {TS} host erlang console - Hi",
        f"<13>1 {TS} host erlang console - - structured nil and a message",
        f"<190>1 {TS} host app web.1 - the usual",
    )
    resp = post_batch(router, "senders", body=body, count=3)
    assert resp.status_code == 204, resp.text
    assert tail_lines(router, "senders") == [
        f"{TS} erlang[console]: Hi",
        f"{TS} erlang[console]: structured nil and a message",
        f"{TS} app[web.1]: the usual",
    ]


@pytest.mark.skipif(shutil.which("logger") is None, reason="util-linux logger not installed")
@pytest.mark.parametrize("framing", [["--octet-count"], []], ids=["octet-count", "newline"])
def test_util_linux_logger_keeps_app_and_its_tag_as_dyno(make_router, framing):
    router = make_router(syslog_port=0)
    (port,) = router.syslog_ports
    app = app_for_hostname(socket.gethostname(), "syslog")  # logger sends the machine's name
    base = ["logger", "--tcp", *framing, "-n", "127.0.0.1", "-P", str(port), "--rfc5424"]
    for tag in (["-t", "web.7"], ["-t", "web.7", "--id=4242"]):
        subprocess.run([*base, *tag, "from logger"], check=True, timeout=30)
    wait_for(lambda: router.store.count(app) == 2)
    lines = [line.split(" ", 1)[1] for line in tail_lines(router, app)]
    assert lines == ["app[web.7]: from logger", "app[web.7.4242]: from logger"]


@pytest.mark.parametrize(
    "between",
    [b"\n", b"\r\n", b"\n\n", b"\r\n\r\n", b"\n \n"],
    ids=["lf", "crlf", "blank-line", "blank-crlf", "space-line"],
)
def test_line_feeds_and_blank_lines_between_frames_are_no_error(router, between):
    frames = [counted(f"<190>1 {TS} host app web.1 - m{i}", lf=True) for i in range(3)]
    body = between + between.join(frames) + between
    resp = post_batch(router, "senders", body=body, count=3)
    assert resp.status_code == 204, resp.text
    assert [line.rsplit(" ", 1)[1] for line in tail_lines(router, "senders")] == ["m0", "m1", "m2"]


def test_syslog_frames_with_structured_data_only_and_a_three_digit_version(make_router):
    router = make_router(syslog_port=0)
    (port,) = router.syslog_ports
    frames = [
        f'<13>1 {TS} senders prog 12 - [ex@32473 k="v"]',  # SD only: no trailing space
        f'<13>1 {TS} senders prog 12 - [ex@32473 k="v"] with text',
        f"<13>101 {TS} senders prog 12 - - version 101",
    ]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(counted(*frames) + b"\n\n")
    wait_for(lambda: router.store.count("senders") == 3)
    assert tail_lines(router, "senders") == [
        f'{TS} app[prog.12]: [ex@32473 k="v"]',
        f'{TS} app[prog.12]: [ex@32473 k="v"] with text',
        f"{TS} app[prog.12]: version 101",
    ]


@pytest.mark.parametrize(
    "body, error",
    [
        (b"999 hello", "offset 0: octet count 999 but only 5 bytes follow"),
        (b"5 hello", "offset 0: frame does not start with <PRI>: b'hello'"),
        (b"hello", "offset 0: expected an octet count, got b'hello'"),
    ],
)
def test_malformed_frames_are_answered_precisely_and_kept(router, body, error):
    resp = post_batch(router, "senders", body=body, count=1)
    assert resp.status_code == 400
    answer = resp.json()
    assert answer["stored"] == 1 and len(answer["errors"]) == 1
    assert answer["errors"][0].startswith(error), answer
    assert len(tail_lines(router, "senders")) == 1  # the bytes are evidence: kept as a line
