"""Context lines around a filter's lines (grep -C), and the separators between groups."""

from __future__ import annotations

from array import array

from hypothesis import given
from hypothesis import strategies as st

from tuilogs.core.context import contains, expand, hidden_before
from tuilogs.core.filters import INCLUDE
from tuilogs.core.query import parse_query
from tuilogs.core.view import FILTER, ExplorerState

from kit.files import load


def brute(lines, n, total, after=-1):
    return sorted(
        {j for i in lines for j in range(i - n, i + n + 1) if 0 <= j < total and j > after}
    )


@given(
    total=st.integers(0, 80),
    data=st.data(),
    n=st.integers(0, 5),
)
def test_expand_is_every_line_within_n(total, data, n):
    lines = (
        sorted(data.draw(st.sets(st.integers(0, max(total - 1, 0)), max_size=20))) if total else []
    )
    after = data.draw(st.integers(-1, total))
    assert list(expand(array("I", lines), n, total, after)) == brute(lines, n, total, after)


def test_separators_count_the_lines_between_groups():
    visible = array("I", [3, 4, 5, 9, 10, 20])
    assert [hidden_before(visible, p) for p in range(len(visible))] == [0, 0, 0, 3, 0, 9]
    assert contains(visible, 9) and not contains(visible, 8)


def scanned(state: ExplorerState, query: str) -> None:
    """Apply a filter query and feed its matches as the worker would, in two halves."""
    q = parse_query(query)
    state.set_query(q, FILTER)
    half = len(state.buffer) // 2
    for lo, hi in ((0, half), (half, len(state.buffer))):
        job = state.next_scan()
        assert (job.lo, job.lines) == (lo, None)
        state.add_matches(q.scan(state.buffer, lo, hi), lo, hi, state.epoch, q, job.run)


def test_context_widens_a_filter_and_marks_what_is_context(sample):
    state = ExplorerState(sample)
    scanned(state, "code:H12")
    own = list(state.visible)
    assert own == list(parse_query("code:H12").scan(sample))
    state.set_context(2)
    assert list(state.visible) == brute(own, 2, len(sample))
    assert list(state.selected) == own
    for pos, line in enumerate(state.visible):
        assert state.is_context(line) == (line not in own)
        gap = state.hidden_before(pos)
        assert gap == (line - state.visible[pos - 1] - 1 if pos else 0)
    assert state.describe() == "code:H12 ±2"
    state.set_context(0)
    assert list(state.visible) == own and state.hidden_before(1) == 0


def test_context_grown_as_matches_arrive_equals_context_computed_at_once(sample):
    arriving = ExplorerState(sample)
    arriving.set_context(3)
    scanned(arriving, "status>=500")
    at_once = ExplorerState(sample)
    scanned(at_once, "status>=500")
    at_once.set_context(3)
    assert list(arriving.visible) == list(at_once.visible)
    assert list(arriving.selected) == list(at_once.selected)


def test_context_follows_lines_as_they_arrive(tmp_path):
    path = tmp_path / "live.log"
    line = "2026-01-01T00:00:00+00:00 app[{dyno}]: line {i}\n"
    dynos = ["web.1" if i % 7 == 0 else "worker.1" for i in range(60)]
    path.write_text("".join(line.format(dyno=d, i=i) for i, d in enumerate(dynos[:30])))
    buffer, feed, producer = load(path, follow=True)
    try:
        state = ExplorerState(buffer)
        state.filter.set("dyno", "web.1", INCLUDE)
        state.set_context(1)
        with open(path, "a") as f:
            f.write("".join(line.format(dyno=d, i=i) for i, d in enumerate(dynos[30:], 30)))
        before = len(buffer)
        while len(buffer) < 60:
            feed.drain(buffer)
        state.lines_added(before, len(buffer))
        grown = list(state.visible)
        state.recompute()
        assert grown == list(state.visible)
        assert grown == brute([i for i in range(60) if i % 7 == 0], 1, 60)
    finally:
        producer.stop()


def test_show_in_context_sets_the_filter_aside_and_back(sample):
    state = ExplorerState(sample)
    scanned(state, "code:H12")
    own = list(state.visible)
    state.set_suspended(True)
    assert state.visible is None and len(state) == len(sample)
    assert state.describe() == "code:H12 — off (z: back)"
    state.set_suspended(False)
    assert list(state.visible) == own
