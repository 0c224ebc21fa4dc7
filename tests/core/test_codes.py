"""Heroku error codes: the table is complete and `find_code` recognises every log form."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuilogs.core.codes import CODES, ErrorCode, find_code

EXPECTED_TITLES = {
    "H10": "App crashed",
    "H11": "Backlog too deep",
    "H12": "Request timeout",
    "H13": "Connection closed without response",
    "H14": "No web dynos running",
    "H15": "Idle connection",
    "H16": "Redirect to herokuapp.com",
    "H17": "Poorly formatted HTTP response",
    "H18": "Server Request Interrupted",
    "H19": "Backend connection timeout",
    "H20": "App boot timeout",
    "H21": "Backend connection refused",
    "H22": "Connection limit reached",
    "H23": "Endpoint misconfigured",
    "H24": "Forced close",
    "H25": "HTTP Restriction",
    "H26": "Request Error",
    "H27": "Client Request Interrupted",
    "H28": "Client Connection Idle",
    "H31": "Misdirected Request",
    "H32": "TLS Certificate Mismatch",
    "H80": "Maintenance mode",
    "H81": "Blank app",
    "H82": "You've used up your dyno hour pool",
    "H83": "Planned Service Degradation",
    "H99": "Platform error",
    "R10": "Boot timeout",
    "R12": "Exit timeout",
    "R13": "Attach error",
    "R14": "Memory quota exceeded",
    "R15": "Memory quota vastly exceeded",
    "R16": "Detached",
    "R17": "Checksum error",
    "R99": "Platform error",
    "L10": "Drain buffer overflow",
    "L11": "Tail buffer overflow",
    "L12": "Local buffer overflow",
    "L13": "Local delivery error",
    "L14": "Certificate validation error",
    "L15": "Tail buffer temporarily unavailable",
}


def test_table_is_exactly_the_documented_codes() -> None:
    assert {code: e.title for code, e in CODES.items()} == EXPECTED_TITLES


@pytest.mark.parametrize("code", sorted(EXPECTED_TITLES))
def test_each_entry_is_well_formed(code: str) -> None:
    entry = CODES[code]
    assert entry.code == code
    assert entry.explanation and "\n" not in entry.explanation
    assert entry.explanation.endswith(".")
    assert entry.kind == {"H": "router", "R": "runtime", "L": "logging"}[code[0]]


@pytest.mark.parametrize(
    ("message", "code"),
    [
        (
            'at=error code=H12 desc="Request timeout" method=GET path=/ host=myapp.herokuapp.com '
            'fwd="204.204.204.204" dyno=web.1 connect= service=30000ms status=503 bytes=0',
            "H12",
        ),
        ('at=error code=H10 desc="App crashed" method=GET path="/"', "H10"),
        ("Error R14 (Memory quota exceeded)", "R14"),
        ("Error R10 (Boot timeout) -> Web process failed to bind to $PORT", "R10"),
        ("Error L10 (output buffer overflow): 5 messages dropped since 2012-10-11", "L10"),
        ("Error H12 (Request timeout) -> GET growing-dusk-20.heroku.com/timeout dyno=web.1", "H12"),
        ("at=error code=H98 desc=x then Error R15 (Memory quota vastly exceeded)", "R15"),
    ],
)
def test_find_code(message: str, code: str) -> None:
    found = find_code(message)
    assert found is not None
    assert found.code == code
    assert found is CODES[code]


@pytest.mark.parametrize(
    "message",
    [
        "at=error code=H98 desc=unknown",  # not a documented code
        "Error R11 (nope)",
        "xcode=H12",  # not the code key
        "the promo code=SAVE10 expired",
        "Error H1 short",
        "H12 without the key",
        "",
    ],
)
def test_find_code_none(message: str) -> None:
    assert find_code(message) is None


def test_error_code_is_frozen() -> None:
    with pytest.raises(AttributeError):
        CODES["H12"].title = "x"  # type: ignore[misc]
    assert ErrorCode("H12", "t", "e") == ErrorCode("H12", "t", "e")


@given(st.text())
def test_find_code_never_raises(text: str) -> None:
    found = find_code(text)
    assert found is None or found.code in text
