"""`--redact` in print mode: a file cleaned before it is shared (`tuilogs app.log --redact
--print > clean.log`), byte for byte where nothing is secret, on a pipe and on a terminal, from
files and from an app's stored history."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

from kit.routerkit import post_batch, rec

LINES = [
    b"2026-11-23T19:00:00+00:00 app[web.1]: login user=bob@example.com password=hunter2\n",
    b"2026-11-23T19:00:01+00:00 heroku[router]: at=info path=/pay status=200 bytes=12870\n",
    b"raw line with an invalid byte \xff and card 4111 1111 1111 1111\r\n",
    b'2026-11-23T19:00:02+00:00 app[web.2]: {"api_key": "k-123", "order_id": 4111111111111112}\n',
    b"2026-11-23T19:00:03+00:00 app[api]: Deploy by dev@example.com",  # no final line break
]
CLEAN = [
    b"2026-11-23T19:00:00+00:00 app[web.1]: login user=[email] password=[password]\n",
    LINES[1],
    b"raw line with an invalid byte \xff and card [card]\r\n",
    b'2026-11-23T19:00:02+00:00 app[web.2]: {"api_key": "[token]", "order_id": 4111111111111112}\n',
    b"2026-11-23T19:00:03+00:00 app[api]: Deploy by [email]\n",
]


def tuilogs(*args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tuilogs", *args], capture_output=True, **kw)


def test_a_file_printed_with_redact_is_clean_and_otherwise_byte_for_byte(tmp_path):
    log = tmp_path / "app.log"
    log.write_bytes(b"".join(LINES))
    done = tuilogs(str(log), "--redact", "--print", "-n", "0")
    assert done.returncode == 0, done.stderr
    assert done.stdout == b"".join(CLEAN)
    plain = tuilogs(str(log), "--print", "-n", "0")
    assert plain.stdout == b"".join(LINES) + b"\n"  # without --redact: as received


def test_a_pipe_with_rules_of_your_own(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text('disable = ["email"]\n[[rules]]\nname = "user"\nfields = ["user"]\n')
    done = tuilogs("-", "--redact-config", str(rules), input=LINES[0])
    assert done.stdout == (
        b"2026-11-23T19:00:00+00:00 app[web.1]: login user=[user] password=[password]\n"
    )


def test_a_bad_rules_file_is_one_line_and_prints_nothing(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rules]]\nname = "x"\npattern = "("\n')
    log = tmp_path / "app.log"
    log.write_bytes(LINES[0])
    done = tuilogs(str(log), "--redact-config", str(rules))
    assert done.returncode == 2
    assert done.stdout == b""
    assert done.stderr.decode().startswith(f"tuilogs: {rules}: rule 1 (x): bad pattern '(':")
    assert done.stderr.count(b"\n") == 1


def test_colour_on_a_terminal_is_redacted_too(tmp_path):
    log = tmp_path / "app.log"
    log.write_bytes(b"".join(LINES))
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(
            sys.executable, [sys.executable, "-m", "tuilogs", str(log), "-p", "--redact"], env
        )
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
    assert b"\x1b[" in out  # colourised
    for secret in (b"bob@example.com", b"hunter2", b"4111 1111", b"k-123", b"dev@example.com"):
        assert secret not in out
    assert out.count(b"[email]") == 2 and b"[card]" in out and b"[token]" in out


def test_an_apps_history_printed_with_redact(make_router, tuilogs_home):
    router = make_router(write_discovery_file=True)  # a router that keeps lines as sent
    assert (
        post_batch(router, "shop", [rec("paid with 4111111111111111"), rec("ok")]).status_code
        == 204
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEROKU_")}
    env.update(TUILOGS_HOME=str(tuilogs_home), HOME=str(tuilogs_home))
    done = tuilogs("shop", "-p", "--redact", env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert [line.split(": ", 1)[1] for line in done.stdout.decode().splitlines()] == [
        "paid with [card]",
        "ok",
    ]
