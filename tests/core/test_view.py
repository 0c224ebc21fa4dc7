"""The explorer's state without a terminal: a find within a filter reads only the filter's
lines; a find over every line survives filter changes; stale scans are refused."""

from __future__ import annotations

from array import array

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tuilogs.core.filters import INCLUDE
from tuilogs.core.query import parse_query
from tuilogs.core.view import FILTER, FIND, ExplorerState

from kit.scans import run_scans


def test_a_find_within_a_filter_reads_only_the_filters_lines(sample):
    state = ExplorerState(sample)
    state.set_query(parse_query("status>=500"), FILTER)
    run_scans(state)
    shown = list(state.visible)
    state.set_query(parse_query("H12"), FIND)
    (job,) = run_scans(state)
    assert list(job.lines) == shown  # what the worker read: the shown lines only
    expected = [i for i in parse_query("H12").scan(sample) if i in shown]
    assert expected and list(state.hits) == expected
    assert state.filtering.query.text == "status>=500" and list(state.visible) == shown


def test_a_find_over_every_line_keeps_its_matches_when_a_filter_changes(sample):
    state = ExplorerState(sample)
    state.set_query(parse_query("timeout"), FIND)
    (job,) = run_scans(state)
    assert job.lines is None
    everywhere = list(state.finding.matches)
    state.filter.set("dyno", "router", INCLUDE)
    state.recompute()
    assert state.next_scan() is None  # no rescan: the hits are the matches shown
    assert list(state.hits) == [i for i in everywhere if sample.origin(i).dyno == "router"]
    state.filter.clear()
    state.recompute()
    assert list(state.hits) == everywhere


def test_a_scan_for_what_was_shown_before_is_refused(sample):
    state = ExplorerState(sample)
    state.set_query(parse_query("status>=500"), FILTER)
    run_scans(state)
    state.set_query(parse_query("GET"), FIND)
    job = state.next_scan()
    state.set_context(2)  # the shown lines changed: the find starts over
    found = job.query.scan_lines(sample, job.lines)
    assert not state.add_matches(found, job.lo, job.hi, state.epoch, job.query, job.run)
    (again,) = run_scans(state)
    assert list(again.lines) == list(state.visible)
    assert list(state.hits) == [i for i in parse_query("GET").scan(sample) if state.shows(i)]


def test_switching_the_filter_off_finds_over_every_line(sample):
    state = ExplorerState(sample)
    state.set_query(parse_query("code:H12"), FILTER)
    state.set_query(parse_query("POST"), FIND)
    run_scans(state)
    state.set_query(None, FILTER)
    (job,) = run_scans(state)
    assert job.lines is None
    assert list(state.hits) == list(parse_query("POST").scan(sample))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    chosen=st.sets(st.integers(0, 618), max_size=300),
    text=st.sampled_from(
        ["timeout", "status>=500 OR level:error", "-dyno:router", "/H1\\d/", "web"]
    ),
)
def test_searching_chosen_lines_equals_searching_all_then_choosing(sample, chosen, text):
    lines = array("I", sorted(chosen))
    query = parse_query(text)
    assert list(query.scan_lines(sample, lines)) == [i for i in query.scan(sample) if i in chosen]
