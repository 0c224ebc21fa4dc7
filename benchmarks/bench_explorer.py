#!/usr/bin/env python3
"""Explorer benchmark: tuilogs side by side with lnav and toolong, driven in tmux at 120x40.

    python benchmarks/bench_explorer.py [--lines 1000000] [--only tuilogs] [--merged]

Makes (once) a file with ../shared/tools/genlogs.py, then for each tool that is installed:
first screen (the file's last line visible), a search for a token that occurs once (on screen
after Enter), a dyno filter (tuilogs: sidebar "only web.1"; lnav: `:filter-in`), and peak RSS.
Then follows a 5,000 lines/s pipe and times key answers. Figures go to stdout as a table.
`--merged` measures two such files (genlogs seeds 1 and 2) opened together, merged by time,
tuilogs against lnav: the first screen (the merge's last line), the whole merge done (tuilogs:
its header stops saying "indexing"), search, filter and peak RSS.
Timings come from ../shared/tools/tuitime.py (screen polling every 20 ms). First screens are
the median (and range) of FIRST_SCREENS separate launches. tuilogs runs from its own venv
(benchenv.py), installed from this tree, as a user would have it.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchenv import spread, tuilogs_bin  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "tools"
if not SHARED.exists():
    SHARED = Path("/work/shared/tools")
GENLOGS = SHARED / "genlogs.py"
TUITIME = SHARED / "tuitime.py"
TOOLONG = os.environ.get("TOOLONG", "/opt/toolong/bin/tl")


# tmux runs a command in its server's environment, not the caller's: a server started from a
# shell with PYTHONPATH set (another checkout) would run that checkout's code. Unset it.
CLEAN_ENV = "env -u PYTHONPATH"


def tuitime(cmd: str, *steps: str, timeout: float = 60) -> dict[str, float | str]:
    cmd = f"{CLEAN_ENV} {cmd}"
    out = subprocess.run(
        [sys.executable, str(TUITIME), "--cmd", cmd, "--timeout", str(timeout), *steps],
        capture_output=True,
        text=True,
    )
    result: dict[str, float | str] = {}
    waits = []
    for line in out.stdout.splitlines():
        m = re.match(r"wait (.*): ([\d.]+) s$", line)
        if m:
            waits.append(float(m.group(2)))
        elif line.startswith("wait ") and "TIMEOUT" in line:
            waits.append(float("nan"))
        elif line.startswith("peak_rss_kib:"):
            result["rss_mb"] = int(line.split()[1]) / 1024
    result["waits"] = waits
    return result


def make_file(lines: int, seed: int = 1) -> Path:
    suffix = "" if seed == 1 else f"-seed{seed}"
    path = Path(tempfile.gettempdir()) / f"tuilogs-bench-{lines}{suffix}.log"
    if not path.exists() or path.stat().st_size == 0:
        with open(path, "w") as out:
            subprocess.run(
                [sys.executable, str(GENLOGS), str(lines), "--seed", str(seed)],
                stdout=out,
                check=True,
            )
    return path


def last_line_token(path: Path) -> str:
    with open(path, "rb") as f:
        f.seek(-4096, 2)
        last = f.read().splitlines()[-1].decode()
    return last[:26]


def unique_token(path: Path, *others: Path) -> str:
    """A timestamp from the middle of the file that occurs exactly once (in all the files)."""
    with open(path, "rb") as f:
        f.seek(path.stat().st_size // 2)
        f.readline()
        while True:
            token = f.readline().decode()[:26]
            found = subprocess.run(
                ["grep", "-ch", token, str(path), *map(str, others)], capture_output=True, text=True
            ).stdout.split()
            if sum(map(int, found)) == 1:
                return token


FIRST_SCREENS = 3


def first_screens(cmd: str, *steps: str, n: int = FIRST_SCREENS) -> list[float]:
    """Seconds to the first screen over `n` launches (each then quit with q, or killed)."""
    out = []
    for _ in range(n):
        r = tuitime(cmd, *steps, "sleep:0.3", "keys:q", "sleep:0.3")
        if r["waits"]:
            out.append(r["waits"][0])
    return out


def tuilogs_search_and_filter(token: str, downs: int = 8) -> list[str]:
    """tuitime steps, from a loaded explorer: time a search for `token` (typed, then Enter
    until its line is on screen), then the sidebar's "only" on web.1, `downs` entries below
    the first (a merged view lists its logs first)."""
    q = re.escape
    return [
        "keys:/",
        f"text:{token}",
        f"wait:{q(token)}",
        "mark",
        "keys:Enter",
        f"wait:{q(token)}\\S* (app|heroku)\\[",
        "keys:Escape",
        "sleep:0.5",
        "keys:Tab",
        *["keys:Down"] * downs,
        "sleep:0.5",
        "mark",
        "keys:o",
        r"wait:[\d,]+ of [\d,]+ lines",
    ]


def run_tool(name: str, cmd: str, path: Path, last: str, token: str) -> dict:
    q = re.escape
    first_screen = f"wait:{q(last)}"
    row: dict = {"tool": name}
    if name == "tuilogs":
        r = tuitime(f"{cmd} {path}", first_screen, "sleep:1.5", *tuilogs_search_and_filter(token))
    elif name == "lnav":
        # lnav counts hits on Enter and moves to one with `n`; its filter is a regex filter-in.
        r = tuitime(
            f"{cmd} {path}",
            first_screen,
            "sleep:1.5",
            "keys:/",
            f"text:{token}",
            f"wait:{q(token)}",
            "mark",
            "keys:Enter",
            "wait:1 hits",
            "keys:N",
            f"wait:{q(token)}\\S* (app|heroku)\\[",
            "sleep:0.5",
            "keys::",
            "text:filter-in web\\.1\\]",
            "sleep:0.3",
            "mark",
            "keys:Enter",
            "wait:Lines not shown",
        )
    else:  # toolong
        r = tuitime(f"{cmd} {path}", "wait:(app|heroku)\\[", "sleep:1.0", "keys:End", first_screen)
    waits = r["waits"] + [float("nan")] * 4
    if name == "toolong":  # it opens at the top of the file: its first lines shown
        row["first_screens"] = first_screens(f"{cmd} {path}", "wait:(app|heroku)\\[")
    else:
        row["first_screens"] = first_screens(f"{cmd} {path}", first_screen)
    if name != "toolong":
        # lnav needs an extra wait (its hit count) before `N` moves to the hit.
        row["search_s"], row["filter_s"] = (waits[3], waits[4]) if name == "lnav" else waits[2:4]
    row["rss_mb"] = r.get("rss_mb")
    return row


KEYS = [
    ("w", "│ wrap │"),
    ("w", "nowrap"),
    ("t", "time: local"),
    ("t", "time: relative"),
    ("t", "time: received"),
    ("w", "│ wrap │"),
    ("w", "nowrap"),
    ("t", "time: local"),
]


def key_answers(session: str) -> list[int]:
    """ms from each key sent (wrap, timestamps) to its effect on screen, polled every 3 ms."""

    def screen() -> str:
        return subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True
        ).stdout

    out = []
    for key, effect in KEYS:
        t = time.monotonic()
        subprocess.run(["tmux", "send-keys", "-t", session, key])
        while effect not in screen() and time.monotonic() - t < 5:
            time.sleep(0.003)
        out.append(round((time.monotonic() - t) * 1000))
        time.sleep(0.4)
    return out


def follow_pipe(tuilogs: str, rate: int, seconds: int) -> dict:
    """tuilogs following `genlogs --rate`: the rate it shows, and key answer times."""
    name = "tp" + os.urandom(4).hex()
    cmd = f"python3 {GENLOGS} {rate * (seconds + 15)} --rate {rate} | {CLEAN_ENV} {tuilogs} -"
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", name, "-x", "120", "-y", "40", cmd],
        env=dict(os.environ, TERM="xterm-256color"),
        check=True,
    )
    try:
        time.sleep(seconds)
        keys = key_answers(name)
        screen = subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", name], capture_output=True, text=True
        ).stdout
        m = re.search(r"([\d,]+) lines/s", screen)
        return {"key_answers_ms": keys, "rate_shown": m.group(1) if m else "?"}
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name])


MERGED_DONE = "merged by time · (following|loaded|live)"  # tuilogs' header once all is merged


def run_merged(name: str, cmd: str, paths: list[Path], last: str, token: str) -> dict:
    """Two files opened together: first screen, merge done, search, filter, peak RSS."""
    q = re.escape
    files = " ".join(map(str, paths))
    first_screen = f"wait:{q(last)}"
    row: dict = {"tool": name}
    if name == "tuilogs":
        steps = [first_screen, f"wait:{MERGED_DONE}", "sleep:1.0"]
        r = tuitime(f"{cmd} {files}", *steps, *tuilogs_search_and_filter(token, downs=10))
        waits = r["waits"] + [float("nan")] * 5
        row["merged_s"], row["search_s"], row["filter_s"] = waits[1], waits[3], waits[4]
    else:  # lnav shows its first screen once both files are indexed and merged
        r = tuitime(
            f"{cmd} {files}",
            first_screen,
            "sleep:1.5",
            "keys:/",
            f"text:{token}",
            f"wait:{q(token)}",
            "mark",
            "keys:Enter",
            "wait:1 hits",
            "keys:N",
            f"wait:{q(token)}\\S* (app|heroku)\\[",
            "sleep:0.5",
            "keys::",
            "text:filter-in web\\.1\\]",
            "sleep:0.3",
            "mark",
            "keys:Enter",
            "wait:Lines not shown",
        )
        waits = r["waits"] + [float("nan")] * 5
        row["merged_s"], row["search_s"], row["filter_s"] = waits[0], waits[3], waits[4]
    row["first_screens"] = first_screens(f"{cmd} {files}", first_screen)
    row["rss_mb"] = r.get("rss_mb")
    return row


def merged(lines: int, tools: list[tuple[str, str]]) -> None:
    paths = [make_file(lines), make_file(lines, seed=2)]
    last = max(last_line_token(p) for p in paths)  # one shape of UTC stamp: text order
    token = unique_token(paths[1], paths[0])
    sizes = " + ".join(f"{p.stat().st_size / 1e6:.0f} MB" for p in paths)
    print(f"merged: {' '.join(map(str, paths))} ({sizes}), last {last!r}, token {token!r}")
    rows = [run_merged(name, cmd, paths, last, token) for name, cmd in tools]
    print(
        f"\n{'merged':10} {'first screen':>24} {'all merged':>10} {'search':>8} {'filter':>8}"
        f" {'peak RSS':>9}"
    )
    for row in rows:
        print(
            f"{row['tool']:10} {spread(row['first_screens']):>24} {_s(row, 'merged_s'):>10} "
            f"{_s(row, 'search_s'):>8} {_s(row, 'filter_s'):>8} {row['rss_mb'] or 0:8.0f}M"
        )


def _s(row: dict, key: str) -> str:
    v = row.get(key)
    return "n/a" if v is None else f"{v:.3f}s"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--only", action="append")
    ap.add_argument("--no-follow", action="store_true")
    ap.add_argument("--merged", action="store_true", help="two files merged, tuilogs and lnav")
    a = ap.parse_args()
    if a.merged:
        tuilogs = tuilogs_bin() if not a.only or "tuilogs" in a.only else "tuilogs"
        tools = [("tuilogs", tuilogs), ("lnav", "lnav")]
        merged(
            a.lines, [(n, c) for n, c in tools if (not a.only or n in a.only) and shutil.which(c)]
        )
        return
    path = make_file(a.lines)
    last, token = last_line_token(path), unique_token(path)
    print(f"file: {path} ({path.stat().st_size / 1e6:.0f} MB), last line {last!r}, token {token!r}")
    tuilogs = tuilogs_bin() if not a.only or "tuilogs" in a.only else "tuilogs"
    tools = [("tuilogs", tuilogs), ("lnav", "lnav"), ("toolong", TOOLONG)]
    rows = []
    for name, cmd in tools:
        if a.only and name not in a.only:
            continue
        if not shutil.which(cmd.split()[0]):
            print(f"{name}: not installed, skipped")
            continue
        rows.append(run_tool(name, cmd, path, last, token))
    print(f"\n{'tool':10} {'first screen':>24} {'search':>8} {'filter':>8} {'peak RSS':>9}")

    def f(row, k):
        v = row.get(k)
        return "n/a" if v is None else f"{v:.3f}s"

    for row in rows:
        print(
            f"{row['tool']:10} {spread(row['first_screens']):>24} {f(row, 'search_s'):>8} "
            f"{f(row, 'filter_s'):>8} {row['rss_mb'] or 0:8.0f}M"
        )
    if not a.no_follow and (not a.only or "tuilogs" in a.only):
        res = follow_pipe(tuilogs, 5000, 8)
        print(
            f"\nfollowing a 5,000 lines/s pipe: shown rate {res['rate_shown']} lines/s, "
            f"key answers {res['key_answers_ms']} ms"
        )


if __name__ == "__main__":
    main()
