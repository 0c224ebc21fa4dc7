"""`tuilogs serve` as a process: Ctrl+C with a tail attached, and start-up mistakes.

Ctrl+C with clients attached printed a 40-line traceback ("Exception in ASGI application",
a cancelled tail), and a busy port or `--tls-cert /tmp` printed tracebacks too. Now the
tail is cut at once (the client reconnects, as it did) and the process exits 0 without a
word; a start-up mistake is one line and exit 1.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def serve(home: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "TUILOGS_HOME": str(home)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.Popen(
        [sys.executable, "-m", "tuilogs.cli.main", "serve", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def started(home: Path, proc: subprocess.Popen) -> tuple[str, str]:
    """The running router's base URL and token (from router.json), waiting for it."""
    disc = home / "config" / "router.json"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()
        try:
            info = json.loads(disc.read_text())
        except (OSError, ValueError):
            info = {}
        if info.get("pid") == proc.pid:
            return info["base_url"], (home / "config" / "token").read_text().strip()
        time.sleep(0.05)
    raise AssertionError("router did not start")


@pytest.mark.parametrize("lines", [100, 0], ids=["after-a-line", "before-any-line"])
def test_ctrl_c_with_a_tail_attached_exits_cleanly(tmp_path, lines):
    proc = serve(tmp_path, "--port", "0")
    try:
        base, token = started(tmp_path, proc)
        body = b"61 <190>1 2026-11-23T19:00:00+00:00 host app web.1 - hello world\n"
        resp = httpx.post(f"{base}/drains/myapp", content=body, auth=("logplex", token))
        assert resp.status_code == 204
        headers = {"Authorization": f"Bearer {token}"}
        session = httpx.post(
            f"{base}/apps/myapp/log-sessions", json={"tail": True, "lines": lines}, headers=headers
        )
        url = session.json()["logplex_url"]
        seen = []
        with httpx.stream("GET", url, headers={"Accept": "text/event-stream"}, timeout=30) as r:
            if lines == 0:  # attached (the answer has begun), nothing sent yet
                proc.send_signal(signal.SIGINT)
            with contextlib.suppress(httpx.RemoteProtocolError):  # the router went away
                for line in r.iter_lines():
                    seen.append(line)
                    if "hello world" in line:
                        proc.send_signal(signal.SIGINT)
        assert any("hello world" in line for line in seen) == (lines > 0)
        assert proc.wait(20) == 0
        err = proc.stderr.read()
        assert "Traceback" not in err and "ERROR" not in err, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def one_line_failure(proc: subprocess.Popen) -> str:
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 1, err
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_a_busy_port_is_one_line(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        line = one_line_failure(serve(tmp_path, "--port", str(port)))
    assert line.startswith("tuilogs serve: cannot listen on 127.0.0.1:") and str(port) in line


@pytest.mark.parametrize(
    "args",
    [
        ["--https", "--tls-cert", "DIR", "--tls-key", "DIR"],
        ["--syslog-tls-port", "0", "--tls-cert", "DIR/missing.pem", "--tls-key", "DIR/k.pem"],
        ["--syslog-tls-port", "0"],
    ],
    ids=["directory", "missing", "no-cert"],
)
def test_certificate_mistakes_are_one_line(tmp_path, args):
    args = [a.replace("DIR", str(tmp_path)) for a in args]
    line = one_line_failure(serve(tmp_path / "home", "--port", "0", *args))
    assert line.startswith("tuilogs serve: ") and ("TLS" in line or "certificate" in line)


def test_a_busy_syslog_port_is_one_line(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        line = one_line_failure(serve(tmp_path, "--port", "0", "--syslog-port", str(port)))
    assert f"cannot listen on 127.0.0.1:{port}" in line


def test_a_bad_public_url_is_one_line(tmp_path):
    line = one_line_failure(serve(tmp_path, "--port", "0", "--public-url", "logs.example.com"))
    assert "--public-url" in line
