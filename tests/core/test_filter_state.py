"""The sidebar's filter state: what each action does to it, how it describes itself in the
header, and the version the explorer uses to know its visible lines are stale."""

from array import array

from tuilogs.core.buffer import Origin
from tuilogs.core.filters import EXCLUDE, INCLUDE, OriginFilter, select_from, select_lines

ORIGINS = [Origin(0, "", ""), Origin(1, "app", "web.1"), Origin(2, "heroku", "router")]


def test_every_change_gives_a_new_version():
    f = OriginFilter()
    seen = [f.version]
    f.set("source", "app", INCLUDE)
    seen.append(f.version)
    f.set("source", "app", None)
    seen.append(f.version)
    f.set("source", "app", None)  # clearing what is not set is harmless, and still a change
    seen.append(f.version)
    f.toggle_exclude("dyno", "web")
    seen.append(f.version)
    f.only("dyno", "router")
    seen.append(f.version)
    f.clear()
    seen.append(f.version)
    assert len(set(seen)) == len(seen) and seen == sorted(seen)


def test_sources_and_dynos_are_separate_tables():
    f = OriginFilter()
    f.set("source", "web", EXCLUDE)
    assert f.state("source", "web") == EXCLUDE and f.state("dyno", "web") is None
    f.toggle_exclude("source", "app")
    assert f.sources == {"web": EXCLUDE, "app": EXCLUDE} and f.dynos == {}
    f.toggle_exclude("source", "app")
    assert f.sources == {"web": EXCLUDE}
    f.only("source", "heroku")
    assert f.sources == {"heroku": INCLUDE} and f.dynos == {}
    f.set("dyno", "web", EXCLUDE)
    f.only("dyno", "router")
    assert f.dynos == {"router": INCLUDE} and f.sources == {"heroku": INCLUDE}
    f.clear()
    assert not f.active and f.sources == {} and f.dynos == {}


def test_toggle_exclude_turns_an_include_into_an_exclude():
    f = OriginFilter()
    f.set("dyno", "web", INCLUDE)
    f.toggle_exclude("dyno", "web")
    assert f.state("dyno", "web") == EXCLUDE


def test_describe_says_what_is_included_and_excluded():
    f = OriginFilter()
    f.set("source", "app", INCLUDE)
    f.set("dyno", "web.1", EXCLUDE)
    f.set("dyno", "worker", INCLUDE)
    assert f.describe() == "source:app -dyno:web.1 dyno:worker"
    assert OriginFilter().describe() == ""


def test_mask_has_one_flag_byte_per_origin():
    f = OriginFilter()
    f.only("source", "heroku")
    assert f.mask(ORIGINS) == b"\x00\x00\x01"
    assert OriginFilter().mask(ORIGINS) == b"\x01\x01\x01"


def test_select_lines_and_select_from_keep_the_allowed_lines_in_range():
    keys = array("H", [1, 2, 1, 0, 2, 1])
    mask = bytes([0, 1, 0])  # only origin 1
    assert list(select_lines(keys, mask)) == [0, 2, 5]
    assert list(select_lines(keys, mask, 1)) == [2, 5]
    assert list(select_lines(keys, mask, 1, 4)) == [2]
    assert list(select_lines(keys, mask, 3, 3)) == []
    assert list(select_from(array("I", [1, 2, 4, 5]), keys, mask)) == [2, 5]
    assert select_from(array("I", [5]), keys, mask).typecode == "I"
