"""The buffer and its producers: files (tail first), growth, truncation, rotation, pipes."""

import os
import time
from array import array

from hypothesis import given, settings
from hypothesis import strategies as st

from tuilogs.core.buffer import LogBuffer, OriginTable, parse_block
from tuilogs.core.ingest.feed import Feed
from tuilogs.core.ingest.producers import PipeReader
from tuilogs.core.ingest.times import SECONDS, LineTimes
from tuilogs.core.record import decode, parse_line
from tuilogs.core.status import State

from kit.files import load
from kit.waiting import wait_until


def lines_of(buffer):
    return [buffer.raw(i) for i in range(len(buffer))]


def test_sample_is_indexed_line_for_line(sample, sample_path):
    expected = sample_path.read_bytes().split(b"\n")[:-1]
    assert lines_of(sample) == expected
    assert sum(sample.counts.values()) == len(expected)
    labels = {o.label for o in sample.origins.origins}
    assert {"heroku[router]", "app[web.1]", "app[run.1234]", "app[web-123-456]"} <= labels


def test_tail_is_shown_first_and_head_prepended(tmp_path):
    path = tmp_path / "big.log"
    lines = [f"2026-01-01T00:00:00+00:00 app[web.{i % 3}]: line {i}".encode() for i in range(5000)]
    path.write_bytes(b"\n".join(lines) + b"\n")
    buffer, feed, _ = load(path, tail_bytes=4096)
    assert lines_of(buffer) == lines
    assert buffer.epoch == 1  # one prepend happened
    assert buffer.counts[buffer.origins.id_for("app", "web.1")] == sum(
        1 for i in range(5000) if i % 3 == 1
    )


def test_origin_ids_take_one_byte_a_line_until_a_257th_origin(tmp_path):
    """Lines keep their origin in one byte while there are at most 256 origins; a 257th
    widens the column to two bytes, whichever way its lines arrive (appended, a small page in
    front, a head bigger than the buffer), and every line keeps its own origin."""

    def block(dynos, first):
        text = "".join(f"2026-01-01T00:00:00+00:00 app[d.{d}]: line {first + i}\n"
                       for i, d in enumerate(dynos))  # fmt: skip
        return text.encode()

    data_a = block(range(200), 0)  # ids 1..200: one byte
    data_b = block(range(200, 300), 200)  # ids 201..300: two bytes, a page in front
    data_c = block(range(300, 301), 300)  # appended after the widening
    path = tmp_path / "ids.log"
    path.write_bytes(data_b + data_a + data_c)
    buffer = LogBuffer()
    fd = os.open(path, os.O_RDONLY)
    try:
        buffer.add_segment(0, 0, fd)
        buffer.apply(parse_block(data_a, len(data_b), buffer.origins))
        assert buffer.keys.typecode == "B"
        page = parse_block(data_b, 0, buffer.origins)
        page.kind = "prepend"
        assert page.keys.typecode == "H" and len(page.ends) < len(buffer)
        buffer.apply(page)
        assert buffer.keys.typecode == "H"
        buffer.apply(parse_block(data_c, len(data_b) + len(data_a), buffer.origins))
        dynos = [buffer.origin(i).dyno for i in range(len(buffer))]
        assert dynos == [f"d.{d}" for d in [*range(200, 300), *range(200), 300]]
        # A head of new origins bigger than a one-byte buffer becomes the buffer, widened.
        small = LogBuffer(buffer.origins)
        small.add_segment(0, 0, fd)
        small.apply(parse_block(data_a[: data_a.index(b"\n") + 1], len(data_b), small.origins))
        small.keys = array("B", small.keys)  # as a buffer of few origins holds them
        head = parse_block(data_b, 0, small.origins)
        head.kind = "prepend"
        small.apply(head)
        assert [small.origin(i).dyno for i in range(len(small))] == [
            *(f"d.{d}" for d in range(200, 300)),
            "d.0",
        ]
    finally:
        os.close(fd)


def test_a_head_bigger_than_the_tail_becomes_the_buffer_without_a_copy(tmp_path):
    lines = [
        f"2026-01-01T00:00:{i % 60:02}+00:00 app[web.{i % 3}]: line {i}".encode()
        for i in range(900)
    ]
    data = b"\n".join(lines) + b"\n"
    cut = data.index(b"\n", len(data) - 500) + 1
    path = tmp_path / "app.log"
    path.write_bytes(data)
    buffer = LogBuffer()
    fd = os.open(path, os.O_RDONLY)
    buffer.add_segment(0, 0, fd)
    buffer.apply(parse_block(data[cut:], cut, buffer.origins))
    head = parse_block(data[:cut], 0, buffer.origins)
    head.kind = "prepend"
    columns = (head.ends, head.keys, head.times)
    assert buffer.apply(head) == data[:cut].count(b"\n")
    # The head's columns are the buffer's now (two copies of 5,000,000 lines' columns at
    # once were the peak of memory), the tail's lines appended to them.
    assert (buffer.bounds, buffer.keys, buffer.times) == columns
    assert all(
        a is b for a, b in zip((buffer.bounds, buffer.keys, buffer.times), columns, strict=True)
    )
    assert lines_of(buffer) == lines
    assert list(buffer.times) == list(LineTimes(SECONDS).of_lines(lines))
    assert buffer.longest == max(len(line) + 1 for line in lines)
    assert buffer.epoch == 1 and buffer.prepended == len(lines) - len(data[cut:].splitlines())
    os.close(fd)


def test_last_line_without_newline_is_kept(tmp_path):
    path = tmp_path / "a.log"
    path.write_bytes(b"first\nsecond without newline")
    buffer, _, _ = load(path)
    assert lines_of(buffer) == [b"first", b"second without newline"]


def _wait(buffer, feed, n, timeout=5.0):
    deadline = time.monotonic() + timeout
    while len(buffer) < n and time.monotonic() < deadline:
        feed.drain(buffer)
        time.sleep(0.01)
    feed.drain(buffer)


def test_follows_growth_truncation_and_rotation(tmp_path):
    path = tmp_path / "app.log"
    path.write_bytes(b"one\ntwo\n")
    buffer, feed, producer = load(path, follow=True)
    try:
        with open(path, "ab") as f:
            f.write(b"three\n")
        _wait(buffer, feed, 3)
        assert lines_of(buffer) == [b"one", b"two", b"three"]

        os.rename(path, tmp_path / "app.log.1")
        path.write_bytes(b"four\n")
        _wait(buffer, feed, 4)
        assert lines_of(buffer) == [b"one", b"two", b"three", b"four"]
        assert any("rotated" in n for n in buffer.notes)

        with open(path, "r+b") as f:
            f.truncate(0)
        # Appending before the follower saw the file empty could hide the truncation.
        wait_until(lambda: feed.drain(buffer) >= 0 and any("truncated" in n for n in buffer.notes))
        with open(path, "ab") as f:
            f.write(b"fresh\n")
        # No copy of "four" beside it (app.log.1 is the older file): a marker, then the new.
        marker = "── app.log was truncated here: its earlier lines are gone ──".encode()
        deadline = time.monotonic() + 5
        while lines_of(buffer) != [marker, b"fresh"] and time.monotonic() < deadline:
            feed.drain(buffer)
            time.sleep(0.01)
        assert lines_of(buffer) == [marker, b"fresh"]
        assert any("truncated" in n for n in buffer.notes)
    finally:
        producer.stop()


def test_pipe_reader_spools_and_keeps_the_last_partial_line():
    r, w = os.pipe()
    buffer, feed = LogBuffer(), Feed()
    reader = PipeReader(r, feed, buffer.origins).start()
    os.write(w, b"2026-01-01T00:00:00+00:00 app[web.1]: a\nb\xff\xfe")
    os.write(w, b"c\nno newline")
    os.close(w)
    reader.join(5)
    feed.drain(buffer)
    assert lines_of(buffer) == [
        b"2026-01-01T00:00:00+00:00 app[web.1]: a",
        b"b\xff\xfec",
        b"no newline",
    ]
    assert buffer.record(1).message == "b\ufffd\ufffdc"
    assert feed.status.state is State.ENDED


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_index_into_lines_without_error(data):
    block = data if data.endswith(b"\n") else data + b"\n"
    batch = parse_block(block, 0, OriginTable())
    assert len(batch.ends) == len(batch.keys) == block.count(b"\n")
    assert batch.ends[-1] == len(block)


_HEADERISH = st.builds(
    "{}-01-01T00:00:0{}{} {}[{}]:{}{}".format,
    st.sampled_from(["2026", "20x6", "٢٠٢٦"]),
    st.integers(0, 9),
    st.sampled_from(["", ".5Z", "+00:00", "\u00a0x"]),
    st.text("aphe-.[ \x1c", max_size=6),
    st.text("web.1-] \x1c\x85\u00a0é", max_size=6),
    st.sampled_from(["", " "]),
    st.text(max_size=10).map(lambda t: t.replace("\n", "")),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_HEADERISH, min_size=1, max_size=5))
def test_origin_counts_name_what_records_parse(lines):
    """The buffer counts origins over bytes; each count names the parsed record's origin."""
    block = "".join(line + "\n" for line in lines).encode()
    origins = OriginTable()
    batch = parse_block(block, 0, origins)
    for raw, key in zip(block.split(b"\n"), batch.keys, strict=False):
        record = parse_line(decode(raw))
        origin = origins.origins[key]
        assert (origin.source, origin.dyno) == (record.source, record.dyno), raw


def test_history_pages_prepended_together_or_apart_read_the_same():
    from tuilogs.core.ingest.spool import LIVE_BASE, HistorySpool, Spool

    def build(drain_each: bool):
        buffer, feed = LogBuffer(), Feed()
        live = Spool(feed, buffer.origins, base=LIVE_BASE)
        history = HistorySpool(feed, buffer.origins)
        live.write(b"2026-01-01T00:00:09+00:00 app[web.1]: live\n")
        for page in range(3, 0, -1):  # newest page first, as a history loader sends them
            history.prepend(
                b"".join(
                    f"2026-01-01T00:00:0{page}+00:00 app[web.{i}]: page {page} line {i}\n".encode()
                    for i in range(3)
                )
            )
            if drain_each:
                feed.drain(buffer)
        feed.drain(buffer)
        return buffer

    apart, together = build(True), build(False)
    assert lines_of(apart) == lines_of(together)
    assert lines_of(together)[0].endswith(b"page 1 line 0")
    assert lines_of(together)[-1].endswith(b"live")
    assert len(together) == 10 and together.prepended == 9
