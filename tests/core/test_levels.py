"""Level detection: a table of real-world dialects, priorities, the window, robustness."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuilogs.core.levels import LEVELS, WINDOW, detect_level, find_level, level_of_word


@pytest.mark.parametrize(
    ("message", "level"),
    [
        # logfmt fields
        ('at=error code=H12 desc="Request timeout" method=GET path=/', "error"),
        ("at=info method=GET path=/ status=200", "info"),
        ("level=warn msg=slow", "warning"),
        ('level="debug" msg=x', "debug"),
        ("severity=CRITICAL component=db", "critical"),
        ("lvl=eror msg=typo level=notice", "notice"),
        # JSON
        ('{"level":"error","msg":"boom"}', "error"),
        ('{"severity": "WARNING", "message": "x"}', "warning"),
        ('{"level":30,"msg":"pino info"}', "info"),
        ('{"level":50,"msg":"pino error"}', "error"),
        ('{"level":60,"msg":"pino fatal"}', "critical"),
        ('{"level":20}', "debug"),
        # bracketed and bare words
        ("[2020-01-01 00:00:00 +0000] [4] [INFO] Starting gunicorn 20.1.0", "info"),
        ("[warn] disk almost full", "warning"),
        ("I, [2020-01-01T00:00:00.000 #1]  INFO -- : hello", "info"),
        ("E, [2020-01-01T00:00:00.000 #1] ERROR -- : boom", "error"),
        ("2020-01-01 12:00:00,123 WARN [main] com.example.App: slow", "warning"),
        ("ERROR:root:something failed", "error"),
        ("DEBUG2: postgres internals", "debug"),
        ("npm ERR! code ELIFECYCLE", "error"),
        ("FATAL: password authentication failed", "critical"),
        ("NOTICE: relation exists, skipping", "notice"),
        ("[DATABASE] [9-1] sql_error_code = 00000 LOG:  duration: 1.2 ms", "info"),
        # colon words
        ("Warning: something odd", "warning"),
        ("error: could not connect to server", "error"),
        ("panic: runtime error: index out of range", "critical"),
        # tracebacks and exceptions
        ("Traceback (most recent call last):", "error"),
        ("ValueError: invalid literal for int()", "error"),
        ("NoMethodError (undefined method `x' for nil)", "error"),
        ('Exception in thread "main" java.lang.NullPointerException', "error"),
        ("java.lang.IllegalStateException: x", "error"),
        # Heroku
        ("Error R14 (Memory quota exceeded)", "error"),
    ],
)
def test_detect_level(message: str, level: str) -> None:
    assert detect_level(message) == level


@pytest.mark.parametrize(
    "message",
    [
        "",
        "Completed 200 OK in 12ms (Views: 1.2ms | ActiveRecord: 0.0ms)",
        "State changed from starting to up",
        "an error occurred somewhere",  # lower-case prose is not evidence
        "myerror: not a level word",
        "ERRORS and XERROR and INFOS",
        "sql_error_code = 00000",
        "level=verbose",
    ],
)
def test_no_level(message: str) -> None:
    assert detect_level(message) is None


def test_explicit_field_beats_earlier_words() -> None:
    assert detect_level('msg="ERROR in text" level=info') == "info"
    assert detect_level('{"msg":"error: nope","level":"debug"}') == "debug"


def test_leftmost_word_wins() -> None:
    assert detect_level("WARN then [error]") == "warning"
    assert detect_level("[error] then WARN") == "error"
    assert detect_level("info: retrying after ValueError") == "info"


def test_span_points_at_evidence() -> None:
    text = "2020 [4] [ERROR] x"
    found = find_level(text)
    assert found is not None
    assert (found.level, text[found.start : found.end]) == ("error", "ERROR")
    text = '{"a":1,"level":"warn"}'
    found = find_level(text)
    assert found is not None
    assert text[found.start : found.end] == "warn"


def test_only_the_window_is_searched() -> None:
    assert detect_level("x" * (WINDOW - 10) + " ERROR") == "error"
    assert detect_level("x" * WINDOW + " ERROR") is None


@pytest.mark.parametrize(
    ("word", "level"),
    [("WARN", "warning"), ("err", "error"), ("debug3", "debug"), ("Fatal", "critical")],
)
def test_level_of_word(word: str, level: str) -> None:
    assert level_of_word(word) == level


@given(st.text())
def test_arbitrary_text_never_raises(text: str) -> None:
    found = find_level(text)
    if found is not None:
        assert found.level in LEVELS
        assert 0 <= found.start < found.end <= min(len(text), WINDOW)
