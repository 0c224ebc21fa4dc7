"""`PathTimes` keeps every request, only smaller: its answers equal a plain pair count's."""

from __future__ import annotations

from collections import Counter

from hypothesis import example, given
from hypothesis import strategies as st

from tuilogs.core import path_times
from tuilogs.core.path_times import PathTimes

PATHS = st.sampled_from([b'"/"', b'"/health"', b"/api/v1/users/1", b"/a b", b""])
SERVICES = st.sampled_from([b"0", b"1", b"12", b"499", b"30000", b"", b"7x"])
PAIRS = st.lists(st.tuples(PATHS, SERVICES), max_size=400)


def expected_times(pairs: list[tuple[bytes, bytes]], path: bytes) -> list[tuple[int, int]]:
    counted = Counter(int(s) for p, s in pairs if p == path and s.isdigit())
    return sorted(counted.items())


@given(PAIRS, st.integers(1, 6))
@example([(b"/x", b"5")] * 300 + [(b"/x", b"")], 2)  # crosses MANY, then a time that is no number
def test_answers_equal_a_plain_count(pairs, blocks):
    times = PathTimes()
    size = len(pairs) // blocks + 1
    for at in range(0, len(pairs), size):
        times.add(pairs[at : at + size])
    assert dict(times.requests()) == Counter(p for p, _ in pairs)
    for path in {p for p, _ in pairs}:
        assert times.times(path) == expected_times(pairs, path)


def test_a_busy_path_moves_to_a_counter_and_keeps_counting(monkeypatch):
    monkeypatch.setattr(path_times, "FOLD_PAIRS", 2)  # fold after every second distinct pair
    times = PathTimes()
    for ms in range(path_times.MANY + 10):
        times.add([(b"/busy", str(ms % 7).encode())] + [(b"/rare", b"3")] * (ms < 3))
    times.fold()
    assert b"/busy" in times._many and b"/rare" not in times._many  # the compact forms
    assert dict(times.requests()) == {b"/busy": path_times.MANY + 10, b"/rare": 3}
    busy = dict(times.times(b"/busy"))
    assert sum(busy.values()) == path_times.MANY + 10 and set(busy) == set(range(7))


def test_add_one_is_counted_like_add():
    one, many = PathTimes(), PathTimes()
    one.add_one(b"/p", b"10")
    one.add_one(b"/p", b"10")
    many.add([(b"/p", b"10")] * 2)
    assert list(one.requests()) == list(many.requests()) == [(b"/p", 2)]
    assert one.times(b"/p") == [(10, 2)]


def test_a_service_time_beyond_four_bytes_is_kept_as_the_longest():
    """`service=99999999999ms` (hostile, or a broken router) once raised OverflowError in the
    packed form and stopped the stats count; it is kept as the longest time instead."""
    times = PathTimes()
    times.add([(b"/x", b"99999999999"), (b"/x", b"12")])
    assert times.times(b"/x") == [(12, 1), (2**31 - 1, 1)]
    assert dict(times.requests()) == {b"/x": 2}
