"""Histogram buckets sized to the span, counts equal to a line-by-line reference, errors."""

from __future__ import annotations

from array import array
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tuilogs.core.buffer import LogBuffer, parse_block
from tuilogs.core.histogram import OriginCounts, axis, combine, histogram_of
from tuilogs.core.timeline import BLOCK, Timeline
from tuilogs.core.trouble import is_trouble, trouble_lines

T0 = int(datetime(2026, 11, 1, 12, tzinfo=timezone.utc).timestamp())


def stamp(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000001+00:00")


@pytest.mark.parametrize(
    ("span", "columns", "step"),
    [
        (0, 80, 1),
        (59, 80, 1),
        (100, 80, 2),
        (3600, 118, 45),
        (2 * 3600 + 50 * 60, 118, 90),
        (86400, 118, 900),
        (30 * 86400, 118, 28800),
        (365 * 86400, 118, 5 * 86400),
    ],
)
def test_buckets_are_round_and_fit_the_columns(span, columns, step):
    start, got_step, n = axis(T0 + 7, T0 + 7 + span, columns)
    assert got_step == step
    assert start % step == 0 and start <= T0 + 7
    assert n <= columns
    assert start + n * step > T0 + 7 + span
    assert n * 2 > columns or step == 1  # the next width down would not have fitted


def test_a_huge_span_still_fits():
    start, step, n = axis(0, 10**10, 100)
    assert n <= 100 and start + n * step > 10**10


def make(seconds: list[int | None], errors: set[int] = frozenset()) -> LogBuffer:
    text = "".join(
        (
            f"{stamp(s)} heroku[router]: at=info status={503 if i in errors else 200}\n"
            if s is not None
            else f"raw line {i}\n"
        )
        for i, s in enumerate(seconds)
    )
    buffer = LogBuffer()
    buffer.apply(parse_block(text.encode(), 0, buffer.origins))
    return buffer


def reference(seconds, lines, start, step, n):
    counts = [0] * n
    for i in range(len(seconds)) if lines is None else lines:
        if seconds[i] is not None:
            counts[(seconds[i] - start) // step] += 1
    return counts


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.integers(T0, T0 + 20_000)), min_size=1, max_size=3 * BLOCK),
    st.integers(5, 130),
    st.booleans(),
    st.integers(0, 10),
)
def test_counts_equal_a_line_by_line_reference(seconds, columns, subset, err_every):
    errors = set(range(0, len(seconds), err_every + 3))
    buffer = make(seconds, errors)
    timeline = Timeline(buffer)
    lines = array("I", [i for i in range(len(seconds)) if i % 4 != 1]) if subset else None
    error_lines = array("I", sorted(errors))
    hist = histogram_of(timeline, lines, error_lines, columns)
    if all(s is None for s in seconds):
        assert hist is None
        return
    assert hist.buckets <= columns
    assert list(hist.lines) == reference(seconds, lines, hist.start, hist.step, hist.buckets)
    shown_errors = sorted(errors if lines is None else errors & set(lines))
    assert list(hist.errors) == reference(
        seconds, shown_errors, hist.start, hist.step, hist.buckets
    )
    assert hist.total == sum(
        s is not None for i, s in enumerate(seconds) if lines is None or i in lines
    )


def test_non_monotonic_lines_land_in_their_own_buckets():
    seconds = [T0 + 100] * BLOCK + [T0] + [T0 + 100] * BLOCK  # one late line of an old second
    hist = histogram_of(Timeline(make(seconds)), None, None, 200)
    assert hist.step == 1
    assert hist.lines[0] == 1 and hist.lines[100] == 2 * BLOCK
    assert hist.errors_known is False


def test_the_axis_can_be_given():
    buffer = make([T0 + 10, T0 + 20])
    hist = histogram_of(Timeline(buffer), None, None, 10, span=(T0, T0 + 99))
    assert (hist.start, hist.step, hist.buckets) == (T0, 10, 10)
    assert hist.lines == [0, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    assert hist.bucket_of(T0 + 25) == 2 and hist.bucket_of(T0 - 5) == 0
    assert hist.bucket_of(T0 + 10**6) == 9


def test_router_counts_are_combined_with_the_sidebar_filter():
    origins = [
        OriginCounts("heroku", "router", [5, 0, 1], [1, 0, 0]),
        OriginCounts("app", "web.1", [2, 2, 2], [0, 1, 0]),
        OriginCounts("app", "worker.1", [1, 1, 1], [0, 0, 1]),
    ]
    every = combine(T0, 60, 3, origins)
    assert every.lines == [8, 3, 4] and every.errors == [1, 1, 1]
    apps = combine(T0, 60, 3, origins, lambda source, dyno: source == "app")
    assert apps.lines == [3, 3, 3] and apps.errors == [0, 1, 1]
    assert combine(T0, 60, 3, origins, lambda s, d: False).lines == [0, 0, 0]


TROUBLE = [
    'at=error code=H12 desc="Request timeout" method=GET path="/" status=503',
    "at=info method=GET path=/ status=500 bytes=10",
    '{"status": 502, "msg": "bad gateway"}',
    "Error R14 (Memory quota exceeded)",
    "[2026-11-01 12:00:00 +0000] [4] [ERROR] Worker failed",
    'level=error msg="payment failed"',
    '{"level":"error","msg":"boom"}',
    '{"level":50,"msg":"pino error"}',
    '{"level": 60}',
    "Traceback (most recent call last):",
    "ZeroDivisionError: division by zero",
    "java.lang.NullPointerException",
    "FATAL: could not connect",
    "SEVERE: the bean exploded",
    "panic: runtime error: index out of range",
    "CRITICAL disk full",
    "Error L10 (output buffer overflow): 5 messages dropped",
]
FINE = [
    "at=info method=GET path=/ status=200 bytes=10",
    "at=info method=GET path=/ status=404",
    '{"level":"info","msg":"error budget ok","status":200}',
    '{"level":40,"msg":"pino warn"}',
    "xstatus=503 is not a status field",
    "State changed from starting to up",
    "level=warn msg=slow",
    "Process exited with status 0",
    "the word terror is not a level",
    "code=H99x is not a code",
]


@pytest.mark.parametrize("message", TROUBLE)
def test_trouble(message):
    assert is_trouble(message)


@pytest.mark.parametrize("message", FINE)
def test_no_trouble(message):
    assert not is_trouble(message)


def test_trouble_lines_in_bulk_agree_with_one_by_one():
    messages = [m for pair in zip(TROUBLE, FINE * 2, strict=False) for m in pair]
    lines = [f"{stamp(T0)} app[web.1]: {m}" for m in messages] + ["raw ERROR line", ""]
    data = ("\n".join(lines) + "\n").encode()
    expected = [i for i, m in enumerate(messages) if is_trouble(m)] + [len(messages)]
    assert trouble_lines(data) == expected
    assert trouble_lines(b"") == []


def test_router_lines_are_trouble_by_status_and_code_only():
    lines = [
        'at=info method=GET path="/error" status=200',  # a level word in a path: not trouble
        "at=info method=GET path=/ status=503",
        "at=error code=H12 desc=timeout status=503",
        "level=error msg=boom",  # an app line
    ]
    data = "".join(f"{stamp(T0)} heroku[router]: {m}\n" for m in lines[:3])
    data += f"{stamp(T0)} app[web.1]: {lines[3]}\n"
    routers = [True, True, True, False]
    assert trouble_lines(data.encode(), routers) == [1, 2, 3]
    assert trouble_lines(data.encode(), [False] * 4) == [1, 2, 3]
    # The router tells its level in `at=`, and says error only with a code: nothing else
    # in a router line counts as a level.
    forged = f"{stamp(T0)} heroku[router]: level=error msg=fake\n".encode()
    assert trouble_lines(forged, [True]) == [] and not is_trouble("level=error", router=True)
    assert trouble_lines(forged, [False]) == [0]
