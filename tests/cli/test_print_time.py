"""`--since`/`--until` in print mode (a subprocess, as a script runs it): files, pipes, an app
on the router; every form of time; mistakes are one line and exit status 2."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from kit.routerkit import post_batch, rec


def tuilogs(*args, input=None, home=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEROKU_")}
    env["TZ"] = "UTC"  # local date-times and `today` mean UTC here
    if home is not None:
        env.update(TUILOGS_HOME=str(home), HOME=str(home))
    return subprocess.run(
        [sys.executable, "-m", "tuilogs", *args],
        capture_output=True,
        text=True,
        input=input,
        env=env,
        timeout=60,
    )


def line(when: datetime, message: str, dyno: str = "web.1") -> str:
    return f"{when.isoformat(timespec='microseconds')} app[{dyno}]: {message}"


T0 = datetime(2026, 11, 1, 12, tzinfo=timezone.utc)
# Not in time order: web.2's clock runs 30 s behind.
LINES = [
    line(T0, "a"),
    line(T0 - timedelta(seconds=30), "b", "web.2"),
    line(T0 + timedelta(seconds=40), "c"),
    line(T0 + timedelta(seconds=10), "d", "web.2"),
    line(T0 + timedelta(seconds=90), "e"),
    line(T0 + timedelta(seconds=60), "f", "web.2"),
    "a raw line without a time",
]


def messages(out: str) -> list[str]:
    return [row.rsplit(": ", 1)[-1] for row in out.splitlines()]


@pytest.fixture
def log(tmp_path):
    path = tmp_path / "app.log"
    path.write_text("\n".join(LINES) + "\n")
    return path


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--since", "2026-11-01T12:00:00Z"], ["a", "c", "d", "e", "f"]),
        (["--until", "2026-11-01T12:00:00Z"], ["b"]),
        (["--since", "2026-11-01 12:00:10", "--until", "2026-11-01 12:01:00"], ["c", "d"]),
        (["--since", "2026-11-01T13:00:30+01:00"], ["c", "e", "f"]),
        (["--since", "2026-11-01T12:00:00Z", "-n", "2"], ["e", "f"]),
        (["--since", "2026-11-01T12:00:00Z", "-d", "web.2"], ["d", "f"]),
        (["--since", "2026-11-01T12:00:00Z", "-q", "/[cde]$/"], ["c", "d", "e"]),
    ],
)
def test_a_file(log, args, expected):
    out = tuilogs(str(log), *args)
    assert out.returncode == 0, out.stderr
    assert messages(out.stdout) == expected


def test_a_pipe(log):
    out = tuilogs("-", "--until", "2026-11-01T12:00:30Z", input=log.read_text())
    assert out.returncode == 0, out.stderr
    assert messages(out.stdout) == ["a", "b", "d"]


def test_relative_times_and_today(tmp_path):
    # Relative times count from when tuilogs runs: "now" is taken here, not at import (a
    # loaded machine can take minutes to reach this test), and "just now" is the present.
    now = datetime.now(timezone.utc).replace(microsecond=0)
    path = tmp_path / "recent.log"
    rows = [
        line(now - timedelta(days=2), "two days ago"),
        line(now - timedelta(minutes=20), "twenty minutes ago"),
        line(now - timedelta(minutes=5), "five minutes ago"),
        line(now, "just now"),
    ]
    path.write_text("\n".join(rows) + "\n")
    assert messages(tuilogs(str(path), "--since", "-15m").stdout) == [
        "five minutes ago",
        "just now",
    ]
    assert messages(tuilogs(str(path), "--since", "-1h", "--until", "-1m").stdout) == [
        "twenty minutes ago",
        "five minutes ago",
    ]
    today = tuilogs(str(path), "--since", "today").stdout
    midnight = now.replace(hour=0, minute=0, second=0)
    assert messages(today) == [
        m
        for m, d in [
            ("twenty minutes ago", 20 * 60),
            ("five minutes ago", 300),
            ("just now", 0),
        ]
        if now - timedelta(seconds=d) >= midnight
    ]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--since", "soonish"], "tuilogs: not a time: 'soonish'"),
        (["--until", "2026-02-30"], "tuilogs: not a date-time"),
        (["--since", "-1h", "--until", "-2h"], "tuilogs: --since ("),
    ],
)
def test_mistakes_are_one_line_and_status_2(log, args, says):
    out = tuilogs(str(log), *args)
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr.startswith(says) and out.stderr.count("\n") == 1


def test_an_app_on_the_router_is_filtered_by_the_router(make_router, tuilogs_home):
    router = make_router(write_discovery_file=True)
    records = [
        rec("a", ts=LINES[0][:32]),
        rec("b", "web.2", ts=LINES[1][:32]),
        rec("c", ts=LINES[2][:32]),
        rec("d", "web.2", ts=LINES[3][:32]),
    ]
    post_batch(router, "myapp", records)
    out = tuilogs("myapp", "--print", "--since", "2026-11-01T12:00:00Z", home=tuilogs_home)
    assert out.returncode == 0, out.stderr
    assert messages(out.stdout) == ["a", "c", "d"]
    out = tuilogs("myapp", "--print", "--until", "2026-11-01 12:00:05", home=tuilogs_home)
    assert messages(out.stdout) == ["a", "b"]  # a local date-time (TZ=UTC here)


def test_parsing_since_until_and_the_lines_printed():
    from tuilogs.cli.explore import _time_range
    from tuilogs.cli.main import parse

    args = parse(["app.log", "--since", "-15m", "--until=-1m"])
    assert (args.since, args.until, args.num, args.num_given) == ("-15m", "-1m", 100, False)
    rng = _time_range(args)
    assert rng is not None and rng.until - rng.since == 14 * 60
    assert args.num == 0  # a range prints every line in it…
    args = parse(["app.log", "-n", "5", "--since", "today"])
    _time_range(args)
    assert args.num == 5  # … unless -n says otherwise
    args = parse(["-n", "5", "app.log"])
    assert _time_range(args) is None and args.num == 5
