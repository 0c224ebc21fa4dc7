"""`tuilogs APP --print` against a running router: `heroku logs` for the local Logplex."""

from __future__ import annotations

import os
import subprocess
import sys

from kit.routerkit import post_batch, rec


def tuilogs(*args, home, cwd=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEROKU_")}
    env.update(TUILOGS_HOME=str(home), HOME=str(home))
    return subprocess.run(
        [sys.executable, "-m", "tuilogs", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=cwd,
    )


def test_print_an_app_from_the_running_router(make_router, tuilogs_home):
    router = make_router(write_discovery_file=True)
    post_batch(
        router,
        "myapp",
        [rec(f"line {i}", dyno=f"web.{i % 3 + 1}") for i in range(10)]
        + [rec("from the router", dyno="router", source="heroku")],
    )
    out = tuilogs("myapp", "--print", "-n", "3", home=tuilogs_home)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        rec("line 8", dyno="web.3").line(),
        rec("line 9", dyno="web.1").line(),
        rec("from the router", dyno="router", source="heroku").line(),
    ]
    web = tuilogs("myapp", "--print", "-n", "2", "-d", "web.1", home=tuilogs_home)
    assert web.stdout.splitlines() == [
        rec("line 6", dyno="web.1").line(),
        rec("line 9", dyno="web.1").line(),
    ]
    assert router.token not in out.stdout + out.stderr


def test_an_app_the_router_never_heard_of_is_a_clear_error(make_router, tuilogs_home):
    make_router(write_discovery_file=True)
    out = tuilogs("nosuchapp", "--print", home=tuilogs_home)
    assert out.returncode == 1
    assert "no app named nosuchapp" in out.stderr


def test_dash_a_is_an_app_even_where_a_file_has_its_name(make_router, tuilogs_home, tmp_path):
    router = make_router(write_discovery_file=True)
    post_batch(router, "myapp", [rec("from the app")])
    (tmp_path / "myapp").write_text("2026-01-01T00:00:00+00:00 app[web.1]: from the file\n")
    as_file = tuilogs("myapp", "--print", home=tuilogs_home, cwd=tmp_path)
    as_app = tuilogs("-a", "myapp", "--print", home=tuilogs_home, cwd=tmp_path)
    assert as_file.stdout.endswith("from the file\n")
    assert as_app.returncode == 0 and as_app.stdout.splitlines() == [rec("from the app").line()]
