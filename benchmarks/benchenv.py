"""tuilogs as a user installs it, for the benchmarks: a venv of its own holding only tuilogs
and its dependencies, installed from this tree at each run.

The development environment holds packages tuilogs does not depend on that its dependencies
import whenever present (httpcore imports trio: ~60 ms at start-up here). Timing the
development environment would time those, not what `pip install tuilogs` gives a user;
lnav and toolong are measured as installed on their own too.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".cache" / "bench-venv"


def tuilogs_bin() -> str:
    """Path of a `tuilogs` installed (not editable) from the working tree into VENV."""
    python = VENV / "bin" / "python"
    if not python.exists():
        venv.create(VENV, with_pip=True)
    print(f"installing tuilogs from {ROOT} into {VENV} ...", file=sys.stderr, flush=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(ROOT)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return str(VENV / "bin" / "tuilogs")


def spread(values: list[float]) -> str:
    """`median (min–max)` of a few timings in seconds."""
    if not values:
        return "n/a"
    return f"{statistics.median(values):.3f}s ({min(values):.3f}–{max(values):.3f})"
