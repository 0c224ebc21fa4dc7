"""The deploy files (Procfile, app.json, requirements.txt, Dockerfile, .dockerignore) say what
docs/deploy.md says, and their commands start a real router.

No Docker engine runs on the project's machines, so the image is never built here: the
Dockerfile is parsed, its RUN programs must exist on this Debian 12 machine (python:3.11-slim is
Debian 12 too), what it COPYs must reach the build context, and its CMD is run as a process.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from kit.routerkit import api_headers, post_batch, rec

ROOT = Path(__file__).resolve().parents[2]
# The keys of Heroku's app.json schema (devcenter "app.json Schema").
APP_JSON_KEYS = {
    *("name", "description", "keywords", "website", "repository", "logo", "success_url"),
    *("scripts", "env", "formation", "image", "addons", "buildpacks", "environments", "stack"),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_until_it_answers(command: list[str], env: dict[str, str], port: int) -> None:
    """Run a router command line; pass once it answers HTTP on `port`, then stop it with
    SIGTERM as Heroku and `docker stop` do, and expect a clean exit."""
    proc = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert time.monotonic() < deadline, "the router did not answer in 30 s"
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/apps", timeout=2)
                break
            except httpx.TransportError:
                pass
            try:  # the pause between attempts also notices a router that exited
                proc.wait(0.05)
                raise AssertionError(proc.stderr.read().decode(errors="replace"))
            except subprocess.TimeoutExpired:
                pass
        assert answer.status_code == 401  # the router's API, wanting its token
        os.killpg(proc.pid, signal.SIGTERM)
        assert proc.wait(20) == 0, proc.stderr.read().decode(errors="replace")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        proc.stderr.close()


def router_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TUILOGS_TOKEN")}
    return {**env, "TUILOGS_HOME": str(tmp_path / "home"), **extra}


class TestHeroku:
    def test_app_json_declares_postgres_a_secret_token_and_the_python_buildpack(self) -> None:
        app = json.loads((ROOT / "app.json").read_text())
        assert set(app) <= APP_JSON_KEYS
        assert app["name"] and len(app["description"]) > 40
        assert {"url": "heroku/python"} in app["buildpacks"]
        plans = [a["plan"] if isinstance(a, dict) else a for a in app["addons"]]
        assert [p.split(":")[0] for p in plans] == ["heroku-postgresql"]
        token = app["env"]["TUILOGS_TOKEN"]
        assert token["generator"] == "secret" and "value" not in token
        assert all(var.get("description") for var in app["env"].values())
        # `heroku ps:scale web=3` needs a dyno size that scales out (not eco or basic).
        assert app["formation"]["web"]["size"].lower() not in ("eco", "basic")

    def test_procfile_lines_are_process_types_with_a_web_command(self) -> None:
        lines = (ROOT / "Procfile").read_text().splitlines()
        types = dict(re.fullmatch(r"([A-Za-z0-9_-]+): (\S.*)", line).groups() for line in lines)
        assert set(types) == {"web"}
        assert "--port" not in types["web"]  # the router reads PORT, which Heroku sets

    def test_the_buildpack_installs_this_package(self) -> None:
        lines = (ROOT / "requirements.txt").read_text().splitlines()
        assert [ln for ln in lines if ln.strip() and not ln.startswith("#")] == ["."]

    def test_the_web_command_serves_on_port(self, tmp_path) -> None:
        """Run as Heroku runs it (bash -c, PORT set); on 127.0.0.1 rather than every address."""
        web = (ROOT / "Procfile").read_text().split("web:", 1)[1].strip()
        port = free_port()
        command = ["bash", "-c", web.replace("--host 0.0.0.0", "--host 127.0.0.1")]
        serve_until_it_answers(command, router_env(tmp_path, PORT=str(port)), port)

    @pytest.mark.parametrize(
        ("trusted", "base"), [("*", "https://logs.example.com"), ("10.9.9.9", "")]
    )
    def test_forwarded_allow_ips_decides_the_scheme_of_printed_urls(
        self, monkeypatch, make_router, trusted, base
    ) -> None:
        """app.json sets FORWARDED_ALLOW_IPS=* because Heroku's router, the only way into a
        dyno, connects from addresses of its own and says `X-Forwarded-Proto: https`. An
        untrusted peer's Host is not believed: the URL is the address it connected to."""
        monkeypatch.setenv("FORWARDED_ALLOW_IPS", trusted)
        router = make_router()
        assert post_batch(router, "myapp", [rec("hello")]).status_code < 300
        headers = {**api_headers(router), "X-Forwarded-Proto": "https", "Host": "logs.example.com"}
        answer = httpx.post(
            f"{router.base_url}/apps/myapp/log-sessions", json={"tail": False}, headers=headers
        )
        assert answer.status_code == 201, answer.text
        assert answer.json()["logplex_url"].startswith(f"{base or router.base_url}/log-sessions/")


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order; continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    out = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def env_of(steps) -> dict[str, str]:
    env: dict[str, str] = {}
    for word, args in steps:
        if word == "ENV":
            env.update(pair.split("=", 1) for pair in shlex.split(args))
    return env


class TestDocker:
    def test_the_image_runs_the_package_as_a_non_root_user(self) -> None:
        steps = dockerfile()
        words = [w for w, _ in steps]
        assert steps[0] == ("FROM", "python:3.11-slim")
        user = next(args for w, args in steps if w == "USER")
        assert user not in ("root", "0")
        assert words.index("USER") < words.index("CMD")
        runs = " && ".join(args for w, args in steps if w == "RUN")
        assert "pip install ." in runs
        assert re.search(rf"useradd .*\b{user}\b", runs)
        assert env_of(steps)["PORT"] == next(a for w, a in steps if w == "EXPOSE")

    def test_run_programs_exist_on_debian_12(self) -> None:
        for word, args in dockerfile():
            if word == "RUN":
                for command in args.split("&&"):
                    program = shlex.split(command)[0]
                    assert shutil.which(program), f"{program} is not a command here"

    def test_copied_files_reach_the_build_context(self) -> None:
        ignored = {
            ln.strip()
            for ln in (ROOT / ".dockerignore").read_text().splitlines()
            if ln.strip() and not ln.startswith("#")
        }
        for word, args in dockerfile():
            if word == "COPY":
                *sources, _dest = shlex.split(args)
                for source in sources:
                    assert (ROOT / source).exists(), source
                    assert source not in ignored and source.split("/")[0] not in ignored
        assert {"tests", ".git"} <= ignored  # kept out of the image

    def test_the_cmd_serves_on_port(self, tmp_path) -> None:
        steps = dockerfile()
        command = json.loads(next(args for w, args in steps if w == "CMD"))
        assert command[:2] == ["tuilogs", "serve"] and "--port" not in command  # PORT is read
        command = [("127.0.0.1" if arg == "0.0.0.0" else arg) for arg in command]
        port = free_port()
        env = router_env(tmp_path, **{**env_of(steps), "PORT": str(port)})
        env["TUILOGS_HOME"] = str(tmp_path / "data")  # the image's /data volume
        serve_until_it_answers(command, env, port)
