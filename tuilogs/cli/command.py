"""What every `tuilogs` command shares: its argparse parser class, running one as a program of
its own, and a quiet exit when the reader of its output goes away."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable


class UsageError(Exception):
    """Bad usage, already phrased for the user (`tuilogs drains: missing -a APP`): exit 2."""


class CommandParser(argparse.ArgumentParser):
    """argparse's parser, whose usage errors may be one line instead of usage plus message.

    The drains commands answer as the heroku CLI does (one line on stderr); the others keep
    argparse's usage-then-error. `one_line_errors` is set by the command that wants it.
    """

    one_line_errors = False

    def error(self, message: str) -> None:  # type: ignore[override]
        if self.one_line_errors:
            raise UsageError(f"{self.prog}: {message}")
        super().error(message)


def run_alone(parser: CommandParser, argv: list[str]) -> int:
    """A command run as its own program (`python -m tuilogs.cli.drains drains -a APP`): `argv`
    parsed by the command's parser, then the `run` it set; its exit status. A one-line usage
    error is said on stderr and is 2; `--help` is 0."""
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    return args.run(args)


def quiet_on_closed_pipe(run: Callable[[], int]) -> int:
    """`run()`, but `tuilogs app.log | head` ends silently once the reader left, as `cat` does,
    and Ctrl+C is exit status 130 without a traceback."""
    try:
        return run()
    except BrokenPipeError:
        # Later writes (and the interpreter's final flush) go nowhere instead of failing again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130
