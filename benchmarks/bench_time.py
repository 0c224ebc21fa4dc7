#!/usr/bin/env python3
"""Time benchmark: tuilogs side by side with lnav, driven in tmux at 120x40, in one run.

    python benchmarks/bench_time.py [--lines 5000000 --lines 1000000] [--only tuilogs]
    python benchmarks/bench_time.py --file /tmp/g5m.log    # a file genlogs.py already made

For each file made by ../shared/tools/genlogs.py (reused from bench_explorer.py): the first
screen (median of three launches), the histogram shown after opening (tuilogs: `H` as soon as
the first screen is up, until the strip's axis shows its counts; then until it counts every
line with its errors; lnav: `i`, until its histogram view shows), go-to a time (tuilogs:
Ctrl+G; lnav: `:goto`; from Enter until the first line at or after it is on screen) and the
peak RSS of the whole session. TZ=UTC for both, so a time means the same to each, and no
PYTHONPATH, so the tuilogs measured is the one installed from this tree.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_explorer import first_screens, last_line_token, make_file, tuitime  # noqa: E402
from benchenv import spread, tuilogs_bin  # noqa: E402

# A tmux session runs in the environment of the tmux *server*, which whoever started it
# first left there (a PYTHONPATH naming another tree, no TZ): each command says its own.
CLEAN = "env -u PYTHONPATH TZ=UTC"


def goto_target(path: Path) -> tuple[str, str]:
    """A whole minute 60% into the file, and the first line at or after it (genlogs writes in
    time order): what either tool must put on screen."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        f.seek(size * 6 // 10)
        f.readline()
        stamp = f.readline().decode()[:19]
        minute = datetime.fromisoformat(stamp).replace(second=0) + timedelta(minutes=1)
        target = minute.strftime("%Y-%m-%dT%H:%M:%S")
        for raw in f:
            line = raw.decode()
            if line[:19] >= target:
                return target, line[:26]
    raise SystemExit("no goto target")


def run_tuilogs(cmd: str, path: Path, last: str, target: str, landing: str, total: str) -> dict:
    q = re.escape
    r = tuitime(
        f"{cmd} {path}",
        f"wait:{q(last)}",
        "keys:H",
        r"wait:[\d,]+ lines · ",  # the strip's axis: counts shown
        rf"wait:{q(total)} lines · [\d,]+ errors",  # every line counted, errors stacked
        "sleep:1",
        "keys:C-g",
        f"text:{target}Z",
        "mark",
        "keys:Enter",
        f"wait:{q(landing)}",
        "sleep:0.5",
        timeout=180,
    )
    waits = r["waits"] + [float("nan")] * 4
    return {
        "histogram_s": waits[1],
        "histogram_full_s": waits[2],
        "goto_s": waits[3],
        "rss_mb": r.get("rss_mb"),
    }


def run_lnav(path: Path, last: str, target: str, landing: str) -> dict:
    q = re.escape
    r = tuitime(
        f"{CLEAN} lnav {path}",
        f"wait:{q(last)}",
        "keys:i",
        r"wait:\d+ normal\s+\d+ errors",
        "keys:i",
        "sleep:1",
        "keys::",
        f"text:goto {target}",
        "mark",
        "keys:Enter",
        f"wait:{q(landing)}",
        "sleep:0.5",
        timeout=180,
    )
    waits = r["waits"] + [float("nan")] * 3
    return {
        "histogram_s": waits[1],
        "histogram_full_s": waits[1],
        "goto_s": waits[2],
        "rss_mb": r.get("rss_mb"),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, action="append")
    ap.add_argument("--file", type=Path, action="append", help="a genlogs.py file to use")
    ap.add_argument("--only", action="append")
    a = ap.parse_args()
    files = a.file or [make_file(n) for n in a.lines or [5_000_000, 1_000_000]]
    tuilogs = tuilogs_bin() if not a.only or "tuilogs" in a.only else "tuilogs"
    rows = []
    for path in files:
        last = last_line_token(path)
        target, landing = goto_target(path)
        with open(path, "rb") as f:
            lines = sum(1 for _ in f)
        total = f"{lines:,}"
        print(f"file: {path} ({path.stat().st_size / 1e6:.0f} MB), go-to {target} → {landing!r}")
        for name in ("tuilogs", "lnav"):
            if a.only and name not in a.only:
                continue
            cmd = tuilogs if name == "tuilogs" else "lnav"
            if not shutil.which(cmd):
                print(f"{name}: not installed, skipped")
                continue
            cmd = f"{CLEAN} {cmd}"
            if name == "tuilogs":
                row = run_tuilogs(cmd, path, last, target, landing, total)
            else:
                row = run_lnav(path, last, target, landing)
            row.update(tool=name, lines=lines)
            row["first_screens"] = first_screens(f"{cmd} {path}", f"wait:{re.escape(last)}")
            rows.append(row)

    def f(row: dict, key: str) -> str:
        v = row.get(key)
        return "n/a" if v is None or v != v else f"{v:.2f}s"

    print(
        f"\n{'tool':8} {'lines':>10} {'first screen':>24} {'histogram':>10} {'all counted':>12}"
        f" {'go-to':>7} {'peak RSS':>9}"
    )
    for row in rows:
        print(
            f"{row['tool']:8} {row['lines']:>10,} {spread(row['first_screens']):>24}"
            f" {f(row, 'histogram_s'):>10} {f(row, 'histogram_full_s'):>12}"
            f" {f(row, 'goto_s'):>7} {row['rss_mb'] or 0:8.0f}M"
        )


if __name__ == "__main__":
    main()
