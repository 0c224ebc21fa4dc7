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

USAGE = """\
tuilogs FILE                 explore a log file (followed as it grows)
cmd | tuilogs -              explore a pipe
tuilogs FILE --print         print like `heroku logs` (automatic when stdout is not a terminal)
tuilogs sample               explore a generated sample of realistic Heroku logs
"""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tuilogs",
        description="Explore Heroku-style logs in the terminal.",
        usage="tuilogs [TARGET] [options]\n\n" + USAGE,
    )
    p.add_argument("target", nargs="?", help="a log file, - for stdin, or `sample`")
    p.add_argument("--print", "-p", action="store_true", dest="print_mode",
                   help="print lines instead of opening the explorer")
    p.add_argument("-n", "--num", type=int, default=100,
                   help="print mode: number of lines to print (default 100, 0 for all)")
    p.add_argument("-s", "--source", action="append", default=[],
                   help="only this source (app, heroku); repeatable")
    p.add_argument("-d", "--dyno", action="append", default=[],
                   help="only this dyno or process type (web matches web.1, web.12); repeatable")
    p.add_argument("-t", "--tail", action="store_true", help="print mode: keep printing new lines")
    p.add_argument("-q", "--search", default="", help="a search (same language as the search box)")
    p.add_argument("--no-follow", action="store_true", help="explorer: do not follow the file")
    p.add_argument("--version", action="version", version=f"tuilogs {__version__}")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    target = args.target
    if target is None:
        if not sys.stdin.isatty():
            target = "-"
        else:
            _parser().print_usage(sys.stderr)
            print("\ntuilogs: give a log file, `-` for stdin, or `sample`", file=sys.stderr)
            return 2
    if target == "sample":
        target = str(_sample_file())
    if target != "-" and not Path(target).exists():
        print(f"tuilogs: no such file: {target}", file=sys.stderr)
        return 2
    query = None
    if args.search:
        from tuilogs.query import QueryError, parse_query

        try:
            query = parse_query(args.search)
        except QueryError as exc:
            print(f"tuilogs: {exc}", file=sys.stderr)
            return 2
    if args.print_mode or not sys.stdout.isatty():
        return _print(target, args, query)
    return _explore(target, args, query)


def _print(target: str, args, query) -> int:
    from tuilogs.printer import run_print

    try:
        return run_print(target, num=args.num, sources=args.source, dynos=args.dyno,
                         tail=args.tail, query=query)
    except BrokenPipeError:
        # `tuilogs app.log | head`: the reader left; say nothing, as `cat` does.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130


def _explore(target: str, args, query) -> int:
    from tuilogs.sources import FileFollower, PipeReader
    from tuilogs.ui.app import TuilogsApp

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
    app = TuilogsApp(start, title, kind)
    if query is not None or args.source or args.dyno:
        app.initial_filters = (args.source, args.dyno, args.search)
    app.run()
    return 0


def _sample_file() -> Path:
    """A realistic sample (made once, in the user cache) so a newcomer sees tuilogs at once."""
    from platformdirs import user_cache_dir

    from tuilogs.sample import write_sample

    path = Path(user_cache_dir("tuilogs")) / "sample.log"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_sample(path)
    return path


if __name__ == "__main__":
    sys.exit(main())
