"""Chosen lines read as runs and laid end to end: each line found where it is, named right."""

from __future__ import annotations

from array import array

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tuilogs.core.gather import gathered_chunks
from tuilogs.core.record import decode

from kit.files import load


def check(buffer, lines, size):
    seen = []
    for chunk in gathered_chunks(buffer, array("I", lines), size=size):
        pos = 0
        for line in chunk.lines:
            raw = buffer.raw(line)
            assert chunk.text(line) == decode(raw)
            assert chunk.data[pos : pos + len(raw)] == raw
            assert chunk.line_of(pos) == line and chunk.line_of(pos + len(raw)) == line
            pos += len(raw) + 1
            seen.append(line)
        assert pos == len(chunk.data)
        assert list(chunk.keys) == [buffer.keys[i] for i in chunk.lines]
    assert seen == sorted(lines)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    chosen=st.sets(st.integers(0, 618), max_size=200), size=st.sampled_from([1, 500, 5000, 1 << 20])
)
def test_chosen_lines_are_read_whole_and_named(sample, chosen, size):
    check(sample, sorted(chosen), size)


def test_a_last_line_without_its_newline(tmp_path):
    path = tmp_path / "a.log"
    path.write_bytes(b"first\nsecond\nthird without newline")
    buffer, _feed, producer = load(path)
    try:
        check(buffer, [0, 2], 1 << 20)
        check(buffer, [1, 2], 1 << 20)
    finally:
        producer.stop()
