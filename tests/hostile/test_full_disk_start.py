"""Attack (or accident): start the router on a disk that is already full (issue 8, item 8).

Before, it exited 1 with a traceback: SQLite cannot even read a WAL database without room
for its index, and `router.json` could not be written. Now it starts, serves what the
database file holds, answers writes 503 (Logplex retries), and takes writes again by itself
once there is room. The disk is a real full one: a 1 MB tmpfs, mounted in a user and mount
namespace of the router's own (`unshare`, no root needed where user namespaces are allowed;
skipped elsewhere), filled with `dd` before the router starts.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from tuilogs.core import locations as paths
from tuilogs.server.auth import load_or_create_token
from tuilogs.server.store.sqlite import SQLiteStore

from kit.routerkit import post_batch, rec

ROOT = Path(__file__).resolve().parents[2]


# Mount a 1 MB tmpfs over $DISK, copy the prepared home in, fill what is left, then run the
# router on it. The namespace ends with the router: nothing stays mounted.
ON_A_FULL_DISK = """
set -e
mount -t tmpfs -o size=1m tmpfs "$DISK"
cp -a "$STAGE"/. "$DISK"/
dd if=/dev/zero of="$DISK/filler" bs=4k 2>/dev/null || true
test "$(df -k --output=avail "$DISK" | tail -1 | tr -d ' ')" = 0
exec env TUILOGS_HOME="$DISK" "$PYTHON" -m tuilogs.server.run --port 0
"""


def _namespaces_work() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = ["unshare", "--user", "--map-root-user", "--mount", "true"]
    return subprocess.run(probe, capture_output=True).returncode == 0


@pytest.mark.skipif(not _namespaces_work(), reason="needs unshare with user namespaces")
def test_starting_on_a_full_disk_serves_reads_and_answers_writes_503(tuilogs_home, tmp_path):
    token = load_or_create_token()  # the router ran here before the disk filled up
    store = SQLiteStore(paths.store_path())
    store.append("myapp", [rec(f"kept {i}") for i in range(100)])
    store.close()
    disk = tmp_path / "disk"
    disk.mkdir()
    env = {
        **os.environ,
        "DISK": str(disk),
        "STAGE": str(tuilogs_home),
        "PYTHON": sys.executable,
        "PYTHONPATH": str(ROOT),
    }
    cmd = ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", ON_A_FULL_DISK]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        stderr, base_url = [], None
        for line in proc.stderr:  # until the router says where it listens
            stderr.append(line)
            if found := re.search(r"tuilogs router on (http://\S+);", line):
                base_url = found[1]
                break
        assert base_url, "".join(stderr)
        text = "".join(stderr)
        assert "Traceback" not in text
        assert "No space left on device" in text  # router.json and router.log: said once each
        api = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"})

        page = api.get("/apps/myapp/log-lines", params={"limit": 1000})
        assert page.status_code == 200 and len(page.json()["lines"]) == 100
        url = api.post("/apps/myapp/log-sessions", json={"lines": 5}).json()["logplex_url"]
        assert httpx.get(url).text.splitlines()[-1].endswith("kept 99")

        handle = SimpleNamespace(base_url=base_url, token=token)  # what post_batch needs
        full = post_batch(handle, "myapp", [rec("while full")])
        assert full.status_code == 503 and full.headers["Retry-After"]
        assert "full" in full.json()["message"]

        # Room again (the filler removed, seen through the router's own mount namespace):
        # the router takes writes without a restart.
        Path(f"/proc/{proc.pid}/root{disk}/filler").unlink()
        deadline = time.monotonic() + 30
        while (status := post_batch(handle, "myapp", [rec("room again")]).status_code) == 503:
            assert time.monotonic() < deadline, "the store never took writes again"
            time.sleep(0.2)
        assert status == 204
        newest = api.get("/apps/myapp/log-lines", params={"limit": 1}).json()["lines"]
        assert newest[0]["message"] == "room again"
        api.close()
    finally:
        proc.terminate()
        proc.wait(30)
        proc.stderr.close()
