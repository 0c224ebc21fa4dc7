"""`tuilogs drains`, `drains:add`, `drains:remove`: the drain panel for scripts, heroku-CLI style.

Output matches the heroku CLI's so scripts and habits carry over:

    $ tuilogs drains -a myapp
    === Drains
    https://user:***@logs.example.com/drain (d.0b6c…)
    === Add-on Drains
    papertrail:choklad (papertrail-acute-12345)
    $ tuilogs drains:add syslog+tls://logs.example.com:6514 -a myapp
    Successfully added drain syslog+tls://logs.example.com:6514
    $ tuilogs drains:remove d.0b6c… -a myapp
    Successfully removed drain https://user:***@logs.example.com/drain

Secrets: every output masks any password in a drain URL (`mask_url`), as the explorer does;
`--json` prints the API's objects with the URL masked too, unless `--show-secrets` asks for the
real URL (to copy or re-create drains; treat that output as a secret). The API token is never
printed. An app without drains prints nothing (as heroku does), with a hint on
stderr. Errors are one line on stderr: exit 1 for a failed call, 2 for bad usage.

The backend is chosen as for the explorer (`resolve_backend`: `--api`, `HEROKU_HOST`,
`HEROKU_API_KEY`, `~/.netrc`, the running local router). `-a` defaults to `HEROKU_APP`, as for
the heroku CLI.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from tuilogs.core.drain_urls import drain_label, mask_url
from tuilogs.core.safety import escape_controls
from tuilogs.platform.client import PlatformClient
from tuilogs.platform.errors import PlatformError
from tuilogs.platform.models import LogDrain

from .api_call import call_api
from .command import CommandParser, run_alone

COMMANDS = {
    "drains": "display the log drains of an app",
    "drains:add": "adds a log drain to an app",
    "drains:remove": "removes a log drain from an app",
}


def add_arguments(p: CommandParser, command: str) -> None:
    """`command`'s arguments on its (sub)parser; its usage errors are one line, heroku-style."""
    p.one_line_errors = True
    p.description = COMMANDS[command]
    if command != "drains":
        what = "URL of the log drain" + (" (or its token)" if command == "drains:remove" else "")
        p.add_argument(
            "url", metavar="URL|TOKEN" if command == "drains:remove" else "URL", help=what
        )
    p.add_argument(
        "-a",
        "--app",
        default=os.environ.get("HEROKU_APP") or None,
        help="app to run command against (default: $HEROKU_APP)",
    )
    p.add_argument(
        "--api", metavar="URL", help="Platform API to use (default: see docs/backends.md)"
    )
    if command == "drains":
        p.add_argument("--json", action="store_true", help="output in json format")
        p.add_argument(
            "--show-secrets",
            action="store_true",
            help="with --json: print drain URLs with their passwords",
        )
    p.set_defaults(run=run_command, command=command)


def run(argv: list[str]) -> int:
    """`python -m tuilogs.cli.drains COMMAND args...` (what `tuilogs COMMAND` runs too); the
    exit status (0 ok, 1 failed call, 2 bad usage)."""
    if not argv or argv[0] not in COMMANDS:
        print(_usage(argv), file=sys.stderr)
        return 2
    parser = CommandParser(prog=f"tuilogs {argv[0]}")
    add_arguments(parser, argv[0])
    return run_alone(parser, argv[1:])


def _usage(argv: list[str]) -> str:
    lines = ["usage: tuilogs COMMAND -a APP [options]", ""]
    lines += [f"  {name:<14} {text}" for name, text in COMMANDS.items()]
    if argv and argv[0] not in COMMANDS:
        lines.insert(0, f"tuilogs: unknown command {argv[0]!r}")
    return "\n".join(lines)


def run_command(args: argparse.Namespace) -> int:
    """One drains command, its arguments parsed; the exit status."""
    command = args.command
    if not args.app:
        print(f"tuilogs {command}: missing -a APP (or set HEROKU_APP)", file=sys.stderr)
        return 2
    return call_api(f"tuilogs {command}", args.app, args.api, lambda client: _call(client, args))


def _call(client: PlatformClient, args: argparse.Namespace) -> int:
    if args.command == "drains":
        _list(client, args.app, args.json, args.show_secrets)
    elif args.command == "drains:add":
        drain = client.add_log_drain(args.app, args.url)
        print(f"Successfully added drain {drain_label(drain.url or args.url)}")
    else:
        drain = client.remove_log_drain(args.app, args.url)
        print(f"Successfully removed drain {drain_label(drain.url)}")
    return 0


def _list(client: PlatformClient, app: str, as_json: bool, show_secrets: bool = False) -> None:
    drains = client.log_drains(app)
    if as_json:
        print(json.dumps([_as_json(d, show_secrets) for d in drains], indent=2, ensure_ascii=False))
        return
    plain = [d for d in drains if d.addon is None]
    addons = [d for d in drains if d.addon is not None]
    if not drains:
        print(
            f"{app} has no drains. Add one with: tuilogs drains:add URL -a {app}", file=sys.stderr
        )
    if plain:
        print("=== Drains")
        for drain in plain:
            print(f"{drain_label(drain.url)} ({escape_controls(drain.token or '')})")
    if addons:
        print("=== Add-on Drains")
        for drain in addons:
            name = (drain.addon.name if drain.addon else None) or ""
            plan = _addon_plan(client, app, name)
            shown = escape_controls(plan) if plan else drain_label(drain.url)
            print(f"{shown} ({escape_controls(name)})")


def _as_json(drain: LogDrain, show_secrets: bool) -> dict:
    """The API's object as it came, its URL's password masked unless asked for."""
    if drain.url and not show_secrets:
        return {**drain.raw, "url": mask_url(drain.url)}
    return dict(drain.raw)


def _addon_plan(client: PlatformClient, app: str, addon: str) -> str | None:
    """The add-on's plan name, as heroku shows it; None where the API has no add-ons (router)."""
    if not addon:
        return None
    try:
        info = client.addon(app, addon)
    except PlatformError:
        return None
    plan = info.get("plan") if isinstance(info, dict) else None
    return str(plan.get("name")) if isinstance(plan, dict) and plan.get("name") else None


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
