"""The built-in redaction rules, one example at a time: what each takes out, what it leaves."""

from __future__ import annotations

import pytest

from tuilogs.core.record import LogRecord
from tuilogs.core.redact import Redactor
from tuilogs.core.redact_rules import FIELDS, builtin_rules, card_spans, is_card, luhn

REDACTOR = Redactor(builtin_rules())


def redact(text: str) -> tuple[str, dict[str, int]]:
    out, counts = REDACTOR.redact(text)
    return out, dict(counts)


@pytest.mark.parametrize(
    "line, expected, counts",
    [
        # e-mail addresses: RFC-ish local parts, subdomains, letters of any script
        ("Deploy 3f2a9c1 by dev@example.com", "Deploy 3f2a9c1 by [email]", {"email": 1}),
        ("to=bob.smith+tag@mail.example.co.uk ok", "to=[email] ok", {"email": 1}),
        ('{"user": "o\'x_y%z@sub.ex-ample.org"}', '{"user": "o\'[email]"}', {"email": 1}),
        ("josé@exämple.de wrote", "[email] wrote", {"email": 1}),
        ("GET /users/bob@example.com/edit", "GET /users/[email]/edit", {"email": 1}),
        # card numbers, Luhn-checked, whole or grouped
        ("paid 4111111111111111 ok", "paid [card] ok", {"card": 1}),
        ("card=4111 1111 1111 1111", "card=[card]", {"card": 1}),
        ("card 4111-1111-1111-1111.", "card [card].", {"card": 1}),
        ("amex 3782 822463 10005", "amex [card]", {"card": 1}),
        ("mc 5555555555554444 and 2223003122003222", "mc [card] and [card]", {"card": 2}),
        ("4111 1111 1111 1111 12 times", "[card] 12 times", {"card": 1}),
        # fields named like secrets: logfmt, query strings, JSON, Python reprs, headers
        (
            "login user=bob password=hunter2 ok",
            "login user=bob password=[password] ok",
            {"password": 1},
        ),
        (
            'msg="bad password=abc" at=info',
            'msg="bad password=[password]" at=info',
            {"password": 1},
        ),
        ('passwd="a b \\" c" x=1', 'passwd="[password]" x=1', {"password": 1}),
        (
            "DB_PASSWORD=x userPassword=y",
            "DB_PASSWORD=[password] userPassword=[password]",
            {"password": 2},
        ),
        (
            '{"password": "s3cr\\"et", "pin": 1}',
            '{"password": "[password]", "pin": 1}',
            {"password": 1},
        ),
        ('{"api_key": 12345}', '{"api_key": "[token]"}', {"token": 1}),
        ("{'client_secret': 'x'}", "{'client_secret': '[secret]'}", {"secret": 1}),
        (
            "GET /cb?code=1&access_token=abc.def&state=2",
            "GET /cb?code=1&access_token=[token]&state=2",
            {"token": 1},
        ),
        ("X-Api-Key: zzz9", "X-Api-Key: [token]", {"token": 1}),
        ("user[password]=q", "user[password]=[password]", {"password": 1}),
        ("AWS_SECRET_ACCESS_KEY=abc", "AWS_SECRET_ACCESS_KEY=[token]", {"token": 1}),
        ("private_key=-----BEGIN", "private_key=[secret]", {"secret": 1}),
        # Authorization headers keep their scheme; Bearer tokens anywhere
        (
            "Authorization: Bearer eyJhbGciOi.J9.abc",
            "Authorization: Bearer [credentials]",
            {"authorization": 1},
        ),
        (
            '"authorization": "Basic dXNlcjpwYXNz"',
            '"authorization": "Basic [credentials]"',
            {"authorization": 1},
        ),
        ("Proxy-Authorization: abc123", "Proxy-Authorization: [credentials]", {"authorization": 1}),
        ("sent Bearer abcdefgh12345 upstream", "sent Bearer [token] upstream", {"bearer": 1}),
        # URL userinfo: the password goes, the user stays
        (
            "postgres://app:p@ss@db.example.com:5432/x",
            "postgres://app:[password]@db.example.com:5432/x",
            {"userinfo": 1},
        ),
        (
            "redis://:hunter2@redis.local:6379",
            "redis://:[password]@redis.local:6379",
            {"userinfo": 1},
        ),
    ],
)
def test_each_rule_takes_out_what_it_names(line, expected, counts):
    assert redact(line) == (expected, counts)


@pytest.mark.parametrize(
    "line",
    [
        # order ids and timestamps that are no card: wrong checksum, no card prefix, too short
        "order_id=4111111111111112 shipped",
        "ts=1700000000000 took 1234567890123ms",  # epoch ms: no card network starts with 1
        "migration 20260101120000 and 20260101120000123",  # dates start with 20
        "request_id=12345678-1234-1234-1234-123456789012",  # groups too long for a card
        "request_id=103de495-5590-1553-97ea-9aee255d2f41",  # 495-5590-1553-97 passes Luhn
        "request_id=98c6aa74-090c-42ac-2334-097051841541",  # 2334097051841541 passes Luhn
        "phone 555-123-4567 ext 12",
        # look like addresses and are not
        "lodash@4.17.21 web@3:Standard-1X docker image@sha256:abc",
        "mail me at bob (at) example.com, or @bob",
        # fields that hold no secret
        "tokens=512 max_tokens=100 token_type=bearer tokenizer=bpe password_length=12",
        '{"token": null, "password": "", "secret": true}',
        "the bearer of bad news",  # too short to be a token
        "passed=3 bypass=on keyboard=us monkey=1",
        # already redacted: nothing more to take, nothing counted
        "password=[password] Bearer [token] Authorization: Basic [credentials]",
        "https://user:[password]@host.example.com [email] [card]",
        "https://host.example.com:8443/path?q=1",
    ],
)
def test_lines_without_secrets_stay_as_they_are(line):
    assert redact(line) == (line, {})


def test_redacting_twice_changes_nothing_more():
    line = (
        'user=bob@example.com password=x {"token": "t"} 4111111111111111 '
        "Authorization: Bearer abcdefgh1 https://u:p@h.example.com"
    )
    once, counts = redact(line)
    assert sum(counts.values()) == 6
    assert redact(once) == (once, {})


def test_luhn_and_card_prefixes():
    assert luhn("79927398713") and not luhn("79927398710")
    assert is_card("4111111111111111") and is_card("378282246310005")
    assert not is_card("1111111111111117")  # Luhn-valid, but no network starts with 1
    assert not is_card("411111111111")  # 12 digits
    assert card_spans("4111 1111 1111 1111") == [(0, 19)]
    assert card_spans("4111 1111 1111 1112") == []
    assert card_spans("12 4111111111111111") == [(3, 19)]
    assert card_spans("2334-097051841541") == []  # a UUID's tail: 16 digits, Luhn-valid


def test_every_field_name_holds_a_trigger_of_its_rule():
    """A line is only searched when it holds a trigger word: a name without one would never
    be found."""
    for name, _marker, names, triggers in FIELDS:
        for field in names:
            assert any(t in field.lower() for t in triggers), (name, field)


def test_lines_with_line_breaks_are_searched_one_by_one():
    lines = ["first\npassword=x", "plain", "b@example.com\nsecond"]
    done = REDACTOR.redact_lines(lines)
    assert done.lines == ["first\npassword=[password]", "plain", "[email]\nsecond"]
    assert done.changed_at == [0, 2]


def test_records_keep_their_header_and_unchanged_ones_are_the_same_objects():
    a = LogRecord("2026-11-23T19:00:00+00:00", "app", "web.1", "password=x")
    b = LogRecord("2026-11-23T19:00:00+00:00", "heroku", "router", "at=info status=200")
    out, counts = REDACTOR.redact_records([a, b])
    assert out[0] == LogRecord(a.timestamp, "app", "web.1", "password=[password]")
    assert out[1] is b
    assert dict(counts) == {"password": 1}
