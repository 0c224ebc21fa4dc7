"""The data directory holds logs and drain tokens (issue 8, item 9): it is private (0700, its
files 0600, files left 0644 by older versions narrowed at start), and two routers never share
one store: the second refuses in one line naming the holder, and a holder killed with -9
leaves no stale lock behind."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tuilogs.core import locations as paths
from tuilogs.server.datadir import StoreInUse
from tuilogs.server.run import start_in_thread

from kit.routerkit import post_batch, rec
from kit.stalling_http import wait_for

ROOT = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def serve(home: Path) -> subprocess.Popen:
    """`python -m tuilogs.server.run` (what `tuilogs serve` runs) on `home`."""
    env = {**os.environ, "TUILOGS_HOME": str(home), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tuilogs.server.run", "--port", "0"],
        env=env,
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_files_and_directories_are_private(tuilogs_home):
    data = paths.data_dir()
    os.chmod(data, 0o755)  # as an older version (or a loose umask) left them
    (data / "router.log").write_text("old\n")
    os.chmod(data / "router.log", 0o644)
    r = start_in_thread()
    try:
        assert post_batch(r, "myapp", [rec("secret")]).status_code == 204
        assert mode(data) == 0o700 and mode(paths.config_dir()) == 0o700
        for name in ("logs.sqlite3", "logs.sqlite3-wal", "logs.sqlite3-shm", "router.log"):
            assert mode(data / name) == 0o600, name
        assert mode(data / "logs.sqlite3.lock") == 0o600
    finally:
        r.stop()


def test_an_older_store_left_0644_is_narrowed(tuilogs_home):
    db = paths.store_path()
    r = start_in_thread()
    r.stop()
    os.chmod(db, 0o644)
    r = start_in_thread()
    try:
        assert mode(db) == 0o600
    finally:
        r.stop()


def test_a_second_router_on_one_store_refuses(tuilogs_home):
    first = start_in_thread()
    try:
        with pytest.raises(
            StoreInUse, match=rf"in use by another tuilogs router \(pid {os.getpid()}"
        ):
            start_in_thread()
    finally:
        first.stop()
    start_in_thread().stop()  # released on stop


def test_a_second_serve_refuses_in_one_line_and_a_killed_one_leaves_no_lock(tuilogs_home):
    first = serve(tuilogs_home)
    try:
        lock = paths.store_path().with_name("logs.sqlite3.lock")
        wait_for(lambda: paths.discover() is not None, what="the first router")
        second = serve(tuilogs_home)
        _, err = second.communicate(timeout=60)
        assert second.returncode == 1
        assert len(err.strip().splitlines()) == 1, err  # one line, naming the holder
        assert f"in use by another tuilogs router (pid {first.pid}, tuilogs serve" in err
        assert "Traceback" not in err
        first.send_signal(signal.SIGKILL)
        first.wait(30)
        assert lock.exists()  # the file stays; the kernel dropped the lock with the process
        third = serve(tuilogs_home)
        try:
            wait_for(lambda: (paths.discover() or {}).get("pid") == third.pid, what="a new router")
        finally:
            third.terminate()
            third.communicate(timeout=30)
        assert third.returncode == 0
    finally:
        if first.poll() is None:
            first.kill()
        first.communicate(timeout=30)
