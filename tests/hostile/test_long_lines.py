"""Hostile input: huge lines. `cmd | tuilogs ingest APP` with a line over 1 MiB (more than a
drain POST may hold) used to die on the router's 413 and lose the next line. Lines are cut at
10,000 bytes between UTF-8 characters, as Heroku cuts messages, and read a piece at a time.
Replayed with a real router and `tuilogs ingest` in its own process.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tuilogs.core import locations as paths


def test_a_line_over_1_mib_neither_kills_ingest_nor_loses_the_next(make_router):
    r = make_router()
    huge = "é" * 600_000  # 1.2 MB: more than a whole drain POST may hold
    data = f"before\n{huge}\nthe next line\n".encode()
    out = _ingest_subprocess(r, "big", data)
    assert out.returncode == 0, out.stderr
    stored = [x.message for x in r.store.since("big", 0, 10_000)]
    assert stored[0] == "before" and stored[-1] == "the next line"
    middle = stored[1:-1]
    assert len(middle) == 120 and "".join(middle) == huge
    assert all(len(m.encode()) == 10_000 for m in middle)


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux's VmHWM")
def test_a_huge_line_is_streamed_not_held(make_router):
    """Peak memory of `tuilogs ingest` grows by far less than the line it reads."""
    r = make_router()
    line = b"x" * (64 << 20)
    small = _ingest_subprocess(r, "small", b"one line\n", measure=True)
    big = _ingest_subprocess(r, "huge", line + b"\nafter\n", measure=True)
    assert small.returncode == 0 and big.returncode == 0, big.stderr
    assert r.store.count("huge") == 6_712  # 6,711 pieces and the line after
    grew = int(big.stdout.split()[-1]) - int(small.stdout.split()[-1])
    assert grew < 32 << 10, f"peak RSS grew by {grew} KB for a 64 MiB line"  # ~18 MB


def _ingest_subprocess(router, app: str, data: bytes, *, measure: bool = False):
    """`tuilogs ingest APP` in its own process against `router`, fed `data` on stdin; with
    `measure`, its peak RSS (KB) is the last word of its stdout: VmHWM, not ru_maxrss, which
    keeps the forking test process's own peak across exec."""
    code = (
        "import re, sys\n"
        "from tuilogs.cli.main import main\n"
        f"code = main(['ingest', {app!r}])\n"
        "status = open('/proc/self/status').read()\n"
        "print(re.search(r'VmHWM:\\s+(\\d+) kB', status)[1])\n"
        "sys.exit(code)\n"
    )
    paths.write_discovery(
        {"base_url": router.base_url, "host": "127.0.0.1", "port": router.port, "pid": os.getpid()}
    )
    try:
        return subprocess.run(
            [sys.executable, "-c", code]
            if measure
            else [sys.executable, "-m", "tuilogs", "ingest", app],
            input=data,
            capture_output=True,
            timeout=120,
        )
    finally:
        paths.remove_discovery()
