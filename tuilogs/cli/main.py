"""The `tuilogs` command: choose a source, then open the explorer or print like `heroku logs`.

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

USAGE = """\
tuilogs FILE                  explore a log file (followed as it grows)
cmd | tuilogs -               explore a pipe
tuilogs APP  |  tuilogs -a APP   live logs of an app (Heroku, or the local router)
tuilogs demo                  a simulated app through an embedded router
tuilogs sample                explore a generated sample file
tuilogs serve [--port N] [--syslog-port N]   run the local router (a local Logplex)
tuilogs token                 print the local router's API token
cmd | tuilogs ingest APP --dyno web.1         send lines to the local router
tuilogs drains -a APP [--json] | drains:add URL -a APP | drains:remove URL|TOKEN -a APP
Add --print (automatic when stdout is not a terminal) to print like `heroku logs`.
"""
SUBCOMMANDS = ("serve", "token", "ingest", "demo", "drains", "drains:add", "drains:remove")
FIRST_SCREEN_LINES = 300


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tuilogs",
        description="Explore Heroku-style logs in the terminal.",
        usage="tuilogs [TARGET] [options]\n\n" + USAGE,
    )
    p.add_argument("target", nargs="?", help="a log file, - for stdin, an app name, or `sample`")
    p.add_argument("-a", "--app", help="an app's live logs (Heroku or the local router)")
    p.add_argument(
        "--api", help="Platform API base URL (default: Heroku if credentials, else local)"
    )
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
        help="print mode: number of lines (default 100, 0 for all); apps: lines fetched",
    )
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
    p.add_argument("--version", action="version", version=f"tuilogs {__version__}")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in SUBCOMMANDS:
        return _subcommand(argv[0], argv[1:])
    args = _parser().parse_args(argv)
    target = args.app or args.target
    if target is None:
        if not sys.stdin.isatty():
            target = "-"
        else:
            _parser().print_usage(sys.stderr)
            print("\ntuilogs: give a log file, `-` for stdin, an app, or `demo`", file=sys.stderr)
            return 2
    query = None
    if args.search:
        from tuilogs.core.query import QueryError, parse_query

        try:
            query = parse_query(args.search)
        except QueryError as exc:
            print(f"tuilogs: {exc}", file=sys.stderr)
            return 2
    printing = args.print_mode or not sys.stdout.isatty()
    if args.app is None and target == "sample":
        target = str(_sample_file())
    is_file = args.app is None and (target == "-" or Path(target).exists())
    if not is_file:
        if not is_app_name(target):
            print(f"tuilogs: no such file, and not an app name: {target}", file=sys.stderr)
            return 2
        return _app(target, args, query, printing)
    if printing:
        return _guard_pipe(lambda: _print_file(target, args, query))
    return _explore_file(target, args, query)


# -- files and pipes ---------------------------------------------------------------------------


def _print_file(target: str, args, query) -> int:
    from tuilogs.cli.print_mode import run_print

    return run_print(
        target, num=args.num, sources=args.source, dynos=args.dyno, tail=args.tail, query=query
    )


def _guard_pipe(run) -> int:
    try:
        return run()
    except BrokenPipeError:
        # `tuilogs app.log | head`: the reader left; say nothing, as `cat` does.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130


def _explore_file(target: str, args, query) -> int:
    from tuilogs.core.ingest.producers import FileFollower, PipeReader

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
        path = Path(target)

        def start(feed, buffer):
            return [FileFollower(path, feed, buffer.origins, follow=not args.no_follow).start()]

        title, kind = path.name, "file"
    return _run_explorer(start, title, kind, _options(args, query))


def _options(args, query, reason: str = "", app=None):
    """The explorer's options from the command line (imported without Textual)."""
    from tuilogs.ui.options import ExplorerOptions

    return ExplorerOptions(
        sources=tuple(args.source),
        dynos=tuple(args.dyno),
        query=query,
        backend_reason=reason,
        app=app,
    )


def _run_explorer(start, title: str, kind: str, options, *, cleanup=None) -> int:
    from tuilogs.core.buffer import LogBuffer
    from tuilogs.core.ingest.feed import Feed

    # Start reading (a file's tail, an app's first screen) before Textual is even imported:
    # the two overlap, and the first screen is ready sooner.
    buffer, feed = LogBuffer(), Feed()
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


def _connect(app: str, api: str | None):
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
    return backend, backend.client(), router


def _embedded_router():
    from tuilogs.server.run import DEFAULT_PORT, start_in_thread

    try:
        return start_in_thread(port=DEFAULT_PORT, write_discovery_file=True)
    except OSError:
        return start_in_thread(port=0, write_discovery_file=True)


def _server_side(values: list[str]) -> str | None:
    """One value filters on the server (as `heroku logs -d`); several stay in the explorer."""
    return values[0] if len(values) == 1 else None


def _app(name: str, args, query, printing: bool) -> int:
    from tuilogs.platform.client import PlatformError
    from tuilogs.platform.live import open_app

    try:
        backend, client, router = _connect(name, args.api)
    except (PlatformError, OSError, RuntimeError) as exc:
        print(f"tuilogs: {exc}", file=sys.stderr)
        return 1
    dyno, source = _server_side(args.dyno), _server_side(args.source)
    try:
        if printing:
            from tuilogs.cli.print_mode import print_from
            from tuilogs.core.buffer import LogBuffer
            from tuilogs.core.ingest.feed import Feed

            buffer, feed = LogBuffer(), Feed()
            producers = open_app(
                client,
                name,
                feed,
                buffer.origins,
                dyno=dyno,
                source=source,
                history=False,
                lines=args.num if args.num > 0 else 1500,
                follow=args.tail,
            )
            tail = producers[0]
            return _guard_pipe(
                lambda: print_from(
                    feed,
                    buffer,
                    producers,
                    tail.anchored.is_set,
                    num=args.num,
                    sources=args.source,
                    dynos=args.dyno,
                    tail=args.tail,
                    query=query,
                )
            )

        # Heroku keeps 1,500 lines: ask for all of them. The router pages its whole history in
        # behind the first screen, so that screen need only be small, and comes sooner.
        first = max(args.num, 1500) if backend.kind == "heroku" else FIRST_SCREEN_LINES

        def start(feed, buffer):
            return open_app(
                client, name, feed, buffer.origins, dyno=dyno, source=source, lines=first
            )

        kind = f"{'Heroku' if backend.kind == 'heroku' else 'local router'} {backend.base_url}"
        server = " ".join(f"{k}={v}" for k, v in (("dyno", dyno), ("source", source)) if v)
        if server:
            kind += f" · server-side {server}"
        from tuilogs.ui.options import FollowedApp

        options = _options(args, query, backend.reason, FollowedApp(client, name))
        return _run_explorer(start, name, kind, options)
    finally:
        client.close()
        if router is not None:
            router.stop()


def _demo(argv: list[str]) -> int:
    """An embedded router with a simulated app posting through the real drain endpoint."""
    import argparse as ap
    import tempfile

    p = ap.ArgumentParser(prog="tuilogs demo", description=_demo.__doc__)
    p.add_argument("--rate", type=float, default=40.0, help="lines per second (default 40)")
    p.add_argument("--history", type=int, default=3000, help="lines of history to start with")
    args = p.parse_args(argv)
    # The demo's router keeps its data in a throwaway directory, apart from a real one.
    home = tempfile.mkdtemp(prefix="tuilogs-demo-")
    os.environ["TUILOGS_HOME"] = home
    from tuilogs.cli.demo import seed_history, start_simulator
    from tuilogs.platform.client import PlatformClient
    from tuilogs.platform.live import open_app
    from tuilogs.server.run import start_in_thread

    router = start_in_thread(port=0)
    seed_history(router.drain_url("demo"), "demo", args.history, args.rate)
    simulator = start_simulator(router.drain_url("demo"), "demo", args.rate)
    client = PlatformClient(router.base_url, router.token, kind="local")

    def start(feed, buffer):
        return open_app(client, "demo", feed, buffer.origins)

    def cleanup():
        simulator.stop()
        client.close()
        router.stop()
        import shutil

        shutil.rmtree(home, ignore_errors=True)

    from tuilogs.ui.options import ExplorerOptions, FollowedApp

    return _run_explorer(
        start,
        "demo",
        f"embedded router {router.base_url} · simulated app",
        ExplorerOptions(app=FollowedApp(client, "demo")),
        cleanup=cleanup,
    )


# -- subcommands -------------------------------------------------------------------------------


def _subcommand(name: str, argv: list[str]) -> int:
    if name == "serve":
        from tuilogs.server.run import main as serve_main

        return serve_main(argv, prog="tuilogs serve")
    if name == "token":
        from tuilogs.server.auth import load_or_create_token

        print(load_or_create_token())
        return 0
    if name == "ingest":
        p = argparse.ArgumentParser(
            prog="tuilogs ingest",
            description="Send standard input to the local router as app lines.",
        )
        p.add_argument("app")
        p.add_argument(
            "--dyno", default="run.1", help="the dyno the lines come from (default run.1)"
        )
        p.add_argument("--source", default="app", help="the source (default app)")
        a = p.parse_args(argv)
        if not is_app_name(a.app):
            print(f"tuilogs: not an app name: {a.app}", file=sys.stderr)
            return 2
        from tuilogs.cli.ingest import run_ingest

        try:
            run_ingest(a.app, a.dyno, source=a.source)
        except KeyboardInterrupt:
            return 130
        return 0
    if name == "demo":
        return _demo(argv)
    from tuilogs.cli.drains import run as drains_run

    return drains_run([name, *argv])


def _sample_file() -> Path:
    """A realistic sample (made once, in the user cache) so a newcomer sees tuilogs at once."""
    from tuilogs.core.locations import cache_dir
    from tuilogs.core.simulation import write_sample

    path = cache_dir() / "sample.log"
    if not path.exists():
        write_sample(path)
    return path


if __name__ == "__main__":
    sys.exit(main())
