"""The built-in redaction rules, as data: what each finds, its marker, its trigger words.

In the order they apply (an earlier rule's marker is never taken for a later rule's secret):

| rule | finds | becomes |
|---|---|---|
| `userinfo` | the password in `scheme://user:password@host` (the user stays) | `scheme://user:[password]@host` |
| `authorization` | an `Authorization:` header's credentials (the scheme stays) | `Authorization: Bearer [credentials]` |
| `bearer` | a `Bearer` token anywhere | `Bearer [token]` |
| `password`, `secret`, `token` | values of fields named like secrets, logfmt/query (`k=v`, `k: v`) and JSON (`"k": "v"`) | `password=[password]`, `"api_key": "[token]"` |
| `card` | card numbers: 13–19 digits, whole or in groups, Luhn-checked, with a card network's prefix | `[card]` |
| `email` | e-mail addresses | `[email]` |

Field names are matched case-insensitively against the whole key; `*` stands for any start of
it, so `*password` covers `DB_PASSWORD` and `userPassword` (FIELDS below). docs/redaction.md
says what each rule leaves alone and why.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .redact import DIGIT_RUN, MARKER_RE, Rule

# -- fields ------------------------------------------------------------------------------------

# (rule, marker, field names, trigger words). A leading `*` in a name matches any start of the
# key; the rest is literal. Every name holds one of its rule's trigger words (a test checks):
# few short words make the batch scan cheap, and a line they wake for nothing costs a regex.
FIELDS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("password", "[password]", ("*password", "*passwd", "*passphrase"), ("pass",)),
    (
        "secret",
        "[secret]",
        ("*secret", "*secret_key", "*secretkey", "*private_key", "*privatekey"),
        ("secret", "key"),
    ),
    (
        "token",
        "[token]",
        ("*token", "*api_key", "*apikey", "*api-key", "*access_key", "*accesskey", "*auth_key"),
        ("token", "key"),
    ),
)

_NOT_MARKER = rf"(?!{MARKER_RE.pattern}(?:[\s&\"',;]|$))"
# What follows a key: a quote that closes it (JSON, Python reprs), `]` (Rails' `user[password]`),
# then `=` or `:`. The value: quoted (to the closing quote, escapes skipped, or to the end of
# the line when cut short), or bare up to a space, `&` (query strings) or a quote; JSON's bare
# `null`/`true`/`false` hold nothing and stay.
_FIELD = r"""
    (?<![\w.\-])(?P<kq>["'])?
    (?:{keys})
    (?(kq)(?P=kq)|\]?)[ \t]*[=:][ \t]*
    (?:
        (?P<vq>["'])(?P<value>{not_marker}(?:(?!(?P=vq))[^\\\n]|\\.)*)(?:(?P=vq)|$)
      | (?(kq)(?!(?:null|true|false)(?:[\s,}}\]]|$))(?P<bare>{not_marker}[^\s,}}\]"']+)
         |(?P<word>{not_marker}[^\s&"']+))
    )
"""

# What follows a field name's trigger word in every match of `_FIELD`, lower-cased (`Rule.tail`):
# the rest of the key, a closing quote or `]`, then `=` or `:`.
FIELD_TAIL = re.compile(r"[\w.\-]*[\"'\]]?[ \t]*[=:]")


def field_pattern(names: Sequence[str]) -> str:
    r"""The regex of a field rule over `names` (`*` = any start of the key; case-insensitive).

    A `*name` is the whole key, then a look back at how it ends, rather than `[\w.-]*name` per
    name: that one backtracks through each word once per name, and cost 12 µs a line that
    merely holds `key`; this costs 3."""
    exact = [_ascii_ci(n) for n in names if not n.startswith("*")]
    ends = [f"(?<={_ascii_ci(n[1:])})" for n in names if n.startswith("*")]
    if ends:
        exact.append(r"[\w.\-]+(?![\w.\-])(?:" + "|".join(ends) + ")")
    return _FIELD.format(keys="|".join(exact), not_marker=_NOT_MARKER)


def _ascii_ci(name: str) -> str:
    return f"(?ai:{re.escape(name)})"


def field_triggers(names: Sequence[str]) -> tuple[str, ...]:
    """What every match of a field rule contains: its names, lower-cased, without the `*`."""
    return tuple(sorted({n.lstrip("*").lower() for n in names}))


def field_rule(name: str, marker: str, names: Sequence[str], triggers: Sequence[str] = ()) -> Rule:
    """A rule for the values of fields named `names`; `triggers` default to the names."""
    regex = re.compile(field_pattern(names), re.VERBOSE)
    return Rule(name, regex, marker, tuple(triggers) or field_triggers(names), FIELD_TAIL)


# -- cards -------------------------------------------------------------------------------------

# 13+ digits, whole or separated by single spaces or dashes; not part of a decimal number (a
# float's 16 digits, `0.4467811442740391`, are no card) nor glued to letters (the digits of a
# request id `103de495-5590-1553-97ea-…` are none either). `card_spans` picks the cards.
_CARD_RUN = r"(?<![0-9A-Za-z.])(?P<value>[0-9](?:[ \-]?[0-9]){12,})(?![0-9A-Za-z]|\.[0-9])"
_GROUP_RE = re.compile(r"[0-9]+")
_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def luhn(digits: str) -> bool:
    """The Luhn checksum every payment card number satisfies (1 in 10 random numbers do)."""
    odd = digits[-1::-2]
    even = digits[-2::-2]
    return (sum(map(int, odd)) + sum(_DOUBLED[int(d)] for d in even)) % 10 == 0


def is_card(digits: str) -> bool:
    """13–19 digits with a payment network's prefix (3–6: Amex, Diners, JCB, Visa, Mastercard,
    Discover, UnionPay, Maestro; 2200–2720: Mir and Mastercard's 2-series) and Luhn-valid.
    The prefix keeps epoch timestamps (`1700000000000`) and dates (`20260101…`) out."""
    if not 13 <= len(digits) <= 19:
        return False
    first = digits[0]
    if first not in "3456" and not (first == "2" and "2200" <= digits[:4] <= "2720"):
        return False
    return luhn(digits)


def card_spans(run: str) -> list[tuple[int, int]]:
    """The cards in a run of digit groups: whole groups, 13–19 digits, a card number; when
    several groups form it, each has 3–6 digits but the last, which may be shorter
    (`4111 1111 1111 1111`, Amex `3782 822463 10005`, a 13-digit Visa in fours `4000 0000 0000
    6`) and no longer: a UUID's all-digit tail `2334-097051841541` is no card, though 1 in 10
    pass Luhn. Longest first from each group, so `4111 1111 1111 1111 12` finds the card."""
    groups = [(m.start(), m.end()) for m in _GROUP_RE.finditer(run)]
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(groups):
        for j in range(len(groups), i, -1):
            part = groups[i:j]
            if j - i > 1 and (
                any(not 3 <= e - s <= 6 for s, e in part[:-1]) or part[-1][1] - part[-1][0] > 6
            ):
                continue
            digits = "".join(run[s:e] for s, e in part)
            if is_card(digits):
                spans.append((part[0][0], part[-1][1]))
                i = j
                break
        else:
            i += 1
    return spans


# -- e-mail, URLs, headers ---------------------------------------------------------------------

# RFC 5322's atext without the characters that end a value in logs (`=`, `/`, quotes, `{|}`,
# backquote); letters in any script. The domain: labels, then a top-level domain of letters
# (so `lodash@4.17.21` and `web@3:Standard-1X` are not addresses).
_LOCAL = r"[\w.!#$%&*+?^~\-]"
_LABEL = r"[^\W_](?:[\w\-]{0,61}[^\W_])?"
EMAIL = rf"(?<!{_LOCAL}){_LOCAL}+@(?:{_LABEL}\.)+[^\W\d_]{{2,63}}(?![^\W\d_])"

USERINFO = (
    r"\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s/?#@:]*:"
    rf"(?P<value>{_NOT_MARKER}[^\s/?#]+)@"
)
_SCHEME = r"(?ai:basic|bearer|digest|token|negotiate|ntlm)[ \t]+"
AUTHORIZATION = (
    r"(?<![\w.\-])[\w.\-]*(?ai:authorization)[\"']?[ \t]*[=:][ \t]*[\"']?"
    rf"(?:{_SCHEME})?(?!{_SCHEME})(?P<value>{_NOT_MARKER}[^\s\"']+)"
)
# RFC 6750's token68, at least 8 long, ending where a token cannot go on (not `tokenizer=bpe`).
BEARER = (
    r"(?<![\w\-=])(?ai:bearer)[ \t]+"
    rf"(?P<value>{_NOT_MARKER}[A-Za-z0-9\-._~+/]{{8,}}=*)(?![\w\-.~+/=])"
)


# What follows the trigger words of these rules in every match, lower-cased (`Rule.tail`):
# URLs without a password, `authorization` not followed by `=` or `:`, "the bearer of bad news"
# wake nothing.
_USERINFO_TAIL = re.compile(r"[^\s/?#@:]*:[^\s/?#]+@")
_BEARER_TAIL = re.compile(r"[ \t]+[a-z0-9\-._~+/]{8}")


def builtin_rules() -> list[Rule]:
    """The built-in rules, in the order they apply (see the module docstring)."""
    rules = [
        Rule("userinfo", re.compile(USERINFO), "[password]", ("://",), _USERINFO_TAIL),
        Rule(
            "authorization",
            re.compile(AUTHORIZATION),
            "[credentials]",
            ("authorization",),
            FIELD_TAIL,
        ),
        Rule("bearer", re.compile(BEARER), "[token]", ("bearer",), _BEARER_TAIL),
    ]
    rules += [field_rule(*fields) for fields in FIELDS]
    rules.append(Rule("card", re.compile(_CARD_RUN), "[card]", (DIGIT_RUN,), refine=card_spans))
    rules.append(Rule("email", re.compile(EMAIL), "[email]", ("@",)))
    return rules


BUILTIN_NAMES = tuple(rule.name for rule in builtin_rules())
