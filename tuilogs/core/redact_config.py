"""Redaction rules of your own, from a TOML file (`--redact-config FILE`).

TOML because a rule is mostly a regex, and TOML's literal strings (`'\\d{6}'`) take one
without doubling every backslash, as JSON would make you. (`tomllib` is in the standard
library from Python 3.11; on 3.10 its original, `tomli`, is the one extra dependency.)

    disable = ["email"]            # built-in rules to turn off

    [[rules]]
    name = "employee-id"           # counted under this name, replaced by [employee-id]
    pattern = 'EMP-\\d{6}'         # a regex; with a group named `value`, only that goes

    [[rules]]
    name = "customer"
    fields = ["customer_id", "*_ssn"]   # values of these keys (logfmt, JSON); * = any start

Your rules apply after the built-in ones. Every mistake — unreadable TOML, an unknown key, a
regex that does not compile or that matches empty text, a name used twice — is a
`RedactionConfigError` naming the file and the rule, raised before anything runs.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .redact import Redactor, Rule
from .redact_rules import BUILTIN_NAMES, builtin_rules, field_rule

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

NAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,40}")
FIELD_NAME_RE = re.compile(r"\*?[\w.\-]+")
_RULE_KEYS = {"name", "pattern", "fields"}


class RedactionConfigError(ValueError):
    """The rules file cannot be used; the message says where and why, in one line."""


def load_redactor(path: str | Path | None = None) -> Redactor:
    """The built-in rules, plus (and minus) those of the file at `path` when given."""
    if path is None:
        return Redactor(builtin_rules())
    where = str(path)
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise RedactionConfigError(f"{where}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RedactionConfigError(f"{where}: not valid TOML: {exc}") from None
    return Redactor(rules_from(data, where))


def rules_from(data: dict[str, Any], where: str = "redaction rules") -> list[Rule]:
    """The rules a parsed config asks for (see the module docstring)."""
    unknown = set(data) - {"disable", "rules"}
    if unknown:
        raise RedactionConfigError(
            f"{where}: unknown key {sorted(unknown)[0]!r} (expected disable, [[rules]])"
        )
    disable = data.get("disable", [])
    if not _strings(disable):
        raise RedactionConfigError(f"{where}: disable must be a list of rule names")
    for name in disable:
        if name not in BUILTIN_NAMES:
            raise RedactionConfigError(
                f"{where}: disable: no built-in rule {name!r} (they are {', '.join(BUILTIN_NAMES)})"
            )
    rules = [r for r in builtin_rules() if r.name not in disable]
    entries = data.get("rules", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise RedactionConfigError(f"{where}: rules must be [[rules]] tables")
    taken = {r.name for r in rules}
    for number, entry in enumerate(entries, 1):
        rule = _rule(entry, f"{where}: rule {number}")
        if rule.name in taken:
            raise RedactionConfigError(f"{where}: rule {number}: the name {rule.name!r} is taken")
        taken.add(rule.name)
        rules.append(rule)
    return rules


def _rule(entry: dict[str, Any], where: str) -> Rule:
    unknown = set(entry) - _RULE_KEYS
    if unknown:
        raise RedactionConfigError(
            f"{where}: unknown key {sorted(unknown)[0]!r} (expected name, pattern or fields)"
        )
    name = entry.get("name")
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise RedactionConfigError(
            f"{where}: name must be 1-40 letters, digits, '.', '_' or '-' (it becomes the"
            " marker [name])"
        )
    where = f"{where} ({name})"
    if ("pattern" in entry) == ("fields" in entry):
        raise RedactionConfigError(f"{where}: give either pattern or fields")
    if "fields" in entry:
        fields = entry["fields"]
        if not fields or not _strings(fields) or not all(map(FIELD_NAME_RE.fullmatch, fields)):
            raise RedactionConfigError(
                f"{where}: fields must be a list of field names (letters, digits, _ . -;"
                " a leading * for any start)"
            )
        return field_rule(name, f"[{name}]", fields)
    return Rule(name, _compile(entry["pattern"], where), f"[{name}]")


def _compile(pattern: Any, where: str) -> re.Pattern[str]:
    if not isinstance(pattern, str) or not pattern:
        raise RedactionConfigError(f"{where}: pattern must be a non-empty string")
    try:
        regex = re.compile(pattern)
    except re.error as exc:
        raise RedactionConfigError(f"{where}: bad pattern {pattern!r}: {exc}") from None
    extra = set(regex.groupindex) - {"value"}
    if extra:
        raise RedactionConfigError(
            f"{where}: the only group name a pattern may use is `value` (found {sorted(extra)[0]})"
        )
    if regex.fullmatch(""):
        raise RedactionConfigError(f"{where}: pattern {pattern!r} matches empty text")
    return regex


def _strings(value: Any) -> bool:
    return (
        isinstance(value, Sequence)
        and not isinstance(value, str)
        and all(isinstance(v, str) for v in value)
    )
