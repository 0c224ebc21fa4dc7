"""Redaction by property: lines without secrets never change; no generated card or e-mail
address survives, wherever it sits (logfmt, JSON, plain text); the batch scan that skips
lines never skips one a rule would change; redacting twice takes nothing more."""

from __future__ import annotations

import json
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from tuilogs.core.redact import Redactor
from tuilogs.core.redact_rules import builtin_rules

REDACTOR = Redactor(builtin_rules())


def luhn_ok(digits: str) -> bool:
    """The Luhn check written out here, apart from the code under test."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def with_check_digit(body: str) -> str:
    return body + next(d for d in "0123456789" if luhn_ok(body + d))


# -- lines that hold nothing -------------------------------------------------------------------

# Keys of log lines, some of them close to secret names without being one.
PLAIN_KEYS = [
    "at", "method", "path", "host", "status", "bytes", "user_id", "order_id", "duration_ms",
    "service", "connect", "dyno", "request_id", "level", "msg", "count", "tokens", "token_count",
    "token_type", "password_length", "passwords_reset", "keyboard", "author", "passed", "bypass",
    "secretary", "api_keys", "key_id", "sessions", "authority", "email_count", "card_type",
]  # fmt: skip
WORDS = [
    "GET", "POST", "request", "timeout", "user", "logged", "in", "job", "finished", "retrying",
    "payment", "captured", "cache", "miss", "for", "key", "token", "password", "secret", "email",
    "card", "bearer", "at", "example.com", "bob.example.com", "bob(at)example.com", "@bob",
    "lodash@4.17.21", "web@3:Standard-1X", "https://example.com/a?b=c", "/api/v1/orders",
    "State", "changed", "from", "starting", "to", "up", "Bearer", "Authorization",
]  # fmt: skip


@st.composite
def non_card_number(draw) -> str:
    """A digit run that is no card: under 13 digits, or 13–19 failing Luhn, or starting with
    a digit no card network uses (epoch timestamps), or over 19 digits."""
    kind = draw(st.sampled_from(["short", "bad-luhn", "no-network", "long"]))
    if kind == "short":
        return str(draw(st.integers(0, 10**12 - 1)))
    if kind == "long":
        return str(draw(st.integers(10**19, 10**25)))
    length = draw(st.integers(13, 19))
    rest = str(draw(st.integers(0, 10 ** (length - 1) - 1))).zfill(length - 1)
    if kind == "no-network":
        return draw(st.sampled_from("0179")) + rest
    digits = draw(st.sampled_from("23456")) + rest
    return digits if not luhn_ok(digits) else digits[:-1] + str((int(digits[-1]) + 1) % 10)


hex_id = st.uuids().map(str)


@st.composite
def digit_id(draw) -> str:
    """A request id whose last two groups happen to be decimal digits (1 in 1,800 random UUIDs)
    that read as a card number (1 in 10 of those pass Luhn): still no card, the groups are 4-12.
    """
    head = draw(st.uuids()).hex
    prefix = draw(st.sampled_from(["4", "51", "2221", "6011"]))
    rest = 15 - len(prefix)
    tail = with_check_digit(prefix + draw(st.text("0123456789", min_size=rest, max_size=rest)))
    return f"{head[:8]}-{head[8:12]}-{head[12:16]}-{tail[:4]}-{tail[4:]}"


plain_value = st.one_of(
    non_card_number(),
    hex_id,
    digit_id(),
    st.sampled_from(WORDS),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.text("abcdefghijklmnopqrstuvwxyz.", min_size=1, max_size=12),
)


def logfmt(pairs: list[tuple[str, str]]) -> str:
    return " ".join(f'{k}="{v}"' if " " in v else f"{k}={v}" for k, v in pairs)


def plain(values: list[str]) -> str:
    # a word between values, so two numbers never sit side by side (that could be a card)
    words = ["then", "and", "or", "so"] * 10
    return " ".join(f"{v} {w}" for v, w in zip(values, words[: len(values)], strict=True))


clean_line = st.one_of(
    st.lists(st.tuples(st.sampled_from(PLAIN_KEYS), plain_value), max_size=8).map(logfmt),
    st.dictionaries(st.sampled_from(PLAIN_KEYS), plain_value, max_size=8).map(json.dumps),
    st.lists(plain_value, max_size=10).map(plain),
)


@settings(max_examples=300)
@given(clean_line)
def test_a_line_without_secrets_never_changes(line):
    assert REDACTOR.redact(line) == (line, Counter())


# -- cards and addresses never survive ---------------------------------------------------------

NETWORKS = [("4", 16), ("4", 13), ("4", 19), ("51", 16), ("55", 16), ("2221", 16), ("2720", 16),
            ("34", 15), ("37", 15), ("6011", 16), ("65", 19), ("3528", 16), ("62", 17), ("36", 14)]  # fmt: skip


@st.composite
def card(draw) -> tuple[str, str]:
    """(the card's digits, the card as written: whole, in groups of 4, or Amex's 4-6-5)."""
    prefix, length = draw(st.sampled_from(NETWORKS))
    body = prefix + draw(st.text("0123456789", min_size=length - len(prefix) - 1,
                                 max_size=length - len(prefix) - 1))  # fmt: skip
    digits = with_check_digit(body)
    sep = draw(st.sampled_from(["", " ", "-"]))
    if length == 15 and sep and draw(st.booleans()):
        groups = [digits[:4], digits[4:10], digits[10:]]
    else:
        groups = [digits[i : i + 4] for i in range(0, length, 4)]
    return digits, sep.join(groups) if sep else digits


def embed(draw, secret: str, key: str) -> str:
    where = draw(st.sampled_from(["logfmt", "json", "plain", "punct"]))
    before = draw(st.lists(st.sampled_from(WORDS[:12]), max_size=3))
    if where == "logfmt":
        return logfmt([("at", "info"), (key, secret), ("status", "200")])
    if where == "json":
        return json.dumps({"level": "info", key: secret, "n": 3})
    if where == "punct":
        return f"{' '.join(before)} <{secret}>, ({secret}); {secret}."
    return f"{' '.join(before)} {secret} {' '.join(before)}"


@settings(max_examples=300)
@given(card(), st.data())
def test_no_card_survives(c, data):
    digits, written = c
    line = embed(data.draw, written, "card")
    out, counts = REDACTOR.redact(line)
    assert digits not in out.replace(" ", "").replace("-", ""), (line, out)
    assert counts["card"] >= 1


local_part = st.from_regex(
    r"[A-Za-z0-9!#$%&*+?^~_-]([A-Za-z0-9.!#$%&*+?^~_-]{0,20}[A-Za-z0-9_])?", fullmatch=True
)
domain = st.from_regex(r"([a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?\.){1,4}[a-z]{2,10}", fullmatch=True)


@settings(max_examples=300)
@given(local_part, domain, st.data())
def test_no_email_survives(local, dom, data):
    address = f"{local}@{dom}"
    line = embed(data.draw, address, data.draw(st.sampled_from(["email", "to", "user"])))
    out, counts = REDACTOR.redact(line)
    assert address not in out and f"@{dom}" not in out, (line, out)
    assert counts["email"] >= 1


# -- the batch scan skips only lines no rule would change ---------------------------------------

secret_fragment = st.one_of(
    card().map(lambda c: c[1]),
    st.builds(lambda lp, d: f"{lp}@{d}", local_part, domain),
    st.sampled_from(
        [
            "password=hunter2",
            '"api_key": "k"',
            "Authorization: Basic abc",
            "Bearer abcdefgh123",
            "https://u:p@h.example.com",
            "AccessToken: x",
            "user[password]=x",
            '"db_password" : "x"',
            "cache miss for key user:1",
            "aws_secret_key:abc",
            "AUTHORIZATION='Basic x'",
            "the bearer of bad news",
            "bearer\tabcdefgh",
            "https://host.example.com:8443/a@b",
        ]
    ),  # fmt: skip
)
any_line = st.lists(st.one_of(secret_fragment, plain_value, st.just("\n")), max_size=6).map(
    " ".join
)


def every_rule_on_every_line(lines: list[str]) -> tuple[list[str], Counter]:
    counts: Counter = Counter()
    out = []
    for line in lines:
        for rule in REDACTOR.rules:
            line = rule.apply(line, counts)
        out.append(line)
    return out, counts


@settings(max_examples=150)
@given(st.lists(st.one_of(any_line, clean_line), max_size=12))
def test_the_batch_scan_skips_no_line_a_rule_would_change(lines):
    done = REDACTOR.redact_lines(lines)
    assert (done.lines, done.counts) == every_rule_on_every_line(lines)
    assert done.changed_at == [
        i for i, (a, b) in enumerate(zip(lines, done.lines, strict=True)) if a != b
    ]


@settings(max_examples=150)
@given(any_line)
def test_redacting_twice_takes_nothing_more(line):
    once, _ = REDACTOR.redact(line)
    assert REDACTOR.redact(once) == (once, Counter())
