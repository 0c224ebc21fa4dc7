"""Line offsets take 4 bytes while they fit and widen to 8, without losing a line, when a
later batch needs more (a spool's or a merged view's offsets start at 2**40)."""

from __future__ import annotations

from array import array

from tuilogs.core.buffer import OFFSET_LIMIT, Batch, LogBuffer, joined_offsets, offsets

BIG = OFFSET_LIMIT + 100


def test_offsets_are_four_bytes_below_the_limit_and_eight_from_it():
    assert offsets(OFFSET_LIMIT - 1).typecode == "I"
    assert offsets(OFFSET_LIMIT).typecode == "Q"


def test_joined_offsets_widens_when_the_second_needs_it():
    small = array("I", [1, 2])
    joined = joined_offsets(small, array("Q", [BIG, BIG + 1]))
    assert joined.typecode == "Q" and list(joined) == [1, 2, BIG, BIG + 1]


def test_joined_offsets_keeps_four_bytes_for_small_eight_byte_input():
    small = array("I", [1])
    joined = joined_offsets(small, array("Q", [5, 9]))
    assert joined is small and joined.typecode == "I" and list(joined) == [1, 5, 9]


def test_joined_offsets_takes_small_offsets_into_a_wide_array():
    wide = array("Q", [BIG])
    assert list(joined_offsets(wide, array("I", [7]))) == [BIG, 7]


def _append(start: int, ends: list[int], code: str) -> Batch:
    return Batch("append", array(code, ends), array("H", [0] * len(ends)), start=start)


def test_a_buffer_widens_its_bounds_when_a_batch_goes_past_four_gib():
    buffer = LogBuffer()
    buffer.apply(_append(0, [10, 20], "I"))
    assert buffer.bounds.typecode == "I"
    buffer.apply(_append(20, [BIG], "Q"))
    assert buffer.bounds.typecode == "Q"
    assert list(buffer.bounds) == [0, 10, 20, BIG] and len(buffer) == 3


def test_a_buffer_that_starts_past_four_gib_has_wide_bounds():
    buffer = LogBuffer()
    buffer.apply(_append(BIG, [BIG + 5], "Q"))
    assert buffer.bounds.typecode == "Q" and list(buffer.bounds) == [BIG, BIG + 5]


def test_a_small_prepend_in_front_of_wide_bounds():
    buffer = LogBuffer()
    buffer.apply(_append(BIG, [BIG + 5, BIG + 9], "Q"))
    prepend = Batch("prepend", array("I", [3]), array("H", [0]), start=0)
    buffer.apply(prepend)
    assert list(buffer.bounds) == [0, 3, BIG + 5, BIG + 9]


def test_a_large_prepend_of_small_offsets_before_wide_ones():
    buffer = LogBuffer()
    buffer.apply(_append(BIG, [BIG + 5], "Q"))
    prepend = Batch("prepend", array("I", [3, 6, 9]), array("H", [0, 0, 0]), start=0)
    buffer.apply(prepend)
    assert list(buffer.bounds) == [0, 3, 6, 9, BIG + 5] and len(buffer) == 4
