"""Several files in one view, merged by time: order, stability, clocks that go back, lines
without a time, a tail shown before its head, and lines that arrive while it is followed."""

from __future__ import annotations

import time
from itertools import accumulate

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tuilogs.core.buffer import LogBuffer
from tuilogs.core.ingest.feed import Feed
from tuilogs.core.ingest.merge import Merger, summary
from tuilogs.core.ingest.merge_lines import running_max
from tuilogs.core.ingest.targets import expand, log_files, stream_names
from tuilogs.core.ingest.times import SECONDS, LineTimes
from tuilogs.core.status import State, Status

from kit.merged import expected_merge, file_spec, lines_of, merged, merged_files, wait


def line(second: float, dyno: str, text: str, source: str = "app") -> bytes:
    whole, frac = divmod(round(second * 1_000_000), 1_000_000)
    stamp = f"2026-11-29T10:{whole // 60:02d}:{whole % 60:02d}.{frac:06d}+00:00"
    return f"{stamp} {source}[{dyno}]: {text}".encode()


def write(path, lines: list[bytes]):
    path.write_bytes(b"".join(x + b"\n" for x in lines))
    return path


def test_two_files_interleave_by_time(tmp_path):
    a = write(tmp_path / "a.log", [line(s, "web.1", f"a{s}") for s in (1, 3, 5, 7)])
    b = write(tmp_path / "b.log", [line(s, "worker.1", f"b{s}") for s in (2, 4, 6)])
    buffer, _, merger = merged_files([a, b])
    texts = [x.rsplit(b" ", 1)[1] for x in lines_of(buffer)]
    assert texts == [b"a1", b"b2", b"a3", b"b4", b"a5", b"b6", b"a7"]
    merger.stop()


def test_equal_times_keep_the_order_of_the_streams_then_their_own(tmp_path):
    a = write(tmp_path / "a.log", [line(1, "web.1", "a-first"), line(1, "web.1", "a-second")])
    b = write(tmp_path / "b.log", [line(1, "web.2", "b-first"), line(1, "web.2", "b-second")])
    buffer, _, merger = merged_files([b, a])  # b given first: b's lines first
    assert [x.rsplit(b" ", 1)[1] for x in lines_of(buffer)] == [
        b"b-first",
        b"b-second",
        b"a-first",
        b"a-second",
    ]
    merger.stop()


def test_a_clock_that_goes_back_never_reorders_its_own_stream(tmp_path):
    """Dynos' clocks disagree: web.2's line at 2.5 came after web.1's at 4 in its stream. The
    merge keeps each stream's order; the late line sorts as if stamped 4 (the latest before)."""
    a = write(
        tmp_path / "a.log",
        [line(1, "web.1", "a1"), line(4, "web.1", "a4"), line(2.5, "web.2", "a2.5")],
    )
    b = write(tmp_path / "b.log", [line(3, "run.1", "b3"), line(4.5, "run.1", "b4.5")])
    buffer, _, merger = merged_files([a, b])
    texts = [x.rsplit(b" ", 1)[1] for x in lines_of(buffer)]
    assert texts == [b"a1", b"b3", b"a4", b"a2.5", b"b4.5"]
    merger.stop()


def test_lines_without_a_time_stay_after_the_line_before_them(tmp_path):
    a = write(
        tmp_path / "a.log",
        [
            b"a banner with no time",
            line(1, "web.1", "Traceback (most recent call last):"),
            b'  File "app.py", line 3',
            b"ZeroDivisionError",
            line(5, "web.1", "a5"),
        ],
    )
    b = write(tmp_path / "b.log", [line(0.5, "run.1", "b0.5"), line(2, "run.1", "b2")])
    buffer, _, merger = merged_files([a, b])
    assert lines_of(buffer) == [
        b"a banner with no time",
        line(0.5, "run.1", "b0.5"),
        line(1, "web.1", "Traceback (most recent call last):"),
        b'  File "app.py", line 3',
        b"ZeroDivisionError",
        line(2, "run.1", "b2"),
        line(5, "web.1", "a5"),
    ]
    merger.stop()


def test_the_tails_come_first_and_the_heads_in_front_of_them(tmp_path):
    """Big files show their last lines at once; their heads, read by the merge, go in front
    in one piece: the same lines in the same order as reading everything at once."""
    a_lines = [line(i * 0.003, f"web.{i % 3}", f"a line {i}") for i in range(4000)]
    b_lines = [line(i * 0.005 + 0.001, "worker.1", f"b line {i}") for i in range(3000)]
    a, b = write(tmp_path / "a.log", a_lines), write(tmp_path / "b.log", b_lines)
    specs = [file_spec(a, tail_bytes=8192), file_spec(b, tail_bytes=4096)]
    buffer, feed, merger = merged(specs, painted=False)
    assert lines_of(buffer) == expected_merge([a_lines, b_lines])
    assert buffer.epoch == 1  # the first screen, then one prepend
    assert list(buffer.times) == [LineTimes(SECONDS).of_line(x) for x in lines_of(buffer)]
    assert feed.status.state is State.LOADED and not feed.head_pending
    merger.stop()


def test_the_first_screen_is_only_the_tails(tmp_path):
    a_lines = [line(i * 0.003, "web.1", f"a line {i}") for i in range(3000)]
    b_lines = [line(i * 0.003 + 0.001, "web.2", f"b line {i}") for i in range(3000)]
    a, b = write(tmp_path / "a.log", a_lines), write(tmp_path / "b.log", b_lines)
    buffer, feed = LogBuffer(timed=True), Feed()  # never painted: the heads wait a moment
    specs = [file_spec(a, tail_bytes=4096), file_spec(b, tail_bytes=4096)]
    merger = Merger(feed, buffer.origins, specs).start()
    wait(feed, buffer, lambda: merger.started)
    first = lines_of(buffer)
    assert 0 < len(first) < 200  # two 4 KB tails, not 6,000 lines
    assert first == expected_merge([a_lines, b_lines])[-len(first) :]
    assert feed.head_pending
    wait(feed, buffer, merger.loaded.is_set)
    assert lines_of(buffer) == expected_merge([a_lines, b_lines])
    merger.stop()


SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
TIMES = st.lists(st.one_of(st.integers(0, 50), st.none()), max_size=60)


def _streams(root, seconds_per_stream, tail):
    contents, specs = [], []
    for s, seconds in enumerate(seconds_per_stream):
        lines = [
            b"no time %d.%d" % (s, i) if t is None else line(t, f"web.{s}", f"{s}.{i}")
            for i, t in enumerate(seconds)
        ]
        contents.append(lines)
        specs.append(file_spec(write(root / f"{s}.log", lines), tail_bytes=tail))
    return contents, specs


@SETTINGS
@given(st.lists(TIMES, min_size=1, max_size=3))
def test_any_times_merge_as_promised(tmp_path_factory, streams):
    """Whatever the times: equal, going back, missing."""
    contents, specs = _streams(tmp_path_factory.mktemp("m"), streams, tail=1 << 20)
    buffer, _, merger = merged(specs)
    assert lines_of(buffer) == expected_merge(contents)
    merger.stop()


def _in_order(times: list[int | None]) -> list[int | None]:
    """The times, each at least the one before (missing ones stay missing)."""
    latest = 0
    out: list[int | None] = []
    for t in times:
        if t is not None:
            latest = max(latest, t)
        out.append(None if t is None else latest)
    return out


@SETTINGS
@given(st.lists(TIMES, min_size=1, max_size=3), st.integers(100, 3000))
@example([[0, None, None, None, None, None]], 100)  # a tail of untimed lines: its head first
def test_tails_and_heads_merge_as_promised(tmp_path_factory, streams, tail):
    """Wherever each file's tail starts, with times in order (equal ones too) or missing.
    (A time that goes back across that boundary sorts as if its stream began at its tail:
    the first screen cannot wait for the head to be read.)"""
    ordered = [_in_order(ts) for ts in streams]
    contents, specs = _streams(tmp_path_factory.mktemp("m"), ordered, tail)
    buffer, _, merger = merged(specs)
    assert lines_of(buffer) == expected_merge(contents)
    merger.stop()


def test_followed_files_put_late_lines_at_the_end(tmp_path):
    """New lines are merged with those that came with them and put at the end, even one
    whose time is older than lines already shown: the view never reorders under the reader."""
    a = write(tmp_path / "a.log", [line(1, "web.1", "a1"), line(3, "web.1", "a3")])
    b = write(tmp_path / "b.log", [line(2, "run.1", "b2")])
    specs = [file_spec(a, follow=True), file_spec(b, follow=True)]
    buffer, feed, merger = merged(specs)
    assert len(buffer) == 3
    with open(b, "ab") as f:
        f.write(line(2.5, "run.1", "b2.5 came late") + b"\n")
    with open(a, "ab") as f:
        f.write(line(4, "web.1", "a4") + b"\n")
    wait(feed, buffer, lambda: len(buffer) == 5)
    tail = [x.rsplit(b": ", 1)[1] for x in lines_of(buffer)[3:]]
    assert sorted(tail) == [b"a4", b"b2.5 came late"]
    assert lines_of(buffer)[:3] == [
        line(1, "web.1", "a1"),
        line(2, "run.1", "b2"),
        line(3, "web.1", "a3"),
    ]
    assert feed.status.state is State.FOLLOWING
    merger.stop()


def test_a_truncated_file_says_so_and_keeps_what_was_shown(tmp_path):
    a = write(tmp_path / "a.log", [line(1, "web.1", "a1"), line(2, "web.1", "a2")])
    b = write(tmp_path / "b.log", [line(1.5, "run.1", "b1.5")])
    buffer, feed, merger = merged([file_spec(a, follow=True), file_spec(b, follow=True)])
    write(a, [line(9, "web.1", "after truncation")])
    wait(feed, buffer, lambda: len(buffer) == 5)
    shown = lines_of(buffer)
    # What was shown stays, a marker line marks the cut, the new content follows.
    assert shown[:3] == [line(1, "web.1", "a1"), line(1.5, "run.1", "b1.5"), line(2, "web.1", "a2")]
    assert b"a.log was truncated here" in shown[3]
    assert shown[4] == line(9, "web.1", "after truncation")
    assert any(n.startswith("a.log") and "truncated" in n for n in buffer.notes)
    merger.stop()


def test_each_line_names_its_stream(tmp_path):
    a = write(tmp_path / "a.log", [line(1, "web.1", "a1"), b"raw a"])
    b = write(tmp_path / "b.log", [line(2, "web.1", "b2")])
    buffer, _, merger = merged_files([a, b])
    names = [buffer.origin(i).stream for i in range(len(buffer))]
    assert names == ["a.log", "a.log", "b.log"]
    table = buffer.origins.stream_ids()  # the stream of every line, at C speed
    assert [buffer.origins.streams[table[k]] for k in buffer.keys] == names
    # One origin per (stream, source, dyno): the two web.1 are told apart by their stream.
    assert buffer.origin(0).id != buffer.origin(2).id
    merger.stop()


def test_a_directory_is_its_log_files_and_says_what_it_skipped(tmp_path):
    logs = tmp_path / "logs"
    (logs / "old").mkdir(parents=True)
    write(logs / "web.log", [line(1, "web.1", "x")])
    write(logs / "web.log.1", [line(0, "web.1", "y")])
    (logs / ".DS_Store").write_bytes(b"\x00\x01")
    (logs / "core.bin").write_bytes(b"ELF\x00\x00binary")
    (logs / "logs.zip").write_bytes(b"PK\x03\x04rest")
    files, skipped = log_files(logs)
    assert [f.name for f in files] == ["web.log", "web.log.1"]
    assert {s.path.name: s.why.split(" (")[0] for s in skipped} == {
        ".DS_Store": "hidden",
        "core.bin": "binary",
        "logs.zip": "a zip archive",
        "old": "a directory",
    }
    assert str(skipped[0]).startswith("skipped ")
    more, _ = expand([str(logs), str(logs / "web.log")])
    assert [f.name for f in more] == ["web.log", "web.log.1", "web.log"]


def test_files_are_named_by_their_name_unless_two_share_it(tmp_path):
    paths = [tmp_path / "a" / "app.log", tmp_path / "b" / "app.log", tmp_path / "c.log"]
    names = stream_names(paths)
    assert names[2] == "c.log" and names[0] != names[1] and names[0].endswith("app.log")


def test_one_status_for_several_streams():
    live, failed = Status(State.LIVE), Status(State.FAILED, "404 no such app")
    retry = Status(State.RECONNECTING, "connection refused", retry_at=time.monotonic() + 3)
    assert summary([("a", live), ("b", failed)]).state is State.LIVE
    assert summary([("a", live), ("b", retry)]) == Status(
        State.RECONNECTING, "b: connection refused", retry.retry_at
    )
    both = summary([("a", failed), ("b", Status(State.FAILED, "401"))])
    assert both.failed and both.detail == "a: 404 no such app; b: 401"


def test_a_stream_that_fails_is_told_and_the_others_shown(tmp_path):
    a = write(tmp_path / "a.log", [line(1, "web.1", "a1")])
    gone = tmp_path / "gone.log"
    buffer, feed, merger = merged([file_spec(a), file_spec(gone)])
    assert lines_of(buffer) == [line(1, "web.1", "a1")]
    assert not feed.status.failed
    assert any(n.startswith("gone.log: failed") for n in buffer.notes)
    merger.stop()


def test_running_max_is_the_sort_key():
    times = [5, 0, 3, 9, 2]
    assert list(running_max(times)) == list(accumulate(times, max)) == [5, 5, 5, 9, 9]
    assert list(running_max([1, 2], carry=4)) == [4, 4]


def test_a_single_file_can_be_timed_too(tmp_path):
    """Time navigation on one file: a timed table gives its buffer a time per line."""
    from tuilogs.core.buffer import OriginTable
    from tuilogs.core.ingest.producers import FileFollower

    lines = [line(i * 0.5, "web.1", f"x{i}") for i in range(3000)] + [b"raw"]
    path = write(tmp_path / "one.log", lines)
    buffer, feed = LogBuffer(OriginTable(timed=True)), Feed()
    feed.painted.set()
    follower = FileFollower(path, feed, buffer.origins, follow=False, tail_bytes=4096).start()
    wait(feed, buffer, lambda: len(buffer) == len(lines) and not feed.head_pending)
    assert list(buffer.times) == [LineTimes(SECONDS).of_line(x) for x in lines]
    assert buffer.times[-1] == 0  # the raw line: NO_TIME
    follower.stop()
