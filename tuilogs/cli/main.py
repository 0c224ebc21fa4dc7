"""The `tuilogs` command line: one argparse parser, one subparser per command.

    tuilogs [TARGET] [options]          explore (the default command): cli/explore.py
    tuilogs serve | token | ingest | build | demo | drains | drains:add | drains:remove | alerts
            [options]

argparse has no default subcommand, and `tuilogs app.log` must stay what it has always been,
so one rule fills the gap: when the first argument is not a command's name, the hidden
`explore` command is put in front of the arguments (`tuilogs -n 5 app.log` parses as
`explore -n 5 app.log`). Everything after that is argparse's: options, errors and `--help`.
The rule also keeps a file or app named `explore` reachable (`tuilogs explore` is the
explorer on TARGET `explore`, as before); `tuilogs --help` is the explorer's help, which lists
the commands.

Each subparser gets its arguments and its `run(args) -> exit status` from the command's own
module (`set_defaults(run=...)`). A run builds only the subparser of its command: `serve`'s
options come from the router package, whose import costs ~85 ms that `tuilogs FILE` must not
pay. Imports stay lazy for the same reason.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass

from .command import CommandParser, UsageError

EXPLORE = "explore"


# -- the commands: each fills in its subparser (arguments and `run`) -------------------------


def _explore(p: CommandParser) -> None:
    from . import explore

    explore.add_arguments(p)
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = commands_help()


def _serve(p: CommandParser) -> None:
    from tuilogs.server.run import add_arguments, run_from_args

    p.description = "Run the local log router (a local Logplex)."
    add_arguments(p)
    p.set_defaults(run=run_from_args)


def _token(p: CommandParser) -> None:
    p.description = (
        "Print the router's API token: $TUILOGS_TOKEN if set, else the local one"
        " (created on first use)."
    )
    p.set_defaults(run=_print_token)


def _print_token(args: argparse.Namespace) -> int:
    from tuilogs.server.auth import load_or_create_token

    print(load_or_create_token())
    return 0


def _ingest(p: CommandParser) -> None:
    p.description = "Send standard input to the local router as app lines."
    p.add_argument("app")
    p.add_argument("--dyno", default="run.1", help="the dyno the lines come from (default run.1)")
    p.add_argument("--source", default="app", help="the source (default app)")
    p.set_defaults(run=_run_ingest)


def _run_ingest(args: argparse.Namespace) -> int:
    from tuilogs.core.apps import is_app_name

    if not is_app_name(args.app):
        print(f"tuilogs: not an app name: {args.app}", file=sys.stderr)
        return 2
    from tuilogs.cli.ingest import run_ingest

    try:
        run_ingest(args.app, args.dyno, source=args.source)
    except KeyboardInterrupt:
        return 130
    return 0


def _build(p: CommandParser) -> None:
    from . import build_record

    build_record.add_arguments(p)


def _demo(p: CommandParser) -> None:
    from . import demo

    demo.add_arguments(p)


def _drains(command: str) -> Callable[[CommandParser], None]:
    def configure(p: CommandParser) -> None:
        from . import drains

        drains.add_arguments(p, command)

    return configure


def _alerts(p: CommandParser) -> None:
    from . import alerts

    alerts.add_arguments(p)


@dataclass(frozen=True)
class Command:
    name: str
    help: str  # one line in `tuilogs --help`
    configure: Callable[[CommandParser], None]  # adds its arguments and `run`


COMMANDS = (
    Command("serve", "run the local router (a local Logplex)", _serve),
    Command("token", "print the local router's API token", _token),
    Command("ingest", "send standard input to the local router as app lines", _ingest),
    Command("build", "run a command and record its output as a build of an app", _build),
    Command("demo", "a simulated app through an embedded router, in the explorer", _demo),
    Command("drains", "display the log drains of an app", _drains("drains")),
    Command("drains:add", "adds a log drain to an app", _drains("drains:add")),
    Command("drains:remove", "removes a log drain from an app", _drains("drains:remove")),
    Command("alerts", "alert rules, their firings and saved searches of an app", _alerts),
)
NAMES = frozenset(c.name for c in COMMANDS)


def commands_help() -> str:
    """The commands as `tuilogs --help` lists them."""
    rows = [f"  {c.name:<15} {c.help}" for c in COMMANDS]
    return "\n".join(["commands (tuilogs COMMAND --help for their options):", *rows])


# -- the parser --------------------------------------------------------------------------------


def with_command(argv: list[str]) -> list[str]:
    """`argv` with the command named first: `explore` unless it already names one."""
    return argv if argv and argv[0] in NAMES else [EXPLORE, *argv]


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with `only`, the parser of that one command (what a run needs)."""
    parser = CommandParser(prog="tuilogs", add_help=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    explorer = Command(EXPLORE, "a file, a pipe or an app (the default command)", _explore)
    for command in (explorer, *COMMANDS):
        if only is not None and command.name != only:
            continue
        # The explorer is "tuilogs" in its usage and errors, as it always was.
        prog = "tuilogs" if command is explorer else f"tuilogs {command.name}"
        sub = commands.add_parser(command.name, prog=prog, help=command.help)
        sub.set_defaults(parser=sub)
        command.configure(sub)
    return parser


def parse(argv: list[str]) -> argparse.Namespace:
    """Parse a command line (without the program name); raises UsageError or exits as
    argparse does (`--help`, bad usage)."""
    argv = with_command(argv)
    if argv[0] == EXPLORE:
        from .explore import attach_time_values

        argv = attach_time_values(argv)
    args, extra = build_parser(only=argv[0]).parse_known_args(argv)
    if extra:  # reported by the command's own parser, in its own words
        args.parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def main(argv: list[str] | None = None) -> int:
    try:
        args = parse(sys.argv[1:] if argv is None else list(argv))
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return 2
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
