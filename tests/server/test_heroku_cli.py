"""The official Heroku CLI (npm package `heroku`) against the router.

The CLI comes from tests/heroku-cli: package.json pins one exact version and package-lock.json
every dependency; the suite installs it there with `npm ci` on first use and again only when
the lock file changes. Without npm these tests fail, saying so: they never skip.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from kit.routerkit import post_batch, rec
from kit.waiting import wait_until

CLI_DIR = Path(__file__).resolve().parents[1] / "heroku-cli"
CLI = CLI_DIR / "node_modules" / ".bin" / "heroku"
STAMP = CLI_DIR / "node_modules" / ".installed-from-lock"  # the lock file's hash at install


def pinned_version() -> str:
    return json.loads((CLI_DIR / "package.json").read_text())["dependencies"]["heroku"]


def _lock_hash() -> str:
    return hashlib.sha256((CLI_DIR / "package-lock.json").read_bytes()).hexdigest()


def install_from_lock() -> str:
    """`npm ci` in tests/heroku-cli unless that lock file is what is installed; the CLI path."""
    if CLI.exists() and STAMP.exists() and STAMP.read_text() == _lock_hash():
        return str(CLI)
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is needed to install the pinned Heroku CLI (tests/heroku-cli)")
    proc = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"],
        cwd=CLI_DIR,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if proc.returncode != 0 or not CLI.exists():
        pytest.fail(f"npm ci in {CLI_DIR} failed ({proc.returncode}): {proc.stderr[-600:]}")
    STAMP.write_text(_lock_hash())
    return str(CLI)


@pytest.fixture(scope="session")
def heroku_cli() -> str:
    cli = install_from_lock()
    version = subprocess.run([cli, "--version"], capture_output=True, text=True, timeout=60)
    assert version.stdout.startswith(f"heroku/{pinned_version()} "), version.stdout
    return cli


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
        wait_until(lambda: out, timeout=30)
        assert "router says hi" in out[0]
        post_batch(router, "myapp", [rec("live one"), rec("live two", dyno="worker.2")])
        wait_until(lambda: len(out) >= 3)
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
