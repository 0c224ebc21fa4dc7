"""`tuilogs alerts`: an app's alert rules, their recent firings, and its saved searches.

    $ tuilogs alerts -a shop
    h12        code:H12 ≥ 5 within 1 min · cool-down 1 min · now 2/5 · webhook https://hooks…
    web-quiet  no dyno:web for 10 min · cool-down 10 min
    $ tuilogs alerts add h12 --query code:H12 --at-least 5 --within 1m --webhook URL -a shop
    $ tuilogs alerts add web-quiet --query dyno:web --absent --within 10m -a shop
    $ tuilogs alerts add errors --search errors -a shop      (a saved search's query)
    $ tuilogs alerts remove h12 -a shop
    $ tuilogs alerts firings -a shop [-n 20]
    $ tuilogs alerts searches -a shop
    $ tuilogs alerts save-search errors --query 'level>=error' -a shop
    $ tuilogs alerts remove-search errors -a shop

Rules live in the router (Heroku has none: the command says so). The backend is chosen as for
`tuilogs drains`; `--json` prints the API's objects. Errors are one line on stderr: exit 1 for
a failed call, 2 for bad usage. Names, queries and messages are shown with their control
characters escaped.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import asdict

from tuilogs.core.safety import escape_controls
from tuilogs.platform.alerts import AlertRule, AlertsApi

from .api_call import call_api
from .command import CommandParser, run_alone

ACTIONS = ("list", "add", "remove", "firings", "searches", "save-search", "remove-search")
NEEDS_NAME = frozenset(("add", "remove", "save-search", "remove-search"))
_DURATION = re.compile(r"(\d+)\s*(s|sec|m|min|h)?", re.IGNORECASE)
_UNITS = {"": 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}


def duration(text: str) -> int:
    """`90`, `90s`, `5m`, `5min`, `1h` as seconds (argparse type)."""
    m = _DURATION.fullmatch(text.strip())
    if not m:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (e.g. 90s, 5m, 1h)")
    return int(m.group(1)) * _UNITS[(m.group(2) or "").lower()]


def add_arguments(p: CommandParser) -> None:
    p.one_line_errors = True
    p.description = "List, add and remove an app's alert rules; show firings and saved searches."
    p.add_argument("action", nargs="?", default="list", choices=ACTIONS)
    p.add_argument("name", nargs="?", help="the rule (name or id) or saved search")
    p.add_argument("-a", "--app", default=os.environ.get("HEROKU_APP") or None)
    p.add_argument("--api", metavar="URL", help="Platform API to use (see docs/backends.md)")
    p.add_argument("--query", help="the rule's or saved search's query (the explorer's language)")
    p.add_argument("--search", help="add: use this saved search's query")
    p.add_argument("--at-least", type=int, default=1, metavar="N", help="add: lines (default 1)")
    p.add_argument("--within", type=duration, default=60, metavar="DUR", help="add: the window")
    p.add_argument("--absent", action="store_true", help="add: fire when nothing matches")
    p.add_argument("--cooldown", type=duration, metavar="DUR", help="add: default the window")
    p.add_argument("--webhook", metavar="URL", help="add: a Slack-compatible webhook")
    p.add_argument("-n", "--num", type=int, default=20, help="firings: how many (default 20)")
    p.add_argument("--json", action="store_true", help="output in json format")
    p.set_defaults(run=run_command)


def run(argv: list[str]) -> int:
    """`python -m tuilogs.cli.alerts ...`: the exit status."""
    parser = CommandParser(prog="tuilogs alerts")
    add_arguments(parser)
    return run_alone(parser, argv)


def _usage_problem(args: argparse.Namespace) -> str | None:
    if not args.app:
        return "missing -a APP (or set HEROKU_APP)"
    if args.action in NEEDS_NAME and not args.name:
        return f"{args.action} needs a NAME"
    if args.action == "add" and not (args.query or args.search):
        return "add needs --query QUERY or --search NAME"
    if args.action == "save-search" and not args.query:
        return "save-search needs --query QUERY"
    return None


def run_command(args: argparse.Namespace) -> int:
    problem = _usage_problem(args)
    if problem is not None:
        print(f"tuilogs alerts: {problem}", file=sys.stderr)
        return 2
    return call_api("tuilogs alerts", args.app, args.api, lambda c: _call(AlertsApi(c), args))


def _call(api: AlertsApi, args: argparse.Namespace) -> int:
    app, action, name = args.app, args.action, args.name
    if action == "list":
        _list(api, app, args.json)
    elif action == "add":
        rule = api.add_rule(
            app,
            name=name,
            query=args.query,
            search=args.search,
            kind="absence" if args.absent else "count",
            threshold=args.at_least,
            window=args.within,
            cooldown=args.cooldown,
            webhook=args.webhook,
        )
        print(f"Added alert rule {escape_controls(rule.name)}: {describe(rule)}")
    elif action == "remove":
        rule = api.remove_rule(app, name)
        print(f"Removed alert rule {escape_controls(rule.name)}")
    elif action == "firings":
        _firings(api, app, args.num, args.json)
    else:
        _searches(api, args)
    return 0


def _list(api: AlertsApi, app: str, as_json: bool) -> None:
    rules = api.rules(app)
    if as_json:
        _print_json([asdict(r) for r in rules])
        return
    if not rules:
        hint = f"tuilogs alerts add NAME --query QUERY -a {app}"
        print(f"{app} has no alert rules. Add one with: {hint}", file=sys.stderr)
    width = max((len(r.name) for r in rules), default=0)
    for rule in rules:
        print(f"{escape_controls(rule.name):<{width}}  {describe(rule)}")


def _firings(api: AlertsApi, app: str, n: int, as_json: bool) -> None:
    found = api.firings(app, limit=max(1, min(n, 1000)))
    if as_json:
        _print_json([asdict(f) for f in found])
        return
    if not found:
        print(f"No alert of {app} has fired.", file=sys.stderr)
    for f in found:
        print(f"{f.fired_at}  {escape_controls(f.message)}")


def _searches(api: AlertsApi, args: argparse.Namespace) -> None:
    app = args.app
    if args.action == "save-search":
        saved = api.save_search(app, args.name, args.query)
        print(f"Saved search {escape_controls(saved.name)}: {escape_controls(saved.query)}")
    elif args.action == "remove-search":
        api.remove_search(app, args.name)
        print(f"Removed saved search {escape_controls(args.name)}")
    else:
        found = api.searches(app)
        if args.json:
            _print_json([asdict(s) for s in found])
            return
        width = max((len(s.name) for s in found), default=0)
        for s in found:
            print(f"{escape_controls(s.name):<{width}}  {escape_controls(s.query)}")


def describe(rule: AlertRule) -> str:
    """`code:H12 ≥ 5 within 1 min · cool-down 1 min · now 2/5 · webhook URL`."""
    query = escape_controls(rule.query) or "(every line)"
    if rule.kind == "absence":
        text = f"no {query} for {_span(rule.window)}"
    else:
        text = f"{query} ≥ {rule.threshold} within {_span(rule.window)}"
    text += f" · cool-down {_span(rule.cooldown)}"
    if rule.kind != "absence" and rule.count:
        text += f" · now {rule.count}/{rule.threshold}" + (" (fired)" if rule.fired else "")
    if rule.last_fired:
        text += f" · last fired {rule.last_fired}"
    if rule.webhook:
        text += f" · webhook {escape_controls(rule.webhook)}"
    return text


def _span(seconds: float) -> str:
    s = int(seconds)
    if s and s % 3600 == 0:
        return f"{s // 3600} h"
    if s and s % 60 == 0:
        return f"{s // 60} min"
    return f"{s} s"


def _print_json(data: object) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
