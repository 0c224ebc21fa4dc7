"""`tuilogs build APP -- cmd` (recording on the router) and `tuilogs APP --build [ID] --print`
(against the router and a stand-in of Heroku's builds), as subprocesses, as scripts run them."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tuilogs.cli.builds import styled
from tuilogs.core import locations
from tuilogs.platform.builds import find_build
from tuilogs.platform.client import PlatformClient
from tuilogs.server.store.sqlite import SQLiteStore

from kit.heroku_builds import BuildsStandIn

pytestmark = pytest.mark.usefixtures("isolated_env")

APP = "myapp"
FAILING = "echo '-----> Building'; echo 'ERROR: boom' >&2; printf 'no newline'; exit 3"


def tuilogs(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tuilogs", *args], capture_output=True, timeout=60, **kw
    )


class TestRecording:
    def test_output_teed_status_and_exit_code_passed_on(self, router, pclient, monkeypatch):
        monkeypatch.setenv("SOURCE_VERSION", "3f2a9c1")
        done = tuilogs("build", "--api", router.base_url, APP, "--", "sh", "-c", FAILING)
        assert done.returncode == 3
        assert done.stdout == b"-----> Building\nERROR: boom\nno newline"  # byte for byte
        assert done.stderr == b""
        build = find_build(pclient, APP)
        assert (build.status, build.exit_code, build.source_version) == ("failed", 3, "3f2a9c1")
        assert build.description == f"sh -c {FAILING}"
        assert build.user is not None and "@" in build.user
        out = tuilogs(APP, "--build", "--print", "--api", router.base_url)
        assert out.stdout.decode().splitlines() == ["-----> Building", "ERROR: boom", "no newline"]
        assert out.returncode == 1
        assert out.stderr.decode() == f"tuilogs: {build.label()} of {APP} failed (exit status 3)\n"

    def test_the_running_router_is_found(self, make_router):
        found = make_router(write_discovery_file=True)
        done = tuilogs("build", "--user", "ci@example.com", APP, "--", "true")
        assert done.returncode == 0
        with PlatformClient(found.base_url, found.token, kind="local") as client:
            build = find_build(client, APP)
        assert (build.status, build.user, build.exit_code) == ("succeeded", "ci@example.com", 0)

    def test_with_no_router_one_is_started_for_the_build(self, tuilogs_home):
        done = tuilogs("build", APP, "--", "echo", "built")
        assert (done.returncode, done.stdout) == (0, b"built\n")
        assert locations.discover() is None  # it stopped with the build
        store = SQLiteStore(locations.store_path())
        try:
            (build,) = store.builds(APP)
            assert build.status == "succeeded" and store.build_output(build.id) == ["built"]
        finally:
            store.close()

    def test_a_command_that_cannot_run(self, router, pclient):
        done = tuilogs("build", "--api", router.base_url, APP, "--", "/no/such/command")
        assert done.returncode == 127
        assert b"cannot run /no/such/command" in done.stderr
        build = find_build(pclient, APP)
        assert (build.status, build.exit_code) == ("failed", 127)

    def test_no_router_never_fails_the_build(self):
        done = tuilogs("build", "--api", "http://127.0.0.1:1", APP, "--", "sh", "-c", "exit 4")
        assert done.returncode == 4
        assert b"not recorded" in done.stderr

    @pytest.mark.parametrize(
        ("argv", "says"),
        [
            (["build", APP], b"give the command after --"),
            (["build", APP, "--user", "x", "--", "true"], b"options go before APP"),
            (["build", "not an app", "--", "true"], b"not an app name"),
        ],
    )
    def test_usage(self, argv, says):
        done = tuilogs(*argv)
        assert done.returncode == 2 and says in done.stderr


@pytest.fixture
def heroku(serve_asgi, monkeypatch) -> BuildsStandIn:
    stand_in = BuildsStandIn()
    stand_in.serve(serve_asgi)
    monkeypatch.setenv("HEROKU_API_KEY", "t0ken")
    return stand_in


class TestPrintingHerokuBuilds:
    def test_a_succeeded_build_prints_and_exits_0(self, heroku):
        heroku.add("failed", ["old"])
        newest = heroku.add("succeeded", ["-----> Building", "Build succeeded!"])
        done = tuilogs(APP, "--build", "--print", "--api", heroku.base_url)
        assert (done.returncode, done.stdout, done.stderr) == (
            0,
            b"-----> Building\nBuild succeeded!\n",
            b"",
        )
        by_id = tuilogs(APP, "--build", newest, "-p", "--api", heroku.base_url)
        assert by_id.stdout == done.stdout

    def test_a_failed_build_exits_1_and_says_so(self, heroku):
        build_id = heroku.add("failed", [" !     Push failed"])
        done = tuilogs(APP, "--build", build_id, "--print", "--api", heroku.base_url)
        assert done.returncode == 1 and done.stdout == b" !     Push failed\n"
        assert done.stderr == f"tuilogs: build {build_id[:8]} of {APP} failed\n".encode()

    def test_an_unknown_build_is_a_clear_error(self, heroku):
        heroku.add()
        done = tuilogs(APP, "--build", "0123abcd", "--print", "--api", heroku.base_url)
        assert done.returncode == 1 and done.stdout == b""
        assert done.stderr.decode().startswith(f"tuilogs: no build 0123abcd on {APP} (`tuilogs")

    def test_a_running_build_prints_as_it_goes_and_ends_with_it(self, heroku):
        build_id = heroku.add("pending", ["-----> Building"], open=True)
        proc = subprocess.Popen(
            [sys.executable, "-m", "tuilogs", APP, "--build", "--api", heroku.base_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            assert proc.stdout.readline() == b"-----> Building\n"
            heroku.write(build_id, "       ERROR: boom")
            assert proc.stdout.readline() == b"       ERROR: boom\n"
            assert proc.poll() is None
            heroku.finish(build_id, "failed")
            assert proc.wait(30) == 1
        finally:
            proc.kill()
            proc.wait()

    def test_a_file_target_has_no_builds(self, tmp_path):
        log = tmp_path / "app.log"
        log.write_text("x\n")
        done = tuilogs(str(log), "--build")
        assert done.returncode == 2 and b"--build needs an app" in done.stderr


def test_colours_on_a_terminal_only_for_what_the_rules_find():
    assert styled("-----> Building", True) == "\x1b[1;36m-----> Building\x1b[0m"
    assert styled("remote: ERROR: x", True) == "\x1b[2mremote:\x1b[0m \x1b[1;31mERROR: x\x1b[0m"
    assert styled("\x1b[31mplain\x1b[0m", False) == "plain"  # the build's own colours go
    assert styled("evil \x1b]0;title\x07", True) == "evil \\x1b]0;title\\x07"
