"""The official Heroku CLI (npm package `heroku`) against the router.

Finds the CLI via $HEROKU_CLI, then `heroku` on PATH, then /tmp/herokucli (where
`npm install --prefix /tmp/herokucli heroku` puts it); skips only if none is installed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from kit.routerkit import post_batch, rec

# The suite installs the CLI itself (pinned) when it is not already there, so a fresh machine
# runs these tests too; without npm or a registry they are skipped, saying why.
HEROKU_CLI_VERSION = "11.10.0"
CACHE = Path(__file__).resolve().parents[2] / ".cache" / "heroku-cli"


def _find_cli() -> str | None:
    candidates = [
        os.environ.get("HEROKU_CLI", ""),
        str(CACHE / "node_modules" / ".bin" / "heroku"),
        shutil.which("heroku") or "",
        "/tmp/herokucli/node_modules/.bin/heroku",
    ]
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


@pytest.fixture(scope="session")
def heroku_cli() -> str:
    found = _find_cli()
    if found:
        return found
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("Heroku CLI not installed and npm is missing (npm install heroku)")
    CACHE.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [
            npm,
            "install",
            "--no-audit",
            "--no-fund",
            "--prefix",
            str(CACHE),
            f"heroku@{HEROKU_CLI_VERSION}",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    found = _find_cli()
    if proc.returncode != 0 or found is None:
        pytest.skip(f"could not install the Heroku CLI with npm: {proc.stderr[-300:]}")
    return found


@pytest.fixture
def heroku(router, tmp_path, heroku_cli):
    home = tmp_path / "clihome"
    home.mkdir()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "HEROKU_HOST": router.base_url,
        "HEROKU_API_KEY": router.token,
        "HEROKU_LOGS_COLOR": "0",
        "NO_COLOR": "1",
        "DISABLE_TELEMETRY": "true",
        "HEROKU_SKIP_ANALYTICS": "1",
    }

    def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(
            [heroku_cli, *args], env=env, capture_output=True, text=True, timeout=timeout
        )

    run.env = env  # type: ignore[attr-defined]
    run.cli = heroku_cli  # type: ignore[attr-defined]
    return run


@pytest.fixture
def seeded(router):
    records = [rec(f"msg {i}", dyno=["web.1", "web.10", "worker.1"][i % 3]) for i in range(600)] + [
        rec("router says hi", dyno="router", source="heroku")
    ]
    assert post_batch(router, "myapp", records).status_code == 204
    return records


def lines(out: str) -> list[str]:
    return [ln for ln in out.splitlines() if ln.strip()]


def test_heroku_logs_default_n_dyno_source(heroku, seeded):
    res = heroku("logs", "-a", "myapp")
    assert res.returncode == 0, res.stderr
    assert lines(res.stdout) == [r.line() for r in seeded[-100:]]

    res = heroku("logs", "-a", "myapp", "-n", "500")
    assert lines(res.stdout) == [r.line() for r in seeded[-500:]]

    res = heroku("logs", "-a", "myapp", "-d", "web", "-n", "5")
    want = [r.line() for r in seeded if r.dyno.startswith("web.")][-5:]
    assert lines(res.stdout) == want

    res = heroku("logs", "-a", "myapp", "-s", "app", "-n", "3")
    assert lines(res.stdout) == [r.line() for r in seeded[-4:-1]]

    res = heroku("logs", "-a", "nosuchapp")
    assert res.returncode != 0


def test_heroku_logs_tail(heroku, router, seeded):
    proc = subprocess.Popen(
        [heroku.cli, "logs", "-a", "myapp", "-t", "-n", "1"],
        env=heroku.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    out: list[str] = []
    threading.Thread(target=lambda: out.extend(iter(proc.stdout.readline, "")), daemon=True).start()
    try:
        deadline = time.monotonic() + 30
        while not out and time.monotonic() < deadline:
            time.sleep(0.05)
        assert out and "router says hi" in out[0]
        post_batch(router, "myapp", [rec("live one"), rec("live two", dyno="worker.2")])
        deadline = time.monotonic() + 10
        while len(out) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [ln.rstrip("\n").rsplit(": ", 1)[1] for ln in out[1:3]] == ["live one", "live two"]
    finally:
        proc.terminate()
        proc.wait(10)


def test_heroku_drains_add_list_remove(heroku, seeded):
    url = "https://user:pass@logs.example.com/in"
    res = heroku("drains:add", url, "-a", "myapp")
    assert res.returncode == 0, res.stderr
    assert f"Successfully added drain {url}" in res.stdout

    res = heroku("drains", "-a", "myapp")
    assert res.returncode == 0, res.stderr
    assert url in res.stdout and "(d." in res.stdout

    res = heroku("drains", "-a", "myapp", "--json")
    drains = json.loads(res.stdout)
    assert [d["url"] for d in drains] == [url]
    assert drains[0]["token"].startswith("d.")

    res = heroku("drains:add", "ftp://nope", "-a", "myapp")
    assert res.returncode != 0
    assert "https://" in res.stderr

    res = heroku("drains:remove", url, "-a", "myapp")
    assert res.returncode == 0, res.stderr
    assert f"Successfully removed drain {url}" in res.stdout
    res = heroku("drains", "-a", "myapp", "--json")
    assert json.loads(res.stdout) == []
