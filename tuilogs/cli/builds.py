"""`tuilogs APP --build [ID|latest]`: a build's output in the explorer, or printed like
`heroku builds:output`.

The build is found first (an unknown id is a clear error, before any screen opens). Printed,
the output streams until the build ends and the exit status says how it ended: 0 succeeded,
1 failed (and stderr says so), so a script can wait on a build. On a terminal lines are coloured
by the buildpack rules and control characters escaped; in a pipe they go out as received.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import BinaryIO, TextIO

from tuilogs.core.buildpack import clean_line, highlight_build
from tuilogs.core.safety import escape_controls

from .command import quiet_on_closed_pipe

# ANSI colours for build output, by buildpack rule (the explorer takes them from the theme).
BUILD_SGR = {
    "build.remote": "2",
    "build.step": "1;36",
    "build.warning": "33",
    "build.error": "1;31",
    "build.failed": "1;31",
    "build.success": "1;32",
}


def styled(line: str, color: bool) -> str:
    """One line for a terminal: cleaned, control characters escaped, coloured if `color`."""
    line = clean_line(line)
    if not line.isprintable():
        return escape_controls(line)
    if not color:
        return line
    out, pos = [], 0
    for start, end, rule in highlight_build(line):
        out.append(line[pos:start])
        out.append(f"\x1b[{BUILD_SGR[rule]}m{line[start:end]}\x1b[0m")
        pos = end
    out.append(line[pos:])
    return "".join(out)


def print_build(
    client, app: str, build, out: BinaryIO | None = None, err: TextIO | None = None
) -> int:
    """Stream `build`'s output to `out` until the build ends; 0 if it succeeded, else 1."""
    from tuilogs.platform.build_output import OutputFollower
    from tuilogs.platform.errors import PlatformError

    out = out or sys.stdout.buffer
    err = err or sys.stderr
    terminal = os.isatty(out.fileno()) if hasattr(out, "fileno") else False
    color = terminal and "NO_COLOR" not in os.environ
    follower = OutputFollower(client, app, build)
    try:
        for lines in follower.lines():
            if terminal:
                text = "".join(styled(line, color) + "\n" for line in lines)
            else:
                text = "".join(line + "\n" for line in lines)
            out.write(text.encode("utf-8", "replace"))
            out.flush()
    except PlatformError as exc:
        print(f"tuilogs: {exc.message}", file=err)
        return 1
    finally:
        follower.stop()
    final = follower.build
    if final.status == "succeeded":
        return 0
    if final.failed:
        code = f" (exit status {final.exit_code})" if final.exit_code is not None else ""
        print(f"tuilogs: {final.label()} of {app} failed{code}", file=err)
    else:
        print(f"tuilogs: {final.label()} of {app} is still {final.status}", file=err)
    return 1


def open_build(backend, client, app: str, args: argparse.Namespace, query, printing: bool) -> int:
    """Find the build `--build` names, then print it or open it in the explorer."""
    from tuilogs.platform.builds import BuildNotFound, find_build
    from tuilogs.platform.errors import PlatformError

    try:
        build = find_build(client, app, args.build)
    except PlatformError as exc:
        hint = ""
        if isinstance(exc, BuildNotFound) and args.build != "latest":
            hint = f" (`tuilogs {app} --build` opens the latest; `b` in the explorer lists them)"
        print(f"tuilogs: {exc.message}{hint}", file=sys.stderr)
        return 1
    if printing:
        return quiet_on_closed_pipe(lambda: print_build(client, app, build))
    from .explore import _explore_app

    return _explore_app(backend, client, app, args, query, build=build)
