"""Per-line times in the buffer (one column, `core/ingest/times.py`), the router's whole seconds
(`core/stamp_seconds.py`) agreeing with them, the range filter, and go-to on non-monotonic input."""

from __future__ import annotations

from array import array
from datetime import datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from tuilogs.core import stamp_seconds
from tuilogs.core.buffer import LogBuffer, OriginTable, parse_block
from tuilogs.core.ingest.times import NO_TIME, SECONDS, LineTimes
from tuilogs.core.record import parse_timestamp
from tuilogs.core.timeline import BLOCK, Timeline, to_seconds, to_stored
from tuilogs.core.timerange import TimeRange

from kit.files import load

T0 = int(datetime(2026, 11, 1, 12, tzinfo=timezone.utc).timestamp())


def stamp(seconds: int, frac: str = ".000001", zone: str = "+00:00") -> str:
    when = datetime.fromtimestamp(seconds, timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S") + frac + zone


def line_times(lines: list[bytes]) -> array:
    return LineTimes(SECONDS).of_lines(lines)  # as a view holds them


def router_seconds(lines: list[bytes]) -> list[int | None]:
    """What the router's stores count with: whole epoch seconds (None: no time)."""
    return [
        None if t == stamp_seconds.NO_TIME else t + stamp_seconds.BASE
        for t in stamp_seconds.line_times(lines)
    ]


def seconds_of(lines: list[bytes]) -> list[int | None]:
    """The buffer's column in whole seconds; the router's parser must agree with it."""
    seconds = [to_seconds(t) for t in line_times(lines)]
    assert router_seconds(lines) == seconds
    return seconds


def test_logplex_lines_read_at_c_speed_agree_with_the_parser():
    lines = [f"{stamp(T0 + i)} app[web.1]: line {i}".encode() for i in range(50)]
    assert seconds_of(lines) == [T0 + i for i in range(50)]


def test_every_shape_and_zone_agrees_with_parse_timestamp():
    shapes = [
        "2026-11-01T12:00:00.123Z",
        "2026-11-01T12:00:00Z",
        "2026-11-01T12:00:00+01:00",
        "2026-11-01T12:00:00.5-07:00",
        "2026-11-01T12:00:00.123456789+05:30",
        "2026-11-01T12:00:00+0100",
        "2026-11-01T23:59:59.999999-12:00",
    ]
    lines = [f"{s} app[web.1]: x".encode() for s in shapes]
    expected = [int(parse_timestamp(s).timestamp() // 1) for s in shapes]
    assert seconds_of(lines) == expected
    # Mixed in one block, after a block of another shape: each line still reads its own.
    assert seconds_of(lines[::-1]) == expected[::-1]


def test_lines_without_a_time():
    lines = [b"plain text", b"", b"2026-13-01T12:00:00Z app[web.1]: month 13", b"Traceback"]
    assert line_times(lines).tolist() == [NO_TIME] * 4
    assert router_seconds(lines) == [None] * 4


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(86_400, 3 * 10**9),  # the column's 0 is NO_TIME: logs after 1970
            st.sampled_from(["", ".1", ".123", ".123456", ".123456789"]),
            st.sampled_from(["Z", "+00:00", "-07:00", "+05:30", "+0100", "-0930"]),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_bulk_times_match_the_record_parser(parts):
    texts = [stamp(s, frac, zone) for s, frac, zone in parts]
    lines = [f"{t} heroku[router]: at=info".encode() for t in texts]
    for text, got in zip(texts, seconds_of(lines), strict=True):
        when = parse_timestamp(text)
        assert got == to_seconds(to_stored(when.timestamp()))


def test_the_buffer_keeps_times_aligned_through_prepends(tmp_path):
    path = tmp_path / "big.log"
    lines = [f"{stamp(T0 + i)} app[web.{i % 3}]: line {i}" for i in range(5000)]
    path.write_text("\n".join(lines) + "\n")
    buffer, _, _ = load(path, tail_bytes=4096)
    assert buffer.epoch == 1  # the head was prepended
    assert len(buffer.times) == len(buffer) == 5000
    assert [to_seconds(t) for t in buffer.times] == [T0 + i for i in range(5000)]


def test_a_batch_without_times_is_padded():
    buffer = LogBuffer()
    batch = parse_block(b"2026-11-01T12:00:00Z app[web.1]: a\n", 0, OriginTable())
    batch.times = None
    buffer.apply(batch)
    assert buffer.times.tolist() == [NO_TIME]


def buffer_with(seconds: list[int | None]) -> LogBuffer:
    text = "".join(
        (f"{stamp(s)} app[web.{i % 2}]: n={i}\n" if s is not None else f"raw {i}\n")
        for i, s in enumerate(seconds)
    )
    buffer = LogBuffer()
    buffer.apply(parse_block(text.encode(), 0, buffer.origins))
    return buffer


def naive_select(seconds, rng, lines=None):
    pool = range(len(seconds)) if lines is None else lines
    return [i for i in pool if seconds[i] is not None and seconds[i] in rng]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.integers(T0, T0 + 5000)), min_size=1, max_size=3 * BLOCK),
    st.integers(T0 - 10, T0 + 5010),
    st.integers(0, 6000),
    st.booleans(),
)
def test_the_range_filter_equals_a_line_by_line_filter(seconds, since, width, subset):
    buffer = buffer_with(seconds)
    rng = TimeRange(since, since + width)
    lines = array("I", range(0, len(seconds), 3)) if subset else None
    got = Timeline(buffer).select(rng, lines).tolist()
    assert got == naive_select(seconds, rng, lines)


def test_range_filter_over_part_of_the_buffer():
    buffer = buffer_with([T0 + i for i in range(3000)])
    got = Timeline(buffer).select(TimeRange(T0 + 100, None), None, lo=2000, hi=2500)
    assert got.tolist() == list(range(2000, 2500))


def test_goto_lands_on_the_first_line_at_or_after_in_buffer_order():
    # A dyno whose clock runs ahead (line 2) and one that lags (line 4): go-to 12:00:05 finds
    # the first line *received* with a time at or after it, not the smallest such time.
    seconds = [T0, T0 + 1, T0 + 9, T0 + 2, T0 + 1, T0 + 5, T0 + 6]
    timeline = Timeline(buffer_with(seconds))
    assert timeline.first_at_or_after(T0 + 5) == 2
    assert timeline.first_at_or_after(T0 + 9) == 2
    assert timeline.first_at_or_after(T0 + 10) is None
    assert timeline.first_at_or_after(T0 - 100) == 0
    assert timeline.first_at_or_after(T0 + 5, array("I", [0, 1, 3, 5, 6])) == 5
    assert timeline.first_at_or_after(T0 + 5.9) == 2  # whole seconds


def test_goto_skips_lines_without_time_and_crosses_blocks():
    seconds = [None] * (BLOCK + 5) + [T0 + i for i in range(2 * BLOCK)]
    timeline = Timeline(buffer_with(seconds))
    assert timeline.first_at_or_after(T0) == BLOCK + 5
    assert timeline.first_at_or_after(T0 + BLOCK) == 2 * BLOCK + 5
    visible = array("I", range(0, len(seconds), 7))
    hit = timeline.first_at_or_after(T0 + 100, visible)
    assert hit == next(i for i in visible if seconds[i] is not None and seconds[i] >= T0 + 100)


def test_the_timeline_follows_appends_and_renumbering():
    buffer = buffer_with([T0 + i for i in range(10)])
    timeline = Timeline(buffer)
    assert tuple(map(to_seconds, timeline.span())) == (T0, T0 + 9)
    more = f"{stamp(T0 + 50)} app[web.1]: later\n".encode()
    buffer.apply(parse_block(more, buffer.end, buffer.origins))
    assert tuple(map(to_seconds, timeline.span())) == (T0, T0 + 50)
    assert timeline.first_at_or_after(T0 + 20) == 10


def test_a_time_four_bytes_cannot_hold_is_kept_in_range():
    """A view keeps whole seconds in 4 bytes: a hostile year 9999 or 1900 must not stop the
    producer (an OverflowError), whether the block takes the fast path or the line-by-line
    one, nor a merge hand the view microseconds outside the range."""
    from tuilogs.core.ingest.times import seconds_of

    far, old = b"9999-12-31T23:59:59.000000+00:00", b"1900-01-01T00:00:00.000000+00:00"
    logplex = [far + b" app[web.1]: far", old + b" app[web.1]: old", stamp(T0).encode() + b" x"]
    mixed = [*logplex, b"2026-11-01T12:00:00Z app[web.1]: another shape"]
    for lines in (logplex, mixed):
        times = LineTimes(SECONDS).of_lines(lines)
        assert times.typecode == "I" and list(times[:3]) == [2**32 - 1, NO_TIME, T0]
    assert list(seconds_of(array("q", [-5, 10**17, 1_500_000]))) == [NO_TIME, 2**32 - 1, 1]
