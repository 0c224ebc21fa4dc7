"""Source and dyno filters: Heroku's semantics, evaluated per origin."""

from tuilogs.core.buffer import Origin
from tuilogs.core.filters import EXCLUDE, INCLUDE, OriginFilter, select_lines


def origins():
    names = [
        ("app", "web.1"),
        ("app", "web.10"),
        ("app", "web.2"),
        ("heroku", "router"),
        ("app", "worker.1"),
        ("heroku", "web.1"),
    ]
    return [Origin(0, "", "")] + [Origin(i + 1, s, d) for i, (s, d) in enumerate(names)]


def shown(f):
    return [o.label for o in origins() if f.allows(o)]


def test_nothing_set_shows_everything():
    assert len(shown(OriginFilter())) == 7


def test_only_process_type_matches_all_its_dynos():
    f = OriginFilter()
    f.only("dyno", "web")
    assert shown(f) == ["app[web.1]", "app[web.10]", "app[web.2]", "heroku[web.1]"]


def test_dyno_name_does_not_match_longer_numbers():
    f = OriginFilter()
    f.only("dyno", "web.1")
    assert shown(f) == ["app[web.1]", "heroku[web.1]"]


def test_exclude_and_include_combine_across_dimensions():
    f = OriginFilter()
    f.set("source", "app", INCLUDE)
    f.set("dyno", "web.10", EXCLUDE)
    assert shown(f) == ["app[web.1]", "app[web.2]", "app[worker.1]"]
    f.toggle_exclude("dyno", "web.10")
    assert "app[web.10]" in shown(f)
    assert f.describe() == "source:app"


def test_select_lines_uses_the_mask():
    from array import array

    keys = array("H", [1, 2, 3, 4, 1, 0])
    f = OriginFilter()
    f.only("dyno", "web.1")
    assert list(select_lines(keys, f.mask(origins()))) == [0, 4]
