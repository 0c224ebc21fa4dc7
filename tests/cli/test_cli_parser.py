"""The command line's one parser: every subcommand parses, a bare TARGET is the explorer's, a
pipe on stdin is the default source, `--help` lists the commands, and a command's arguments
(and imports) are only those of the command being run."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
import time

import httpx
import pytest

from tuilogs.cli import demo, drains, explore
from tuilogs.cli.main import COMMANDS, build_parser, main, parse, with_command
from tuilogs.server.run import run_from_args

from kit.files import SAMPLE

NAMES = [c.name for c in COMMANDS]


def tuilogs(*args: str, home, **kw) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEROKU_")}
    env.update(TUILOGS_HOME=str(home), HOME=str(home))
    return subprocess.run(
        [sys.executable, "-m", "tuilogs", *args], capture_output=True, env=env, timeout=60, **kw
    )


class TestParsing:
    def test_help_lists_every_command(self, capsys):
        with pytest.raises(SystemExit) as done:
            main(["--help"])
        assert done.value.code == 0
        out = capsys.readouterr().out
        assert out.startswith("usage: tuilogs [TARGET] [options]\n")
        listed = out.split("commands (tuilogs COMMAND --help for their options):\n", 1)[1]
        assert [line.split()[0] for line in listed.splitlines()] == NAMES
        assert "--no-follow" in out  # the explorer's own options come first

    @pytest.mark.parametrize(
        ("argv", "run", "expected"),
        [
            (["serve", "--port", "0", "--syslog-port", "5514"], run_from_args,
             {"port": 0, "syslog_port": 5514, "host": "127.0.0.1", "durability": "normal"}),
            (["token"], None, {"command": "token"}),
            (["ingest", "myapp", "--dyno", "web.1"], None,
             {"app": "myapp", "dyno": "web.1", "source": "app"}),
            (["demo", "--rate", "5"], demo.run_demo, {"rate": 5.0, "history": 3000}),
            (["drains", "-a", "myapp", "--json"], drains.run_command,
             {"app": "myapp", "json": True, "show_secrets": False, "command": "drains"}),
            (["drains:add", "https://h.example/x", "-a", "myapp"], drains.run_command,
             {"url": "https://h.example/x", "command": "drains:add"}),
            (["drains:remove", "d.1", "-a", "myapp"], drains.run_command,
             {"url": "d.1", "command": "drains:remove"}),
        ],
    )  # fmt: skip
    def test_every_subcommand_parses(self, argv, run, expected):
        args = build_parser().parse_args(with_command(argv))
        assert args.command == argv[0]
        assert {key: getattr(args, key) for key in expected} == expected
        if run is not None:
            assert args.run is run
        assert parse(argv).command == argv[0]  # only that command filled in: the same answer

    @pytest.mark.parametrize(
        ("argv", "target", "app", "num"),
        [
            (["app.log"], "app.log", None, 100),
            (["app.log", "-n", "5"], "app.log", None, 5),
            (["-n", "5", "myapp"], "myapp", None, 5),
            (["-"], "-", None, 100),
            ([], None, None, 100),
            (["-a", "serve"], None, "serve", 100),
            (["explore"], "explore", None, 100),  # a file or app of that name, as before
            (["--", "demo"], "demo", None, 100),
        ],
    )
    def test_anything_but_a_command_name_is_the_explorers(self, argv, target, app, num):
        args = parse(argv)
        assert (args.command, args.target, args.app, args.num) == ("explore", target, app, num)
        assert args.run is explore.run

    def test_unknown_options_are_reported_by_the_commands_own_parser(self, capsys):
        assert main(["drains", "-a", "myapp", "--bogus"]) == 2
        assert capsys.readouterr().err == "tuilogs drains: unrecognized arguments: --bogus\n"
        with pytest.raises(SystemExit) as done:
            main(["app.log", "--bogus"])
        assert done.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith("usage: tuilogs [TARGET] [options]\n")
        assert err.endswith("tuilogs: error: unrecognized arguments: --bogus\n")

    def test_ingest_refuses_a_name_that_is_not_an_app(self, capsys):
        assert main(["ingest", "Bad_App"]) == 2
        assert capsys.readouterr().err == "tuilogs: not an app name: Bad_App\n"


class TestRunning:
    def test_print_mode_loads_neither_textual_nor_the_router(self, tuilogs_home):
        code = (
            "import sys; from tuilogs.cli.main import main; "
            f"code = main([{str(SAMPLE)!r}, '--print', '-n', '1']); "
            "heavy = ('textual', 'uvicorn', 'starlette', 'tuilogs.server', 'tuilogs.ui'); "
            "print(sorted(m for m in sys.modules if m.startswith(heavy)), code)"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
        )
        assert out.stdout.splitlines()[-1] == "[] 0"

    def test_a_pipe_on_stdin_is_the_default_source(self, tuilogs_home):
        data = b"2026-01-01T00:00:00+00:00 app[web.1]: one\n2026-01-01T00:00:01+00:00 app[web.1]: two\n"
        out = tuilogs("-n", "1", home=tuilogs_home, input=data)
        assert (out.returncode, out.stdout) == (0, data.splitlines(keepends=True)[-1])

    def test_no_target_on_a_terminal_says_what_to_give(self, tuilogs_home):
        env = {**os.environ, "TUILOGS_HOME": str(tuilogs_home)}
        pid, fd = pty.fork()
        if pid == 0:  # stdin, stdout and stderr are the terminal
            os.execvpe(sys.executable, [sys.executable, "-m", "tuilogs"], env)
        out = b""
        while chunk := _read(fd):
            out += chunk
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 2
        assert b"usage: tuilogs [TARGET] [options]" in out
        assert b"tuilogs: give a log file, `-` for stdin, an app, or `demo`" in out

    def test_the_sample(self, tuilogs_home):
        out = tuilogs("sample", "--print", "-n", "3", home=tuilogs_home)
        assert out.returncode == 0 and len(out.stdout.splitlines()) == 3
        assert (tuilogs_home / "cache" / "sample.log").exists()

    def test_token_prints_the_routers_token(self, tuilogs_home):
        out = tuilogs("token", home=tuilogs_home, text=True)
        assert out.returncode == 0
        assert out.stdout.strip() == (tuilogs_home / "config" / "token").read_text().strip()

    def test_serve_runs_the_router_until_sigterm(self, tuilogs_home):
        env = {**os.environ, "TUILOGS_HOME": str(tuilogs_home)}
        proc = subprocess.Popen(
            [sys.executable, "-m", "tuilogs", "serve", "--port", "0"],
            env=env,
            stderr=subprocess.PIPE,
        )
        discovery = tuilogs_home / "config" / "router.json"
        try:
            info = _wait_for_discovery(discovery, proc.pid)
            token = (tuilogs_home / "config" / "token").read_text().strip()
            apps = httpx.get(
                f"{info['base_url']}/apps", headers={"Authorization": f"Bearer {token}"}
            )
            assert apps.status_code == 200 and apps.json() == []
        finally:
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(15)
        assert code == 0 and not discovery.exists()
        assert b"tuilogs router on http://127.0.0.1:" in proc.stderr.read()


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, 65536)
    except OSError:  # the terminal closed with the child
        return b""


def _wait_for_discovery(path, pid: int, timeout: float = 20.0) -> dict:
    """The router.json a router with this pid wrote, once it serves."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            info = json.loads(path.read_text())
        except (OSError, ValueError):
            info = {}
        if info.get("pid") == pid:
            return info
        time.sleep(0.05)
    raise AssertionError(f"no router.json from pid {pid} within {timeout} s")
