"""Within one sidebar dimension an exclude always wins, whatever was set before it.

`web` included and `web.1` excluded shows web.2 but never web.1, in either order of clicks; a
reference written from the rule (README: "anything excluded never shows") checks every mix.
"""

from hypothesis import example, given
from hypothesis import strategies as st

from tuilogs.core.buffer import Origin
from tuilogs.core.filters import EXCLUDE, INCLUDE, OriginFilter
from tuilogs.core.record import dyno_matches

DYNOS = ["web.1", "web.2", "web.10", "worker.1", "run.1234", "router", "web-123-456", ""]
ENTRIES = ["web", "web.1", "web.10", "worker", "run", "router", "web-123-456", "api"]


def origin(dyno: str, source: str = "app") -> Origin:
    return Origin(1, source, dyno)


def test_exclude_set_after_an_include_wins():
    f = OriginFilter()
    f.set("dyno", "web", INCLUDE)
    f.set("dyno", "web.1", EXCLUDE)
    assert not f.allows(origin("web.1"))
    assert f.allows(origin("web.2"))
    assert not f.allows(origin("worker.1"))  # not included


def test_exclude_set_before_an_include_wins():
    f = OriginFilter()
    f.set("dyno", "web.1", EXCLUDE)
    f.set("dyno", "web", INCLUDE)
    assert not f.allows(origin("web.1"))
    assert f.allows(origin("web.2"))


def test_source_exclude_beats_its_own_include_in_either_order():
    for first, second in ((INCLUDE, EXCLUDE), (EXCLUDE, INCLUDE)):
        f = OriginFilter()
        f.set("source", "heroku", INCLUDE)
        f.set("source", "app", first)
        f.set("source", "app", second)
        assert f.allows(origin("web.1")) is (second == INCLUDE)
        assert f.allows(origin("router", "heroku"))


def reference(table: dict[str, str], dyno: str) -> bool:
    hits = {name: bool(dyno) and dyno_matches(dyno, name) for name in table}
    if any(hits[n] for n, s in table.items() if s == EXCLUDE):
        return False
    includes = [n for n, s in table.items() if s == INCLUDE]
    return not includes or any(hits[n] for n in includes)


states = st.sampled_from([INCLUDE, EXCLUDE])


@given(st.lists(st.tuples(st.sampled_from(ENTRIES), states), max_size=6))
@example([("web", INCLUDE), ("web.1", EXCLUDE)])
@example([("web.1", EXCLUDE), ("web", INCLUDE)])
@example([("web", INCLUDE), ("web", EXCLUDE)])
def test_any_order_of_clicks_follows_the_rule(clicks):
    f = OriginFilter()
    for name, state in clicks:
        f.set("dyno", name, state)
    for dyno in DYNOS:
        assert f.allows(origin(dyno)) == reference(f.dynos, dyno), (clicks, dyno)
