"""Mutation testing of the core and the protocol code, run on demand (not in CI).

    pip install -e '.[test,mutation]'
    python scripts/mutation.py                 # every module below (docs/testing.md: how long)
    python scripts/mutation.py safety frames   # some of them
    python scripts/mutation.py --report        # the last run's scores and survivors again

mutmut (configured in pyproject.toml, [tool.mutmut]) copies the package to ./mutants, makes one
small change at a time (a `>` becomes `>=`, a constant changes, a call is dropped) and runs the
tests that cover the changed function; a mutant the tests do not notice "survives". Scores are
killed / all mutants in scope, per module; docs/testing.md lists the accepted survivors.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 0.90

# Module → the mutant names (globs) in scope. For the Platform client only the protocol code
# is: the SSE/line parsers, and the tail's backoff, session (attempt reset) and window resume
# (the backoff's doubling and cap are core.backoff, shared with the router's retries).
SCOPE = {
    name: [f"tuilogs.core.{name}.*"]
    for name in ("record", "filters", "query", "frames", "safety", "colorize", "levels")
    + ("codes", "logfmt", "backoff")
}
# The octet-counted framing (RFC 6587) left frames.py for its own file; it is still "frames".
SCOPE["frames"].append("tuilogs.core.octet_counting.*")
# The query language is a tree (query.py) over its terms (terms.py), which hold the matching
# rules, and find their candidate lines with line_hits.py.
SCOPE["query"] += ["tuilogs.core.terms.*", "tuilogs.core.line_hits.*"]
SCOPE["stream"] = [
    "tuilogs.platform.stream.xǁSSEParserǁ*",
    "tuilogs.platform.stream.xǁLineParserǁ*",
]
SCOPE["live"] = [
    "tuilogs.platform.live.xǁLiveTailǁ_wait__*",
    "tuilogs.platform.live.xǁLiveTailǁ_session__*",
    "tuilogs.platform.live.xǁLiveTailǁ_pump_window__*",
]
# Two passes: the core's mutants meet only the core's tests (the Platform client's tests reach
# the parsers too, through a router, but slowly: a surviving parser mutant would keep each of
# them waiting for its deadline); the protocol code's mutants meet tests/core and tests/platform.
PASSES = [
    ([m for m in SCOPE if m not in ("stream", "live")], "--ignore=tests/platform"),
    (["stream", "live"], ""),
]
CAUGHT = {"killed", "timeout", "caught by type check", "segfault"}
STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped"}
STATUS |= {36: "timeout", 24: "timeout", -24: "timeout", 152: "timeout", 255: "timeout"}
STATUS |= {37: "caught by type check", -11: "segfault", -9: "segfault"}


def in_scope(mutant: str, globs: list[str]) -> bool:
    from fnmatch import fnmatchcase

    return any(fnmatchcase(mutant, g) for g in globs)


def results(modules: list[str]) -> dict[str, dict[str, str]]:
    """{module: {mutant: status}} from the .meta files mutmut leaves in ./mutants."""
    out: dict[str, dict[str, str]] = {}
    for meta in sorted((ROOT / "mutants" / "tuilogs").rglob("*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        for module in modules:
            found = {
                k: STATUS.get(v, "suspicious" if v is not None else "not checked")
                for k, v in codes.items()
                if in_scope(k, SCOPE[module])
            }
            if found:
                out.setdefault(module, {}).update(found)
    return out


def report(modules: list[str]) -> bool:
    by_module = results(modules)
    total = Counter()
    print(f"{'module':<10} {'mutants':>8} {'killed':>7} {'score':>7}   survivors")
    for module in modules:
        statuses = by_module.get(module, {})
        caught = sum(s in CAUGHT for s in statuses.values())
        checked = sum(s != "not checked" for s in statuses.values())
        total.update(caught=caught, checked=checked)
        score = caught / checked if checked else 0.0
        left = sorted(k for k, s in statuses.items() if s not in CAUGHT | {"not checked"})
        print(f"{module:<10} {checked:>8} {caught:>7} {score:>7.1%}   {len(left)}")
        for name in left:
            print(f"           {statuses[name]:<10} {name}")
    score = total["caught"] / total["checked"] if total["checked"] else 0.0
    print(f"{'all':<10} {total['checked']:>8} {total['caught']:>7} {score:>7.1%}")
    print("\nShow a survivor's change with: mutmut show NAME")
    return score >= TARGET


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", metavar="MODULE", help=", ".join(SCOPE))
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--report", action="store_true", help="only print the last results")
    args = parser.parse_args()
    modules = args.modules or list(SCOPE)
    unknown = sorted(set(modules) - set(SCOPE))
    if unknown:
        parser.error(f"unknown module(s) {', '.join(unknown)}; choose from {', '.join(SCOPE)}")
    if not args.report:
        for pass_modules, pytest_options in PASSES:
            globs = [g for m in modules if m in pass_modules for g in SCOPE[m]]
            if globs and (failed := run_mutmut(globs, pytest_options, args.max_children)):
                return failed
    return 0 if report(modules) else 1


def run_mutmut(globs: list[str], pytest_options: str, max_children: int) -> int:
    """One mutmut run over `globs`; its stats (which tests call what) are collected afresh."""
    log = ROOT / "mutants" / "run.log"
    log.parent.mkdir(exist_ok=True)
    (ROOT / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTEST_ADDOPTS=pytest_options)
    env["HYPOTHESIS_PROFILE"] = "mutation"  # tests/conftest.py: no shrinking
    cmd = [sys.executable, "-m", "mutmut", "run", "--max-children", str(max_children), *globs]
    print(f"mutmut: {len(globs)} groups of mutants; progress in {log.relative_to(ROOT)}")
    with log.open("a") as out:
        done = subprocess.run(cmd, cwd=ROOT, env=env, stdout=out, stderr=out)
    if done.returncode != 0:
        print(f"mutmut failed ({done.returncode}); see {log}")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
