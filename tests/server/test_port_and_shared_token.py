"""`PORT` and `TUILOGS_TOKEN`, the way Heroku and container hosts configure a process, on real
`tuilogs` processes: `tuilogs serve` listens on `$PORT` when `--port` is absent; `TUILOGS_TOKEN`
is the token of the router, of `tuilogs token` and of `tuilogs APP --api URL`, and is never
written to disk."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from kit.routerkit import frames_body, rec
from kit.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
SHARED = "team-token-0123456789-SHARED"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env_for(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEROKU_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return {**env, "TUILOGS_HOME": str(home), "HOME": str(home), **extra}


def tuilogs(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "tuilogs", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)


@pytest.fixture
def serve():
    """`serve(env, *args)` starts `tuilogs serve`; every one is stopped at teardown."""
    started: list[subprocess.Popen] = []

    def start(env: dict[str, str], *args: str) -> subprocess.Popen:
        command = [sys.executable, "-m", "tuilogs", "serve", *args]
        proc = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        proc.stderr.close()


def answering(proc: subprocess.Popen, port: int) -> httpx.Response:
    """The router's first answer on `port` (GET /apps, no token), once it listens there."""

    def answer() -> httpx.Response | None:
        """the router answering on its port"""
        assert proc.poll() is None, proc.stderr.read()
        try:
            return httpx.get(f"http://127.0.0.1:{port}/apps", timeout=2)
        except httpx.TransportError:
            return None

    return wait_until(answer, timeout=30, interval=0.05)


class TestPort:
    def test_port_is_used_when_no_port_option_is_given(self, serve, tmp_path) -> None:
        port = free_port()
        proc = serve(env_for(tmp_path, PORT=str(port)))
        assert answering(proc, port).status_code == 401

    def test_the_port_option_wins(self, serve, tmp_path) -> None:
        port = free_port()
        proc = serve(env_for(tmp_path, PORT=str(free_port())), "--port", str(port))
        assert answering(proc, port).status_code == 401

    @pytest.mark.parametrize("value", ["web", "65536", "-1", "٣"])
    def test_a_port_that_is_not_a_port_is_one_line(self, serve, tmp_path, value) -> None:
        proc = serve(env_for(tmp_path, PORT=value))
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 1
        assert err.strip().splitlines() == [
            f"tuilogs serve: PORT must be a port number from 0 to 65535, got {value!r}"
        ]


class TestSharedToken:
    def test_router_token_command_and_client_share_it_and_no_file_is_written(
        self, serve, tmp_path
    ) -> None:
        port = free_port()
        env = env_for(tmp_path / "router", PORT=str(port), TUILOGS_TOKEN=f" {SHARED}\n")
        proc = serve(env)
        assert answering(proc, port).status_code == 401
        base = f"http://127.0.0.1:{port}"
        lines = [rec("hello from a dyno"), rec("and another", dyno="web.2")]
        drain = httpx.post(f"{base}/drains/myapp", content=frames_body(lines), auth=("x", SHARED))
        assert drain.status_code == 204
        api = httpx.get(f"{base}/apps", headers={"Authorization": f"Bearer {SHARED}"})
        assert [app["name"] for app in api.json()] == ["myapp"]

        token = tuilogs("token", env=env)
        assert (token.returncode, token.stdout) == (0, f"{SHARED}\n")
        assert not list((tmp_path / "router").rglob("token"))

        # Another machine: no token file, a Heroku key that is not the router's.
        client = env_for(tmp_path / "laptop", TUILOGS_TOKEN=SHARED, HEROKU_API_KEY="not-it")
        out = tuilogs("myapp", "--api", base, "--print", "-n", "5", env=client)
        assert out.returncode == 0, out.stderr
        assert out.stdout.splitlines() == [r.line() for r in lines]
        assert SHARED not in out.stdout + out.stderr
        assert not list((tmp_path / "laptop").rglob("token"))

    def test_without_it_the_token_file_is_made_as_before(self, serve, tmp_path) -> None:
        port = free_port()
        proc = serve(env_for(tmp_path, PORT=str(port)))
        answering(proc, port)
        token = (tmp_path / "config" / "token").read_text().strip()
        assert tuilogs("token", env=env_for(tmp_path)).stdout == f"{token}\n"
        headers = {"Authorization": f"Bearer {token}"}
        assert httpx.get(f"http://127.0.0.1:{port}/apps", headers=headers).status_code == 200
