"""`tuilogs drains`, `drains:add`, `drains:remove` against a real router on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from tuilogs.cli.drains import run
from tuilogs.core.drain_urls import mask_url

from kit.drains import APP, DEAD_API

# No Heroku credentials, no ~/.netrc, UTC: the backend is whatever the test says.
pytestmark = pytest.mark.usefixtures("isolated_env")

SECRET_URL = "https://logger:hunter2-secret@logs.example.com/drain"
MASKED_URL = "https://logger:***@logs.example.com/drain"
SYSLOG_URL = "syslog+tls://logs.example.com:6514"
ROOT = Path(__file__).resolve().parents[2]


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = run(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


class TestList:
    def test_empty_prints_nothing_and_hints_on_stderr(self, capsys, router):
        code, out, err = cli(capsys, "drains", "-a", APP, "--api", router.base_url)
        assert (code, out) == (0, "")
        assert err == f"{APP} has no drains. Add one with: tuilogs drains:add URL -a {APP}\n"

    def test_lines_like_heroku_with_passwords_masked(self, capsys, router, pclient):
        pclient.add_log_drain(APP, SECRET_URL)
        pclient.add_log_drain(APP, SYSLOG_URL)
        listed = pclient.log_drains(APP)
        code, out, err = cli(capsys, "drains", "-a", APP, "--api", router.base_url)
        assert (code, err) == (0, "")
        shown = {SECRET_URL: MASKED_URL, SYSLOG_URL: SYSLOG_URL}
        expected = ["=== Drains"] + [f"{shown[d.url]} ({d.token})" for d in listed]
        assert out.splitlines() == expected
        assert "hunter2" not in out and router.token not in out

    def test_json_is_the_api_objects_with_the_password_masked(self, capsys, router, pclient):
        pclient.add_log_drain(APP, SECRET_URL)
        code, out, _ = cli(capsys, "drains", "-a", APP, "--json", "--api", router.base_url)
        assert code == 0
        expected = [{**d.raw, "url": mask_url(d.url)} for d in pclient.log_drains(APP)]
        assert json.loads(out) == expected
        assert "hunter2" not in out and router.token not in out
        code, out, _ = cli(
            capsys, "drains", "-a", APP, "--json", "--show-secrets", "--api", router.base_url
        )
        assert json.loads(out) == [dict(d.raw) for d in pclient.log_drains(APP)]

    def test_json_bytes_are_the_apis_answer_with_only_the_password_masked(
        self, capsys, router, pclient
    ):
        pclient.add_log_drain(APP, SECRET_URL)
        pclient.add_log_drain(APP, SYSLOG_URL)
        sent = httpx.get(
            f"{router.base_url}/apps/{APP}/log-drains",
            headers={"Authorization": f"Bearer {router.token}"},
        ).json()
        masked = [{**d, "url": mask_url(d["url"])} for d in sent]
        code, out, _ = cli(capsys, "drains", "-a", APP, "--json", "--api", router.base_url)
        assert code == 0
        assert out == json.dumps(masked, indent=2, ensure_ascii=False) + "\n"

    def test_addon_drains_show_plan_and_addon_as_heroku_does(self, capsys, serve_asgi):
        drains = [
            {"addon": None, "id": "1", "token": "d.1", "url": SECRET_URL},
            {
                "addon": {"id": "a", "name": "papertrail-acute-123"},
                "id": "2",
                "token": "d.2",
                "url": "syslog+tls://u:p@logs5.papertrailapp.com:12345",
            },
            {
                "addon": {"id": "b", "name": "gone-addon"},
                "id": "3",
                "token": "d.3",
                "url": "syslog://u:p@logs.example.net:514",
            },
        ]

        async def list_drains(request):
            return JSONResponse(drains)

        async def addon(request):
            if request.path_params["name"] != "papertrail-acute-123":
                return JSONResponse({"id": "not_found", "message": "no add-on"}, 404)
            return JSONResponse(
                {"name": "papertrail-acute-123", "plan": {"name": "papertrail:choklad"}}
            )

        api = serve_asgi(
            Starlette(
                routes=[
                    Route("/apps/{app}/log-drains", list_drains),
                    Route("/apps/{app}/addons/{name}", addon),
                ]
            )
        )
        code, out, err = cli(capsys, "drains", "-a", APP, "--api", api.base_url)
        assert (code, err) == (0, "")
        assert out.splitlines() == [
            "=== Drains",
            f"{MASKED_URL} (d.1)",
            "=== Add-on Drains",
            "papertrail:choklad (papertrail-acute-123)",
            "syslog://u:***@logs.example.net:514 (gone-addon)",
        ]


class TestAdd:
    def test_add_then_list(self, capsys, router, pclient):
        code, out, err = cli(capsys, "drains:add", SECRET_URL, "-a", APP, "--api", router.base_url)
        assert (code, out, err) == (0, f"Successfully added drain {MASKED_URL}\n", "")
        assert [d.url for d in pclient.log_drains(APP)] == [SECRET_URL]

    def test_invalid_scheme_is_refused_before_sending(self, capsys, router, pclient):
        code, out, err = cli(
            capsys, "drains:add", "ftp://x.example", "-a", APP, "--api", router.base_url
        )
        assert (code, out) == (1, "")
        assert err == (
            "tuilogs drains:add: Drain URL must use https://, http://, syslog:// or "
            "syslog+tls:// (got ftp://).\n"
        )
        assert pclient.log_drains(APP) == []

    def test_the_apis_422_message(self, capsys, router, pclient):
        pclient.add_log_drain(APP, SECRET_URL)
        code, out, err = cli(capsys, "drains:add", SECRET_URL, "-a", APP, "--api", router.base_url)
        assert (code, out, err) == (1, "", "tuilogs drains:add: Url has already been taken.\n")


class TestRemove:
    def test_by_token_and_by_url(self, capsys, router, pclient):
        first = pclient.add_log_drain(APP, SECRET_URL)
        pclient.add_log_drain(APP, SYSLOG_URL)
        api = ("-a", APP, "--api", router.base_url)
        code, out, err = cli(capsys, "drains:remove", first.token, *api)
        assert (code, out, err) == (0, f"Successfully removed drain {MASKED_URL}\n", "")
        code, out, err = cli(capsys, "drains:remove", SYSLOG_URL, *api)
        assert (code, out, err) == (0, f"Successfully removed drain {SYSLOG_URL}\n", "")
        assert pclient.log_drains(APP) == []

    def test_unknown_drain(self, capsys, router):
        code, out, err = cli(capsys, "drains:remove", "d.nope", "-a", APP, "--api", router.base_url)
        assert (code, out, err) == (1, "", f"tuilogs drains:remove: no such log drain on {APP}\n")


class TestBackendAndErrors:
    def test_finds_the_running_router_without_api(self, capsys, make_router, monkeypatch):
        make_router(write_discovery_file=True)
        monkeypatch.setenv("HEROKU_APP", APP)
        assert cli(capsys, "drains:add", SYSLOG_URL)[:2] == (
            0,
            f"Successfully added drain {SYSLOG_URL}\n",
        )
        code, out, _ = cli(capsys, "drains")
        assert code == 0 and out.startswith(f"=== Drains\n{SYSLOG_URL} (d.")

    def test_no_backend_at_all(self, capsys, tuilogs_home):
        code, out, err = cli(capsys, "drains", "-a", APP)
        assert (code, out) == (1, "")
        assert err.startswith("tuilogs drains: no Heroku credentials and no local router running")
        assert err.count("\n") == 1

    def test_server_down_is_one_line_and_exit_1(self, capsys, router):
        code, out, err = cli(capsys, "drains", "-a", APP, "--api", DEAD_API)
        assert (code, out) == (1, "")
        assert err == "tuilogs drains: cannot connect to 127.0.0.1:1: connection refused\n"

    def test_wrong_token_says_how_to_fix_it(self, capsys, router, monkeypatch, tuilogs_home):
        (tuilogs_home / "config" / "token").write_text("not-the-token\n")
        code, _, err = cli(capsys, "drains", "-a", APP, "--api", router.base_url)
        assert code == 1 and "token invalid or missing" in err
        assert "not-the-token" not in err and router.token not in err

    def test_usage_errors_exit_2(self, capsys):
        assert cli(capsys, "drains")[0] == 2  # no -a, no HEROKU_APP
        code, _, err = cli(capsys, "drains:add", "-a", APP)
        assert code == 2 and "the following arguments are required: URL" in err
        code, _, err = cli(capsys, "drains:frobnicate", "-a", APP)
        assert code == 2 and "unknown command 'drains:frobnicate'" in err
        code, _, err = cli(capsys, "drains", "-a", APP, "--bogus")
        assert code == 2 and err.startswith("tuilogs drains: unrecognized arguments: --bogus")
        code, out, _ = cli(capsys, "drains:remove", "--help")
        assert code == 0 and "URL|TOKEN" in out


def test_as_a_module_in_a_subprocess(router, pclient, tuilogs_home):
    pclient.add_log_drain(APP, SECRET_URL)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "tuilogs.cli.drains", "drains", "-a", APP, "--api", router.base_url],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
    token = pclient.log_drains(APP)[0].token
    assert done.stdout == f"=== Drains\n{MASKED_URL} ({token})\n"
