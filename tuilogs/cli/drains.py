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
from urllib.parse import quote

from tuilogs.core.drain_urls import mask_url
from tuilogs.core.safety import escape_controls
from tuilogs.platform.client import PlatformClient, PlatformError
from tuilogs.platform.credentials import resolve_backend

COMMANDS = {
    "drains": "display the log drains of an app",
    "drains:add": "adds a log drain to an app",
    "drains:remove": "removes a log drain from an app",
}
NO_BACKEND = (
    "no Heroku credentials and no local router running: set HEROKU_API_KEY (or `heroku login`), "
    "start one with `tuilogs serve`, or pass --api URL"
)


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in our one-line style instead of exiting itself."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _Usage(f"{self.prog}: {message}")


class _Usage(Exception):
    pass


def _parser(command: str) -> _Parser:
    p = _Parser(prog=f"tuilogs {command}", description=COMMANDS[command])
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
    return p


def _usage(argv: list[str]) -> str:
    lines = ["usage: tuilogs COMMAND -a APP [options]", ""]
    lines += [f"  {name:<14} {text}" for name, text in COMMANDS.items()]
    if argv and argv[0] not in COMMANDS:
        lines.insert(0, f"tuilogs: unknown command {argv[0]!r}")
    return "\n".join(lines)


def run(argv: list[str]) -> int:
    """Run `argv` = [COMMAND, args...]; the exit status (0 ok, 1 failed call, 2 bad usage)."""
    if not argv or argv[0] not in COMMANDS:
        print(_usage(argv), file=sys.stderr)
        return 2
    command = argv[0]
    parser = _parser(command)
    try:
        args = parser.parse_args(argv[1:])
    except _Usage as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    if not args.app:
        print(f"tuilogs {command}: missing -a APP (or set HEROKU_APP)", file=sys.stderr)
        return 2
    backend = resolve_backend(args.app, args.api)
    if backend.base_url is None:
        print(f"tuilogs {command}: {NO_BACKEND}", file=sys.stderr)
        return 1
    try:
        with backend.client(timeout=30) as client:
            if command == "drains":
                _list(client, args.app, args.json, args.show_secrets)
            elif command == "drains:add":
                drain = client.add_log_drain(args.app, args.url)
                print(f"Successfully added drain {_shown(drain.get('url') or args.url)}")
            else:
                drain = client.remove_log_drain(args.app, args.url)
                print(f"Successfully removed drain {_shown(drain.get('url'))}")
    except PlatformError as exc:
        print(f"tuilogs {command}: {exc.message}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # `tuilogs drains -a app | head`: the reader left; say nothing, as `cat` does.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _list(client: PlatformClient, app: str, as_json: bool, show_secrets: bool = False) -> None:
    drains = client.log_drains(app)
    if as_json:
        if not show_secrets:
            drains = [{**d, "url": mask_url(d["url"])} if d.get("url") else d for d in drains]
        print(json.dumps(drains, indent=2, ensure_ascii=False))
        return
    plain = [d for d in drains if not d.get("addon")]
    addons = [d for d in drains if d.get("addon")]
    if not drains:
        print(
            f"{app} has no drains. Add one with: tuilogs drains:add URL -a {app}", file=sys.stderr
        )
    if plain:
        print("=== Drains")
        for drain in plain:
            print(f"{_shown(drain.get('url'))} ({escape_controls(str(drain.get('token') or ''))})")
    if addons:
        print("=== Add-on Drains")
        for drain in addons:
            name = str((drain.get("addon") or {}).get("name") or "")
            plan = _addon_plan(client, app, name)
            shown = escape_controls(plan) if plan else _shown(drain.get("url"))
            print(f"{shown} ({escape_controls(name)})")


def _shown(url: object) -> str:
    """A drain URL fit for a terminal: password masked, control characters made visible."""
    return escape_controls(mask_url(str(url or "")))


def _addon_plan(client: PlatformClient, app: str, addon: str) -> str | None:
    """The add-on's plan name, as heroku shows it; None where the API has no add-ons (router)."""
    if not addon:
        return None
    try:
        info = client.request("GET", f"/apps/{quote(app, safe='')}/addons/{quote(addon, safe='')}")
    except PlatformError:
        return None
    plan = info.get("plan") if isinstance(info, dict) else None
    return str(plan.get("name")) if isinstance(plan, dict) and plan.get("name") else None


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
