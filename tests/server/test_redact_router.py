"""`tuilogs serve --redact`: secrets leave before a line is stored, tailed or forwarded, on every
ingest path, and `log-stats` counts them per rule across restarts; on both stores."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tuilogs.core.frames import format_frame
from tuilogs.core.redact_config import load_redactor

from kit.receivers import HttpReceiver
from kit.routerkit import api_headers, post_batch, rec
from kit.waiting import until, wait_until

pytestmark = pytest.mark.stores("sqlite", "postgres")

ROOT = Path(__file__).resolve().parents[2]
SECRET = "login user=bob@example.com password=hunter2 card=4111-1111-1111-1111"
CLEAN = "login user=[email] password=[password] card=[card]"


def stored(handle, app: str) -> list[str]:
    return [line.message for line in handle.store.since(app, 0)]


def stats(handle, app: str) -> dict:
    with httpx.Client(base_url=handle.base_url, headers=api_headers(handle)) as api:
        return api.get(f"/apps/{app}/log-stats").json()


async def test_a_drain_post_is_stored_tailed_and_forwarded_redacted(make_router):
    handle = await asyncio.to_thread(make_router, redaction=load_redactor())
    async with (
        HttpReceiver() as drain,
        httpx.AsyncClient(base_url=handle.base_url, headers=api_headers(handle)) as api,
    ):
        await asyncio.to_thread(post_batch, handle, "myapp", [rec("hello")])
        r = await api.post("/apps/myapp/log-drains", json={"url": drain.url()})
        assert r.status_code == 201, r.text
        session = await api.post("/apps/myapp/log-sessions", json={"lines": 10, "tail": True})
        async with api.stream("GET", session.json()["logplex_url"]) as tail:
            r = await asyncio.to_thread(post_batch, handle, "myapp", [rec(SECRET), rec("ok")])
            assert r.status_code == 204
            seen = ""
            async for chunk in tail.aiter_text():
                seen += chunk
                if "ok" in seen.split(CLEAN, 1)[-1]:
                    break
        assert f"app[web.1]: {CLEAN}" in seen and "hunter2" not in seen
        (req,) = await drain.wait_accepted(1)
        assert [f.record().message for f in req.frames] == [CLEAN, "ok"]
    assert stored(handle, "myapp") == ["hello", CLEAN, "ok"]
    counts = stats(handle, "myapp")["redacted"]
    assert counts == {"email": 1, "password": 1, "card": 1}


def test_syslog_lines_are_redacted_too(make_router):
    handle = make_router(redaction=load_redactor(), syslog_port=0)
    (port,) = handle.syslog_ports
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(format_frame(rec("Authorization: Bearer abc.def.ghi"), hostname="myapp", sd=True))
    wait_until(lambda: handle.store.count("myapp") == 1)
    assert stored(handle, "myapp") == ["Authorization: Bearer [credentials]"]
    assert stats(handle, "myapp")["redacted"] == {"authorization": 1}


def test_the_counts_survive_a_restart_and_a_retried_batch_counts_once(make_router):
    handle = make_router(redaction=load_redactor())
    for _ in range(2):  # Logplex retries with the same frame id: stored once, counted once
        assert post_batch(handle, "myapp", [rec(SECRET)], frame_id="f-1").status_code == 204
    handle.stop()
    again = make_router(redaction=load_redactor())
    assert stats(again, "myapp")["redacted"] == {"email": 1, "password": 1, "card": 1}
    assert post_batch(again, "myapp", [rec("password=x"), rec("b@example.com")]).status_code == 204
    assert stats(again, "myapp")["redacted"] == {"email": 2, "password": 2, "card": 1}
    assert post_batch(again, "other", [rec("nothing secret")]).status_code == 204
    assert stats(again, "other")["redacted"] == {}


def test_without_redact_lines_are_stored_as_sent(router):
    assert post_batch(router, "myapp", [rec(SECRET)]).status_code == 204
    assert stored(router, "myapp") == [SECRET]
    assert stats(router, "myapp")["redacted"] == {}


# -- `tuilogs serve --redact` as a process ------------------------------------------------------


def serve(home: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "TUILOGS_HOME": str(home)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.Popen(
        [sys.executable, "-m", "tuilogs.cli.main", "serve", "--port", "0", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def announced(home: Path, proc: subprocess.Popen) -> str | None:
    """The router's base URL once `router.json` names it (it may be half written before)."""
    assert proc.poll() is None, proc.stderr.read()
    try:
        info = json.loads((home / "config" / "router.json").read_text())
    except (OSError, ValueError):
        return None
    return info["base_url"] if info.get("pid") == proc.pid else None


def test_a_bad_rules_file_stops_the_router_before_it_starts(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rules]]\nname = "order"\npattern = "ord-(\\\\d+"\n')
    proc = serve(tmp_path / "home", "--redact-config", str(rules))
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    (line,) = err.strip().splitlines()
    assert line.startswith(f"tuilogs serve: {rules}: rule 1 (order): bad pattern 'ord-(")
    assert "missing )" in line
    assert not (tmp_path / "home" / "config" / "router.json").exists()


async def test_serve_with_a_rules_file_redacts_with_both(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text("[[rules]]\nname = \"order\"\npattern = 'ord-\\d+'\n")
    home = tmp_path / "home"
    proc = serve(home, "--redact-config", str(rules))
    try:
        base = await until(lambda: announced(home, proc), timeout=30)
        token = (home / "config" / "token").read_text().strip()
        async with httpx.AsyncClient(base_url=base, auth=("u", token), timeout=30) as c:
            body = format_frame(rec("paid ord-1234 with password=x"))
            headers = {"Content-Type": "application/logplex-1", "Logplex-Msg-Count": "1"}
            assert (await c.post("/drains/shop", content=body, headers=headers)).status_code == 204
            api = {"Authorization": f"Bearer {token}"}
            page = (await c.get("/apps/shop/log-lines", headers=api)).json()
            assert [line["message"] for line in page["lines"]] == [
                "paid [order] with password=[password]"
            ]
            counts = (await c.get("/apps/shop/log-stats", headers=api)).json()["redacted"]
            assert counts == {"order": 1, "password": 1}
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
