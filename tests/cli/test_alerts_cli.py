"""`tuilogs alerts` as a subprocess against a real router on loopback (and a dead API)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kit.drains import DEAD_API
from kit.routerkit import post_batch, rec
from kit.waiting import wait_until

pytestmark = [pytest.mark.usefixtures("isolated_env"), pytest.mark.stores("sqlite", "postgres")]

APP = "shop"
ROOT = Path(__file__).resolve().parents[2]


def tuilogs(*argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "tuilogs.cli.main", "alerts", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_add_list_fire_show_firings_and_remove(router):
    api = ("-a", APP, "--api", router.base_url)
    done = tuilogs("add", "h12", "--query", "code:H12", "--at-least", "2", "--within", "5m", *api)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ("Added alert rule h12: code:H12 ≥ 2 within 5 min · cool-down 5 min\n")
    done = tuilogs("add", "quiet", "--query", "dyno:web", "--absent", "--within", "1h", *api)
    assert done.returncode == 0, done.stderr
    listed = tuilogs(*api)
    assert listed.stdout.splitlines() == [
        "h12    code:H12 ≥ 2 within 5 min · cool-down 5 min",
        "quiet  no dyno:web for 1 h · cool-down 1 h",
    ]
    line = rec("at=error code=H12 desc=timeout", dyno="router", source="heroku")
    assert post_batch(router, APP, [line, line]).status_code == 204
    fired = wait_until(lambda: (done := tuilogs("firings", *api)).stdout and done)
    assert fired.returncode == 0
    assert fired.stdout.endswith('Alert "h12" fired: 2 lines matching `code:H12` within 5 min'
                                 " (threshold 2)\n")  # fmt: skip
    as_json = json.loads(tuilogs("--json", *api).stdout)
    assert [(r["name"], r["count"], r["fired"]) for r in as_json] == [
        ("h12", 2, True),
        ("quiet", 0, False),
    ]
    done = tuilogs("remove", "h12", *api)
    assert (done.returncode, done.stdout) == (0, "Removed alert rule h12\n")
    assert tuilogs("remove", "h12", *api).returncode == 1


def test_saved_searches(router):
    api = ("-a", APP, "--api", router.base_url)
    done = tuilogs("save-search", "errors", "--query", "level>=error", *api)
    assert (done.returncode, done.stdout) == (0, "Saved search errors: level>=error\n")
    assert tuilogs("searches", *api).stdout == "errors  level>=error\n"
    done = tuilogs("add", "errs", "--search", "errors", *api)
    assert "level>=error ≥ 1 within 1 min" in done.stdout
    assert tuilogs("remove-search", "errors", *api).returncode == 0
    assert tuilogs("searches", *api).stdout == ""


def test_errors_are_one_line(router):
    done = tuilogs("add", "x", "--query", "/[/", "-a", APP, "--api", router.base_url)
    assert done.returncode == 1
    assert done.stderr.startswith("tuilogs alerts: query: invalid regex")
    assert len(done.stderr.splitlines()) == 1
    done = tuilogs("add", "x", "-a", APP, "--api", router.base_url)
    assert (done.returncode, done.stderr) == (2, "tuilogs alerts: add needs --query QUERY"
                                              " or --search NAME\n")  # fmt: skip
    done = tuilogs("add", "x", "--within", "soon", "-a", APP)
    assert done.returncode == 2 and "not a duration" in done.stderr
    done = tuilogs("-a", APP, "--api", DEAD_API)
    assert done.returncode == 1 and done.stderr.startswith("tuilogs alerts: ")


def test_heroku_has_no_alert_rules(monkeypatch):
    monkeypatch.setenv("HEROKU_API_KEY", "secret-key")
    done = tuilogs("-a", APP, "--api", "https://api.heroku.com")
    assert done.returncode == 1
    assert "kept by a tuilogs router, not by Heroku" in done.stderr
