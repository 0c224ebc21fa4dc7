"""`tuilogs [TARGET]`: a file, a pipe, an app or the sample, in the explorer or printed.

The default command: whatever is not a subcommand's name comes here (see `cli.main`). TARGET
is a file if one exists by that name, `-` (or nothing, with a pipe on stdin) for standard
input, `sample` for a generated sample, else an app; `-a APP` is always an app. Several
TARGETs, or a directory, are merged by time into one view (`cli.several`). Output goes to
the explorer on a terminal and is printed like `heroku logs` otherwise (or with `--print`).

Imports stay lazy so that `tuilogs FILE` paints its first screen quickly and print mode never
loads Textual.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tuilogs import __version__
from tuilogs.core.apps import is_app_name

from .command import quiet_on_closed_pipe

USAGE = """\
tuilogs FILE                  explore a log file (followed as it grows; .gz, .bz2, .xz read once)
tuilogs A.log B.log.gz DIR/   several files (a directory: its log files), merged by time
tuilogs APP1 APP2             several apps' live logs, merged by time
cmd | tuilogs -               explore a pipe
tuilogs APP  |  tuilogs -a APP   live logs of an app (Heroku, or the local router)
tuilogs APP --build [ID]      a build's output (the latest without ID)
tuilogs demo                  a simulated app through an embedded router
tuilogs sample                explore a generated sample file
tuilogs serve [--port N] [--syslog-port N]   run the local router (a local Logplex)
tuilogs token                 print the local router's API token
cmd | tuilogs ingest APP --dyno web.1         send lines to the local router
tuilogs drains -a APP [--json] | drains:add URL -a APP | drains:remove URL|TOKEN -a APP
Add --print (automatic when stdout is not a terminal) to print like `heroku logs`.
"""
FIRST_SCREEN_LINES = 300  # an app's first screen from the router; history pages in behind it
TIME_HELP = "RFC 3339, a local date-time (2026-11-01 12:00), -15m / -2h / -1d, or today"


class _Count(argparse.Action):
    """`-n N`, remembering that it was given (a time range prints every line in it unless
    `-n` says otherwise)."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        setattr(namespace, self.dest, values)
        namespace.num_given = True


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The explorer's TARGET and options (today's `tuilogs --help`, word for word: the groups
    below add their options in the order the help lists them)."""
    p.usage = "tuilogs [TARGET] [options]\n\n" + USAGE
    p.description = "Explore Heroku-style logs in the terminal."
    _add_targets(p)
    _add_selection(p)
    _add_build_and_redaction(p)
    _add_times(p)
    p.add_argument("--version", action="version", version=f"tuilogs {__version__}")
    p.set_defaults(run=run)


def _add_targets(p: argparse.ArgumentParser) -> None:
    """What to open: files, directories, a pipe or apps, and the API an app is read from."""
    p.add_argument(
        "target", nargs="?", help="a log file or directory, - for stdin, an app name, or `sample`"
    )
    p.add_argument(
        "more", nargs="*", metavar="TARGET", help="more files, directories or apps: merged by time"
    )
    p.add_argument("-a", "--app", help="an app's live logs (Heroku or the local router)")
    p.add_argument(
        "--api", help="Platform API base URL (default: Heroku if credentials, else local)"
    )


def _add_selection(p: argparse.ArgumentParser) -> None:
    """Which lines, and where they go: printed or explored, how many, from which origins,
    matching which search, followed or not."""
    p.add_argument(
        "--print",
        "-p",
        action="store_true",
        dest="print_mode",
        help="print lines instead of opening the explorer",
    )
    p.add_argument(
        "-n",
        "--num",
        type=int,
        default=100,
        action=_Count,
        help="print mode: number of lines (default 100, 0 for all; with --since/--until: all"
        " in the range); apps: lines fetched",
    )
    p.set_defaults(num_given=False)
    p.add_argument(
        "-s",
        "--source",
        action="append",
        default=[],
        help="only this source (app, heroku); repeatable",
    )
    p.add_argument(
        "-d",
        "--dyno",
        action="append",
        default=[],
        help="only this dyno or process type (web matches web.1, web.12); repeatable",
    )
    p.add_argument("-t", "--tail", action="store_true", help="print mode: keep printing new lines")
    p.add_argument("-q", "--search", default="", help="a search (same language as the search box)")
    p.add_argument("--no-follow", action="store_true", help="explorer: do not follow the file")


def _add_build_and_redaction(p: argparse.ArgumentParser) -> None:
    """An app's build instead of its logs, and what redaction takes out of what is printed."""
    p.add_argument(
        "--build",
        nargs="?",
        const="latest",
        metavar="ID|latest",
        help="apps: a build's output (the latest without ID; an id's first 8 characters do);"
        " printed, exit 1 if it failed",
    )
    p.add_argument(
        "--redact",
        action="store_true",
        help="print mode and export: take e-mails, card numbers, passwords and tokens out",
    )
    p.add_argument(
        "--redact-config",
        metavar="FILE",
        help="redaction rules of your own (TOML) on top of the built-in ones; implies --redact",
    )


def _add_times(p: argparse.ArgumentParser) -> None:
    """How long to wait for an app's API, and which stretch of time to show."""
    p.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="apps: how long to wait for the API to connect or answer (default 30)",
    )
    p.add_argument("--since", help=f"only lines at or after this time: {TIME_HELP}")
    p.add_argument("--until", help="only lines before this time (same forms)")


def attach_time_values(argv: list[str]) -> list[str]:
    """`--since -15m` as `--since=-15m`: argparse takes a value starting with `-` for an
    option, and a relative time always does."""
    out: list[str] = []
    for arg in argv:
        if out and out[-1] in ("--since", "--until") and arg.startswith("-"):
            out[-1] = f"{out[-1]}={arg}"
        else:
            out.append(arg)
    return out


def run(args: argparse.Namespace) -> int:
    """Open (or print) what the command line names; the exit status."""
    targets = [t for t in (args.target, *args.more) if t is not None]
    if not targets and args.app is None:
        if not sys.stdin.isatty():
            targets = ["-"]  # `cmd | tuilogs`
        else:
            args.parser.print_usage(sys.stderr)
            print("\ntuilogs: give a log file, `-` for stdin, an app, or `demo`", file=sys.stderr)
            return 2
    query = None
    if args.search:  # parsed once, here; the explorer and the printer get the Query
        from tuilogs.core.query import QueryError, parse_query

        try:
            query = parse_query(args.search)
        except QueryError as exc:
            print(f"tuilogs: {exc}", file=sys.stderr)
            return 2
    args.redaction = None
    if args.redact or args.redact_config:
        from tuilogs.core.redact_config import RedactionConfigError, load_redactor

        try:
            args.redaction = load_redactor(args.redact_config)
        except RedactionConfigError as exc:
            print(f"tuilogs: {exc}", file=sys.stderr)
            return 2
    try:
        args.time_range = _time_range(args)
    except ValueError as exc:
        print(f"tuilogs: {exc}", file=sys.stderr)
        return 2
    printing = args.print_mode or not sys.stdout.isatty()
    if args.build is not None:  # one app's build: `-a APP` or the one target, never a file
        several = len(targets) > 1 or (args.app is not None and targets)
        if several or (targets and (targets[0] == "-" or Path(targets[0]).exists())):
            print(
                "tuilogs: --build needs an app (one, not a file): APP --build or -a APP --build",
                file=sys.stderr,
            )
            return 2
    if not targets:
        return _app(args.app, args, query, printing)
    if args.app is not None or len(targets) > 1 or Path(targets[0]).is_dir():
        from tuilogs.cli.several import run_several

        return run_several(args, targets, query, printing)
    target = targets[0]
    if target == "sample":
        target = str(sample_file())
    if target == "-" or Path(target).exists():
        if printing:
            return quiet_on_closed_pipe(lambda: _print_file(target, args, query))
        return _explore_file(target, args, query)
    if not is_app_name(target):
        print(f"tuilogs: no such file, and not an app name: {target}", file=sys.stderr)
        return 2
    return _app(target, args, query, printing)


def _time_range(args: argparse.Namespace):
    """--since/--until as a TimeRange (None without them); ValueError saying what is wrong.
    With a range and no `-n`, print mode prints every line in it."""
    if not (args.since or args.until):
        return None
    from tuilogs.core.timerange import parse_range

    rng = parse_range(args.since, args.until)
    if not args.num_given:
        args.num = 0
    return rng


def sample_file() -> Path:
    """A realistic sample (made once, in the user cache) so a newcomer sees tuilogs at once."""
    from tuilogs.core.locations import cache_dir
    from tuilogs.core.simulation import write_sample

    path = cache_dir() / "sample.log"
    if not path.exists():
        write_sample(path)
    return path


# -- files and pipes ---------------------------------------------------------------------------


def _print_file(target: str, args: argparse.Namespace, query) -> int:
    from tuilogs.cli.print_mode import run_print

    return run_print(target, _print_options(args, query))


def _print_options(args: argparse.Namespace, query):
    """Print mode's options from the command line, the same for a file, an app and a merge."""
    from tuilogs.cli.print_mode import PrintOptions

    return PrintOptions(
        num=args.num,
        sources=tuple(args.source),
        dynos=tuple(args.dyno),
        tail=args.tail,
        query=query,
        redaction=args.redaction,
        time_range=args.time_range,
    )


def _explore_file(target: str, args: argparse.Namespace, query, notes=()) -> int:
    from tuilogs.core.ingest.producers import PipeReader

    if target == "-":
        # The pipe is our stdin; the explorer needs the terminal for keys.
        pipe_fd = os.dup(sys.stdin.fileno())
        tty = os.open("/dev/tty", os.O_RDONLY)
        os.dup2(tty, sys.stdin.fileno())
        os.close(tty)

        def start(feed, buffer):
            return [PipeReader(pipe_fd, feed, buffer.origins).start()]

        title, kind = "stdin", "pipe"
    else:
        from tuilogs.core.ingest.compressed import compression_of, file_producer

        path = Path(target)

        def start(feed, buffer):
            for note in notes:  # what a directory held besides this one log file
                feed.note(note)
            return [file_producer(path, feed, buffer.origins, follow=not args.no_follow)]

        packed = compression_of(path)
        title, kind = path.name, f"{packed} file, read once" if packed else "file"
    if args.time_range is not None:
        kind += f" · {args.time_range.describe()}"
    return run_explorer(start, title, kind, _options(args, query))


def _options(args: argparse.Namespace, query, reason: str = "", app=None, build=None):
    """The explorer's options from the command line (imported without Textual)."""
    from tuilogs.ui.options import ExplorerOptions

    return ExplorerOptions(
        sources=tuple(args.source),
        dynos=tuple(args.dyno),
        query=query,
        backend_reason=reason,
        app=app,
        build=build,
        redaction=args.redaction,
        time_range=args.time_range,
    )


def run_explorer(start, title: str, kind: str, options, *, cleanup=None, timed=False) -> int:
    """Start the producers (`start(feed, buffer)`), then the explorer over them; `timed` for
    producers that time their lines (a merged view)."""
    from tuilogs.core.buffer import LogBuffer
    from tuilogs.core.ingest.feed import Feed

    # Start reading (a file's tail, an app's first screen) before Textual is even imported:
    # the two overlap, and the first screen is ready sooner.
    buffer, feed = LogBuffer(timed=timed), Feed()
    producers = start(feed, buffer)

    from tuilogs.ui.app import TuilogsApp

    app = TuilogsApp(
        lambda _feed, _buffer: producers, title, kind, buffer=buffer, feed=feed, options=options
    )
    try:
        app.run()
    finally:
        if cleanup is not None:
            cleanup()
    return 0


# -- apps: Heroku or the local router ----------------------------------------------------------


def _connect(app: str, api: str | None, timeout: float = 30.0):
    """(backend, client, embedded router or None); starts a router when none is running."""
    from tuilogs.platform.credentials import Backend, resolve_backend

    backend = resolve_backend(app, api)
    router = None
    if backend.kind == "local" and backend.base_url is None:
        router = _embedded_router()
        backend = Backend(
            "local",
            router.base_url,
            router.token,
            f"no Heroku credentials and no router running → started one at {router.base_url}",
        )
    return backend, backend.client(timeout=timeout), router


def _embedded_router():
    from tuilogs.server.run import DEFAULT_PORT, start_in_thread

    try:
        return start_in_thread(port=DEFAULT_PORT, write_discovery_file=True)
    except OSError:
        return start_in_thread(port=0, write_discovery_file=True)


def _server_filters(args: argparse.Namespace) -> dict[str, str | None]:
    """`open_app`'s dyno and source: one `-d` or `-s` value filters on the server (as `heroku
    logs -d`); several stay in the explorer (or the printer)."""
    return {
        "dyno": args.dyno[0] if len(args.dyno) == 1 else None,
        "source": args.source[0] if len(args.source) == 1 else None,
    }


def _first_screen(backend, num: int) -> int:
    """How many lines the explorer asks an app for first. Heroku keeps 1,500 lines: ask for all
    of them. The router pages its whole history in behind the first screen, so that screen
    need only be small, and comes sooner."""
    return max(num, 1500) if backend.kind == "heroku" else FIRST_SCREEN_LINES


def _server_range(args: argparse.Namespace) -> dict[str, int | None]:
    """The time range as open_app takes it (it leaves it to the explorer against Heroku)."""
    rng = args.time_range
    return {} if rng is None else {"since": rng.since, "until": rng.until}


def _app(name: str, args: argparse.Namespace, query, printing: bool) -> int:
    from tuilogs.platform.errors import PlatformError

    try:
        backend, client, router = _connect(name, args.api, args.timeout)
    except (PlatformError, OSError, RuntimeError) as exc:
        print(f"tuilogs: {exc}", file=sys.stderr)
        return 1
    try:
        if args.build is not None:
            from tuilogs.cli.builds import open_build

            return open_build(backend, client, name, args, query, printing)
        if printing:
            return _print_app(client, name, args, query)
        return _explore_app(backend, client, name, args, query)
    finally:
        client.close()
        if router is not None:
            router.stop()


def _print_app(client, name: str, args: argparse.Namespace, query) -> int:
    """`heroku logs [-t]`: the last `-n` lines, then (with `-t`) the tail."""
    from tuilogs.cli.print_mode import app_fetch, print_from
    from tuilogs.core.buffer import LogBuffer
    from tuilogs.core.ingest.feed import Feed
    from tuilogs.platform.live import open_app

    fetch = app_fetch(client.kind, args.num)  # `-n 0` is all: the router pages its history
    if fetch.note:
        print(f"tuilogs: {fetch.note}", file=sys.stderr)
    buffer, feed = LogBuffer(), Feed()
    producers = open_app(
        client,
        name,
        feed,
        buffer.origins,
        history=fetch.history,
        lines=fetch.first,
        max_history=fetch.max_history,
        follow=args.tail,
        retry_first=False,  # a script gets the reason and a status, never a hang
        **_server_filters(args),
        **_server_range(args),
    )
    tail, *history = producers

    def loaded() -> bool:
        return tail.anchored.is_set() and all(h.done.is_set() for h in history)

    options = _print_options(args, query)
    return quiet_on_closed_pipe(lambda: print_from(feed, buffer, producers, loaded, options))


def _explore_app(backend, client, name: str, args: argparse.Namespace, query, build=None) -> int:
    from tuilogs.platform.live import open_app
    from tuilogs.ui.options import FollowedApp

    first = _first_screen(backend, args.num)
    filters, rng = _server_filters(args), _server_range(args)

    def start(feed, buffer):
        return open_app(client, name, feed, buffer.origins, lines=first, **filters, **rng)

    kind = f"{'Heroku' if backend.kind == 'heroku' else 'local router'} {backend.base_url}"
    server = " ".join(f"{k}={v}" for k, v in filters.items() if v)
    if server:
        kind += f" · server-side {server}"
    if args.time_range is not None:
        # The router applies the range; Heroku's log sessions have none: the explorer does.
        where = "server-side" if backend.kind != "heroku" else "filtered here (Heroku has none)"
        kind += f" · {args.time_range.describe()} {where}"
    options = _options(args, query, backend.reason, FollowedApp(client, name), build)
    return run_explorer(start, name, kind, options)
