"""Numeric and level comparisons in the search language at their boundary values.

`status>500` leaves 500 out and `status>=500` takes it in; `<` and `<=` likewise; the same for
levels (`level>warning` is error and critical). Lines sit exactly on, just below and just
above each bound, as logfmt and as JSON, so an off-by-one in any operator changes the result.
"""

import pytest

from tuilogs.core.query import parse_query

from kit.files import load

STATUSES = [499, 500, 501]
LEVELS = ["debug", "info", "notice", "warning", "error", "critical"]
TS = "2026-11-23T19:04:05.000001+00:00"


@pytest.fixture(scope="module")
def buffer(tmp_path_factory):
    lines = [f"{TS} heroku[router]: at=info status={s} service={s}ms" for s in STATUSES]
    lines += [f'{TS} app[web.1]: {{"status": {s}, "msg": "json"}}' for s in STATUSES]
    lines += [f"{TS} app[web.1]: level={lv} msg=hello" for lv in LEVELS]
    path = tmp_path_factory.mktemp("q") / "bounds.log"
    path.write_text("\n".join(lines) + "\n")
    buffer, _feed, producer = load(path)
    yield buffer
    producer.stop()


def statuses(buffer, query: str) -> list[int]:
    """The status values of the lines a query matches (logfmt lines first, then JSON)."""
    return [(STATUSES * 2)[i] for i in parse_query(query).scan(buffer) if i < 6]


@pytest.mark.parametrize(
    "query, shown",
    [
        ("status>500", [501]),
        ("status>=500", [500, 501]),
        ("status<500", [499]),
        ("status<=500", [499, 500]),
        ("status!=500", [499, 501]),
        ("status:500", [500]),
        ("status=500", [500]),
        ("status>499.5", [500, 501]),
        ("status<500.5", [499, 500]),
    ],
)
def test_comparisons_at_the_bound(buffer, query, shown):
    assert statuses(buffer, query) == shown * 2  # logfmt and JSON alike


@pytest.mark.parametrize("query, shown", [("service>500ms", [501]), ("service<=500", [499, 500])])
def test_units_are_ignored_at_the_bound(buffer, query, shown):
    assert statuses(buffer, query) == shown  # only the router lines have a service time


def levels(buffer, query: str) -> list[str]:
    return [LEVELS[i - 6] for i in parse_query(query).scan(buffer) if i >= 6]


@pytest.mark.parametrize(
    "query, shown",
    [
        ("level>warning", ["error", "critical"]),
        ("level>=warning", ["warning", "error", "critical"]),
        ("level<warning", ["debug", "info", "notice"]),
        ("level<=warning", ["debug", "info", "notice", "warning"]),
        ("level!=warning", ["debug", "info", "notice", "error", "critical"]),
        ("level:warning", ["warning"]),
        ("level>critical", []),
        ("level<debug", []),
    ],
)
def test_level_comparisons_at_the_bound(buffer, query, shown):
    assert levels(buffer, query) == shown
