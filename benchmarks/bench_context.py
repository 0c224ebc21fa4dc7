#!/usr/bin/env python3
"""Reading around a line at scale: find within a filter and context lines, beside lnav.

    python benchmarks/bench_context.py [--lines 5000000 | --file F] [--only tuilogs] [--runs 3]

Makes (once) a file with ../shared/tools/genlogs.py (or takes `--file`, made by it) and opens it at 120x40, driven in tmux by
../shared/tools/tuitime.py (screen polled every 20 ms), as bench_explorer.py does. Once the
file is indexed and filtered to `status>=500` (tuilogs: `-q`; lnav: `:filter-in`), it times,
from the key to the screen:

- find within the filter: a timestamp of one 5xx router line from the middle of the file,
  typed after `/`, timed from Enter until its line is on screen (lnav: its search, which
  searches the lines its filter shows, and `N` to the hit);
- context toggle (tuilogs only: lnav has no context lines): `C` on until separators show,
  `C` off until the status line drops `±3`; and the find within the filter with context on.

tuilogs runs from its own venv (benchenv.py), installed from this tree. Figures are the
median (and range) of `--runs` launches, and the peak RSS of the process tree.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_explorer import last_line_token, make_file, tuitime  # noqa: E402
from benchenv import spread, tuilogs_bin  # noqa: E402

# tmux runs a command in its server's environment, not the caller's: a server another engineer
# started from a shell with PYTHONPATH set would run that checkout's code. Unset it for both.
CLEAN_ENV = "env -u PYTHONPATH"
FILTER = "status>=500"
LNAV_FILTER = r"status=5\d\d "
SEPARATOR = r"── [\d,]+ lines? ──"


def filtered_token(path: Path, where: float = 0.5) -> str:
    """The timestamp of a 5xx router line from `where` in the file, found only once."""
    with open(path, "rb") as f:
        f.seek(int(path.stat().st_size * where))
        f.readline()
        for raw in f:
            line = raw.decode()
            if " heroku[router]: " in line and re.search(r" status=5\d\d ", line):
                token = line[:26]
                count = subprocess.run(
                    ["grep", "-c", token, str(path)], capture_output=True, text=True
                ).stdout.strip()
                if count == "1":
                    return token
    raise SystemExit(f"no unique 5xx line after {where:.0%} of the file")


def found(token: str) -> str:
    """A wait for the token's line in the log pane (not only in the search box)."""
    return f"wait:{re.escape(token)}\\S* heroku\\[router\\]"


def tuilogs_steps(token: str, other: str) -> list[str]:
    """From launch with the filter applied: loaded and filtered; find `token` within it;
    context on, off; find `other` within it with context on. Waits after each `mark` are the
    timings."""
    q = re.escape(token)
    return [
        "wait:file · (loaded|following)",  # indexed: no longer "indexing…"
        r"wait:[\d,]+ lines *$",  # the search box's count, without "…": the filter is done
        "sleep:1.0",
        "keys:/",
        "sleep:0.3",  # the box takes the focus: keys typed sooner would go to the log
        f"text:{token}",
        f"wait:{q}",
        "sleep:0.5",
        "mark",
        "keys:Enter",
        found(token),  # 1: find within the filter
        "keys:Escape",
        "sleep:0.5",
        "mark",
        "keys:C",
        f"wait:{SEPARATOR}",  # 2: context on
        "sleep:0.5",
        "mark",
        "keys:C",
        f"wait:filter: {re.escape(FILTER)} │",  # 3: context off
        "sleep:0.5",
        "keys:C",
        f"wait:{SEPARATOR}",
        "sleep:0.5",
        "keys:/",
        "sleep:0.3",  # the box takes the focus: keys typed sooner would go to the log
        f"text:{other}",
        f"wait:{re.escape(other)}",
        "sleep:0.5",
        "mark",
        "keys:Enter",
        found(other),  # 4: find within the filter, context on
    ]


def lnav_steps(last: str, token: str) -> list[str]:
    q = re.escape(token)
    return [
        f"wait:{re.escape(last)}",
        "sleep:1.5",
        "keys::",
        f"text:filter-in {LNAV_FILTER}",
        "keys:Enter",
        "wait:Lines not shown",
        "sleep:1.0",
        "keys:/",
        "sleep:0.3",  # the box takes the focus: keys typed sooner would go to the log
        f"text:{token}",
        f"wait:{q}",
        "mark",
        "keys:Enter",
        "wait:1 hits",
        "keys:N",
        found(token),  # find within the filter (from Enter)
    ]


def run(name: str, cmd: str, path: Path, last: str, tokens: tuple[str, str], runs: int) -> dict:
    token = tokens[0]
    rows: dict[str, list[float]] = {}
    rss = 0.0
    for _ in range(runs):
        if name == "tuilogs":
            r = tuitime(
                f"{CLEAN_ENV} {cmd} {path} -q '{FILTER}'", *tuilogs_steps(*tokens), timeout=300
            )
            keys = ["filter_find", "context_on", "context_off", "context_find"]
            # Waits: loaded, filtered, token typed, then the four timed (two untimed between).
            waits = [r["waits"][i] if i < len(r["waits"]) else float("nan") for i in (3, 4, 5, 8)]
        else:
            r = tuitime(f"{CLEAN_ENV} {cmd} {path}", *lnav_steps(last, token), timeout=300)
            keys = ["filter_find"]
            waits = r["waits"][4:5]  # after first screen, filter, token, hit count
        print(f"{name}: waits {[round(w, 3) for w in r['waits']]}", file=sys.stderr)
        for key, value in zip(keys, waits, strict=False):
            if value == value:  # a wait that timed out (nan) is left out, and shows above
                rows.setdefault(key, []).append(value)
        rss = max(rss, r.get("rss_mb") or 0.0)
    return {"tool": name, "rss_mb": rss, **rows}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=5_000_000)
    ap.add_argument("--only", action="append")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--file", type=Path, help="a file from genlogs.py (default: made once)")
    a = ap.parse_args()
    path = a.file or make_file(a.lines)
    last, tokens = last_line_token(path), (filtered_token(path), filtered_token(path, 0.25))
    size = path.stat().st_size / 1e6
    print(f"file: {path} ({size:.0f} MB), filter {FILTER!r}, tokens {tokens}")
    tools = [("tuilogs", None), ("lnav", "lnav")]
    results = []
    for name, cmd in tools:
        if a.only and name not in a.only:
            continue
        cmd = cmd or tuilogs_bin()
        if not shutil.which(cmd.split()[0]):
            print(f"{name}: not installed, skipped")
            continue
        results.append(run(name, cmd, path, last, tokens, a.runs))
    labels = {
        "filter_find": "find within the filter (Enter → line on screen)",
        "context_on": "context lines on (C → separators on screen)",
        "context_off": "context lines off (C → status line)",
        "context_find": "find within the filter, context on",
    }
    print(f"\n{'':52}" + "".join(f"{r['tool']:>26}" for r in results))
    for key, label in labels.items():
        cells = [spread(r[key]) if key in r else "—" for r in results]
        print(f"{label:52}" + "".join(f"{c:>26}" for c in cells))
    print(f"{'peak RSS':52}" + "".join(f"{r['rss_mb']:>25.0f}M" for r in results))


if __name__ == "__main__":
    main()
