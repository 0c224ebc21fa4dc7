"""`tuilogs A B --print`, `tuilogs DIR/`, `tuilogs app1 app2`: several logs, one merged output."""

from __future__ import annotations

import bz2
import gzip
import os
import subprocess
import sys

from kit.merged import expected_merge
from kit.routerkit import post_batch, rec


def tuilogs(*args, home=None, **kw) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEROKU_")}
    if home is not None:
        env.update(TUILOGS_HOME=str(home), HOME=str(home))
    return subprocess.run(
        [sys.executable, "-m", "tuilogs", *map(str, args)],
        capture_output=True,
        env=env,
        timeout=60,
        **kw,
    )


def stamp(ms: int) -> str:
    return f"2026-11-29T10:00:{ms // 1000:02d}.{ms % 1000:03d}000+00:00"


def make_logs(tmp_path, n: int = 3000):
    """Two files whose times interleave: a's every 3 ms, b's every 5 ms from 1 ms."""
    a = [f"{stamp(3 * i)} app[web.{i % 3 + 1}]: a {i}".encode() for i in range(n)]
    b = [f"{stamp(5 * i + 1)} heroku[router]: b {i} status=200".encode() for i in range(n)]
    (tmp_path / "a.log").write_bytes(b"\n".join(a) + b"\n")
    (tmp_path / "b.log").write_bytes(b"\n".join(b) + b"\n")
    return a, b


def test_print_merges_and_prints_the_last_lines_of_the_merge(tmp_path):
    a, b = make_logs(tmp_path)
    out = tuilogs(tmp_path / "a.log", tmp_path / "b.log", "--print", "-n", "100")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == expected_merge([a, b])[-100:]
    every = tuilogs(tmp_path / "b.log", tmp_path / "a.log", "-n", "0").stdout.splitlines()
    assert every == expected_merge([b, a]) and out.stderr == b""


def test_compressed_files_merge_like_plain_ones_and_filters_apply(tmp_path):
    a, b = make_logs(tmp_path, 500)
    (tmp_path / "a.log.gz").write_bytes(gzip.compress((tmp_path / "a.log").read_bytes()))
    (tmp_path / "b.log.bz2").write_bytes(bz2.compress((tmp_path / "b.log").read_bytes()))
    out = tuilogs(tmp_path / "a.log.gz", tmp_path / "b.log.bz2", "-n", "0", "-d", "web.2")
    assert out.stdout.splitlines() == [x for x in expected_merge([a, b]) if b"[web.2]" in x]
    alone = tuilogs(tmp_path / "b.log.bz2", "-n", "3")
    assert alone.stdout.splitlines() == b[-3:]


def test_a_directory_is_its_log_files_and_the_rest_is_named(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    a, b = make_logs(logs, 200)
    (logs / "b.log").rename(logs / "b.log.1")
    (logs / "core").write_bytes(b"\x7fELF\x00\x00")
    (logs / "archive").mkdir()
    out = tuilogs(logs, "-n", "0")
    assert out.returncode == 0
    assert out.stdout.splitlines() == expected_merge([a, b])
    assert out.stderr.decode().splitlines() == [
        "tuilogs: skipped archive: a directory (not read: give it by name)",
        "tuilogs: skipped core: binary (not text, gzip, bz2 or xz)",
    ]
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = tuilogs(empty)
    assert (nothing.returncode, nothing.stderr) == (
        2,
        f"tuilogs: {empty}: no log files in it\n".encode(),
    )


def test_a_damaged_archive_is_told_and_what_it_held_printed(tmp_path):
    a, b = make_logs(tmp_path, 20_000)
    whole = gzip.compress((tmp_path / "b.log").read_bytes())
    (tmp_path / "b.log.gz").write_bytes(whole[: len(whole) // 2])
    out = tuilogs(tmp_path / "a.log", tmp_path / "b.log.gz", "-n", "0")
    assert out.returncode == 0
    shown = out.stdout.splitlines()
    assert set(a) <= set(shown) and 1_000 < len(shown) - len(a) < len(b)
    assert b"b.log.gz: gzip archive is corrupt or truncated" in out.stderr
    junk = tmp_path / "junk.gz"
    junk.write_bytes(b"\x1f\x8b" + b"junk" * 20)
    bad = tuilogs(junk, "-n", "1")
    assert bad.returncode == 1 and bad.stderr.startswith(b"tuilogs: junk.gz: cannot read it: ")


def test_standard_input_is_read_alone(tmp_path):
    make_logs(tmp_path, 1)
    out = tuilogs("-", tmp_path / "a.log", input=b"x\n")
    assert out.returncode == 2
    assert (
        out.stderr
        == b"tuilogs: standard input is read alone: give `-` without other files or apps\n"
    )


def test_tail_prints_new_lines_of_every_file(tmp_path):
    make_logs(tmp_path, 10)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tuilogs", tmp_path / "a.log", tmp_path / "b.log", "-t", "-n", "2"],
        stdout=subprocess.PIPE,
    )
    try:
        first = [proc.stdout.readline() for _ in range(2)]
        assert all(line.endswith(b"\n") for line in first)
        with open(tmp_path / "b.log", "ab") as f:
            f.write(f"{stamp(90_000)} app[web.9]: new in b\n".encode())
        with open(tmp_path / "a.log", "ab") as f:
            f.write(f"{stamp(91_000)} app[web.9]: new in a\n".encode())
        got = {proc.stdout.readline().rstrip(b"\n").rsplit(b": ", 1)[1] for _ in range(2)}
        assert got == {b"new in a", b"new in b"}
    finally:
        proc.kill()
        proc.wait(10)


def test_several_apps_of_the_router_merge_by_time(make_router, tuilogs_home):
    router = make_router(write_discovery_file=True)
    web = [rec(f"web {i}", dyno="web.1", ts=stamp(10 * i)) for i in range(5)]
    api = [rec(f"api {i}", dyno="web.1", ts=stamp(10 * i + 5)) for i in range(5)]
    post_batch(router, "webapp", web)
    post_batch(router, "apiapp", api)
    out = tuilogs("webapp", "apiapp", "--print", "-n", "4", home=tuilogs_home)
    assert out.returncode == 0, out.stderr
    assert out.stdout.decode().splitlines() == [
        web[3].line(),
        api[3].line(),
        web[4].line(),
        api[4].line(),
    ]
    files_and_apps = tuilogs("webapp", "nosuchapp", "--print", home=tuilogs_home)
    assert files_and_apps.returncode == 1  # the one that exists is printed, the other told
    assert files_and_apps.stdout.decode().splitlines() == [r.line() for r in web]
    assert b"nosuchapp: failed: no app named nosuchapp" in files_and_apps.stderr


def test_tail_follows_several_apps_live(make_router, tuilogs_home):
    router = make_router(write_discovery_file=True)
    post_batch(router, "webapp", [rec("web before", ts=stamp(1))])
    post_batch(router, "apiapp", [rec("api before", ts=stamp(2))])
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEROKU_")}
    env.update(TUILOGS_HOME=str(tuilogs_home), HOME=str(tuilogs_home))
    proc = subprocess.Popen(
        [sys.executable, "-m", "tuilogs", "webapp", "apiapp", "-t", "-n", "5"],
        stdout=subprocess.PIPE,
        env=env,
    )
    try:
        first = [proc.stdout.readline().decode().rstrip("\n") for _ in range(2)]
        assert first == [
            rec("web before", ts=stamp(1)).line(),
            rec("api before", ts=stamp(2)).line(),
        ]
        post_batch(router, "apiapp", [rec("api live", ts=stamp(3))])
        assert proc.stdout.readline().decode().rstrip("\n") == rec("api live", ts=stamp(3)).line()
        post_batch(router, "webapp", [rec("web live", ts=stamp(4))])
        assert proc.stdout.readline().decode().rstrip("\n") == rec("web live", ts=stamp(4)).line()
    finally:
        proc.kill()
        proc.wait(10)


def test_a_merge_is_printed_redacted_and_in_the_time_range_as_one_file_is(tmp_path):
    """--redact and --since/--until apply to a merged print too (they were once dropped)."""
    (tmp_path / "a.log").write_text(f"{stamp(0)} app[web.1]: signup bob@example.com\n")
    (tmp_path / "b.log").write_text(f"{stamp(2000)} app[web.2]: mail alice@example.com\n")
    both = (tmp_path / "a.log", tmp_path / "b.log")
    redacted = tuilogs(*both, "--print", "--redact")
    assert redacted.returncode == 0, redacted.stderr
    assert b"@example.com" not in redacted.stdout
    assert redacted.stdout.count(b"[email]") == 2
    later = tuilogs(*both, "--print", "--since", "2026-11-29T10:00:01Z")
    assert later.stdout.splitlines() == [
        f"{stamp(2000)} app[web.2]: mail alice@example.com".encode()
    ]
