"""A router in its own process for the resource benchmarks (bench_wal.py,
bench_router_memory.py): start it on a throwaway TUILOGS_HOME, read its memory from /proc,
post Logplex batches to it, stop it.

Linux only (/proc). The router is `python -m tuilogs.server.run` from the tree PYTHONPATH names
(or this one), so the same benchmark measures any tree: `PYTHONPATH=/other/tree python ...`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
# The tree under test: `python -m` puts the working directory first on sys.path.
TREE = Path(os.environ.get("PYTHONPATH", "").split(os.pathsep)[0] or ROOT)
sys.path.insert(0, str(ROOT))

from tuilogs.core.frames import format_frame  # noqa: E402
from tuilogs.core.record import LogRecord  # noqa: E402

TS = "2026-11-23T19:00:00.000000+00:00"


class RouterProcess:
    """`python -m tuilogs.server.run --port 0 ARGS` with TUILOGS_HOME=`home`."""

    def __init__(self, home: Path, *args: str) -> None:
        self.home = home
        env = {**os.environ, "TUILOGS_HOME": str(home)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tuilogs.server.run", "--port", "0", *args],
            env=env,
            cwd=TREE,
            stderr=subprocess.DEVNULL,
        )
        disc = home / "config" / "router.json"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                info = json.loads(disc.read_text())
            except (OSError, ValueError):
                info = {}
            if info.get("pid") == self.proc.pid:
                self.base_url = info["base_url"]
                self.token = (home / "config" / "token").read_text().strip()
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.proc.kill()
        raise SystemExit("router did not start")

    def api(self, timeout: float = 600) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token}"}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout)

    def status(self, field: str) -> int:
        """A /proc/PID/status figure in bytes (`VmRSS` now, `VmHWM` the peak so far)."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
        raise KeyError(field)

    def rss_mb(self) -> float:
        return self.status("VmRSS") / 1e6

    def peak_mb(self) -> float:
        return self.status("VmHWM") / 1e6

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def frames(records: list[LogRecord]) -> bytes:
    return b"".join(format_frame(r) for r in records)


def post(client: httpx.Client, url: str, body: bytes, count: int) -> None:
    """One Logplex POST, retried (same frame id) while the router answers 5xx."""
    headers = {
        "Content-Type": "application/logplex-1",
        "Logplex-Msg-Count": str(count),
        "Logplex-Frame-Id": uuid.uuid4().hex,
    }
    for _ in range(50):
        resp = client.post(url, content=body, headers=headers)
        if resp.status_code == 204:
            return
        if resp.status_code < 500:
            raise RuntimeError(f"batch refused: {resp.status_code} {resp.text[:200]}")
        time.sleep(0.2)
    raise RuntimeError(f"batch refused: {resp.status_code}")


def big_lines(n: int, size: int, tag: str = "big") -> list[LogRecord]:
    """`n` lines of `size` bytes, each distinct (a counter up front, then filler)."""
    filler = ("0123456789abcdef" * (size // 16 + 1))[:size]
    return [LogRecord(TS, "app", "web.1", f"{tag} {i:07d} {filler}"[:size]) for i in range(n)]


def post_lines(router: RouterProcess, app: str, records: list[LogRecord], per_post: int) -> None:
    """Post `records` in batches of `per_post` lines over one connection."""
    with httpx.Client(auth=("bench", router.token), timeout=120) as c:
        url = f"{router.base_url}/drains/{app}"
        for i in range(0, len(records), per_post):
            chunk = records[i : i + per_post]
            post(c, url, frames(chunk), len(chunk))
