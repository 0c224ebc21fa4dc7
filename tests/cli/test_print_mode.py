"""Print mode behaves like `heroku logs`: -n, -s, -d, -t, quiet on a closed pipe."""

import subprocess
import sys
import time

from tuilogs.core.record import dyno_matches, parse_line


def tuilogs(*args, **kw):
    return subprocess.run([sys.executable, "-m", "tuilogs", *args], capture_output=True, **kw)


def records(out: bytes):
    return [parse_line(line) for line in out.decode("utf-8", "replace").splitlines()]


def test_default_is_last_100_lines_uncoloured(sample_path):
    out = tuilogs(str(sample_path)).stdout  # stdout is a pipe: print mode by itself
    lines = sample_path.read_bytes().splitlines()
    assert out.splitlines() == lines[-100:]
    assert b"\x1b[" not in out.replace(b"\x1b]0;pwned", b"").replace(b"\x1b[2J", b"")


def test_num_source_and_dyno(sample_path):
    out = tuilogs(str(sample_path), "--print", "-n", "7", "-s", "app", "-d", "web").stdout
    recs = records(out)
    assert len(recs) == 7
    assert all(r.source == "app" and dyno_matches(r.dyno, "web") for r in recs)
    everything = [
        r
        for r in records(sample_path.read_bytes())
        if r.source == "app" and dyno_matches(r.dyno, "web")
    ]
    assert [r.line() for r in recs] == [r.line() for r in everything[-7:]]


def test_search_option_and_all_lines(sample_path):
    out = tuilogs(str(sample_path), "-n", "0", "-q", "status>=500").stdout
    assert out and all("status=5" in r.message for r in records(out))


def test_closed_pipe_is_quiet(tmp_path):
    big = tmp_path / "big.log"
    big.write_text(
        "".join(f"2026-01-01T00:00:00+00:00 app[web.1]: line {i}\n" for i in range(200_000))
    )
    p = subprocess.run(
        f"{sys.executable} -m tuilogs {big} -n 0 | head -3", shell=True, capture_output=True
    )
    assert p.stdout.count(b"\n") == 3
    assert p.stderr == b""


def test_tail_prints_new_lines(tmp_path):
    log = tmp_path / "app.log"
    log.write_text("2026-01-01T00:00:00+00:00 app[web.1]: before\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tuilogs", str(log), "-t"], stdout=subprocess.PIPE
    )
    try:
        assert proc.stdout.readline().endswith(b"before\n")
        with open(log, "a") as f:
            f.write("2026-01-01T00:00:01+00:00 app[web.1]: after\n")
        t0 = time.monotonic()
        assert proc.stdout.readline().endswith(b"after\n")
        assert time.monotonic() - t0 < 5
    finally:
        proc.kill()
        proc.wait()


def test_stdin_with_filters():
    data = b"2026-01-01T00:00:00+00:00 heroku[router]: at=info\n2026-01-01T00:00:00+00:00 app[web.1]: hi\n"
    out = tuilogs("-", "-s", "app", input=data).stdout
    assert out == b"2026-01-01T00:00:00+00:00 app[web.1]: hi\n"


def test_bad_query_is_a_clear_error(sample_path):
    p = tuilogs(str(sample_path), "-q", "/[x/")
    assert p.returncode == 2 and b"invalid regex" in p.stderr


def _run_on_a_tty(args, env_extra=None):
    """Run tuilogs with stdout on a pseudo-terminal; returns what the terminal received."""
    import os
    import pty

    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(env_extra or {})
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(sys.executable, [sys.executable, "-m", "tuilogs", *args], env)
    out = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.waitpid(pid, 0)
    return out


def test_colour_and_escaping_on_a_terminal(sample_path):
    out = _run_on_a_tty([str(sample_path), "--print", "-n", "0"])
    assert b"\x1b[" in out  # colourised
    assert b"\x1b]0;pwned" not in out and b"\\x1b]0;pwned\\x07" in out  # hostile line escaped


def test_no_color_on_a_terminal(sample_path):
    out = _run_on_a_tty([str(sample_path), "--print", "-n", "0"], {"NO_COLOR": "1"})
    assert b"\x1b[" not in out.replace(b"\\x1b[", b"")
    assert b"\\x1b]0;pwned\\x07" in out


# -- apps: unreachable APIs, -n and its caps, unknown sources -----------------------------------


def _app_env(home):
    """No Heroku credentials; the router (if any) found through TUILOGS_HOME."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("HEROKU_")}
    env.update(TUILOGS_HOME=str(home), HOME=str(home))
    return env


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_api_is_an_error_not_a_hang(tmp_path):
    """Network errors are retried by the explorer (its header says reconnecting); a script
    gets the reason and a non-zero status. `timeout=` only guards against the old hang."""
    api = f"http://127.0.0.1:{_closed_port()}"
    for mode in ("-p", "-t"):
        p = tuilogs("myapp", mode, "--api", api, env=_app_env(tmp_path), timeout=60)
        assert p.returncode == 1, (mode, p.stderr)
        assert b"connection refused" in p.stderr and p.stdout == b""


def test_an_api_that_never_answers_is_an_error_after_the_timeout(tmp_path):
    import socket

    with socket.socket() as server:  # the kernel accepts connections; nothing ever answers
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        api = f"http://127.0.0.1:{server.getsockname()[1]}"
        for mode in ("-p", "-t"):
            p = tuilogs(
                "myapp", mode, "--api", api, "--timeout", "1", env=_app_env(tmp_path), timeout=60
            )
            assert p.returncode == 1, (mode, p.stderr)
            assert b"within 1 s (timeout)" in p.stderr, p.stderr


def test_num_0_prints_an_apps_whole_history_and_a_large_num_all_it_asks(make_router, tuilogs_home):
    from kit.routerkit import post_batch, rec

    router = make_router(write_discovery_file=True)
    total = 12_345  # more than one log-lines page (10,000)
    for start in range(0, total, 5_000):
        batch = [rec(f"line {i}") for i in range(start, min(start + 5_000, total))]
        assert post_batch(router, "big", batch).status_code == 204
    env = _app_env(tuilogs_home)
    everything = tuilogs("big", "-p", "-n", "0", env=env, timeout=120)
    assert everything.returncode == 0, everything.stderr
    messages = [r.message for r in records(everything.stdout)]
    assert messages == [f"line {i}" for i in range(total)]
    assert everything.stderr == b""
    some = tuilogs("big", "-p", "-n", "11000", env=env, timeout=120)
    assert [r.message for r in records(some.stdout)] == [f"line {i}" for i in range(1345, total)]


def test_heroku_keeps_1500_lines_and_print_mode_says_so():
    from tuilogs.cli.print_mode import app_fetch

    assert app_fetch("heroku", 200).note == ""
    for num in (0, 300_000):
        fetch = app_fetch("heroku", num)
        assert (fetch.first, fetch.history) == (1500, False)
        assert "Heroku keeps the last 1,500 lines" in fetch.note
    assert app_fetch("local", 0) == app_fetch("local", 0).__class__(10_000, True, None)
    assert app_fetch("local", 300_000).max_history == 290_000


def test_a_source_filter_naming_no_source_says_which_there_are(sample_path):
    p = tuilogs(str(sample_path), "-p", "-s", "router")
    assert p.stdout == b""
    assert b"no source 'router': the sources are app and heroku" in p.stderr
    assert b"use -d router" in p.stderr
    assert tuilogs(str(sample_path), "-p", "-s", "heroku").stderr == b""
