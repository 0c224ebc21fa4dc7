"""The store's build methods against their contracts in `store/builds.py`, on both stores
(`store_kind`; for PostgreSQL, `new_store()` again is another router's view of the database).
"""

from __future__ import annotations

import threading

import pytest

from tuilogs.server.store import MAX_BUILDS_PER_APP
from tuilogs.server.store import builds as builds_module

pytestmark = pytest.mark.stores("sqlite", "postgres")


@pytest.fixture
def store(new_store):
    return new_store()


@pytest.fixture
def still_clock(monkeypatch):
    monkeypatch.setattr(
        builds_module,
        "build_stamp",
        lambda when=None: (
            "2026-11-23T19:04:05.000000Z"
            if when is None
            else when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        ),
    )  # fmt: skip - a clock that stands still


def test_a_new_build_is_pending_and_makes_its_app(store):
    build = store.create_build("myapp", user="alice@host", source_version="abc", description="make")
    assert (build.status, build.user, build.lines, build.exit_code) == (
        "pending",
        "alice@host",
        0,
        None,
    )
    assert (build.source_version, build.description) == ("abc", "make")
    assert build.created_at == build.updated_at and build.created_at.endswith("Z")
    assert len(build.output_secret) >= 22 and len(build.id) == 36
    assert store.app("myapp") is not None
    assert store.build(build.id) == build
    assert store.build_by_secret(build.output_secret) == build
    assert store.build("nope") is None and store.build_by_secret("nope") is None


def test_created_at_is_unique_and_increasing_per_app(store, still_clock):
    stamps = [store.create_build("myapp", user="u").created_at for _ in range(5)]
    assert stamps == sorted(set(stamps)) and stamps[0] == "2026-11-23T19:04:05.000000Z"
    assert stamps[-1] == "2026-11-23T19:04:05.000004Z"
    assert store.create_build("other", user="u").created_at == "2026-11-23T19:04:05.000000Z"


def test_output_is_numbered_in_order_and_read_in_pieces(store):
    build = store.create_build("myapp", user="u")
    assert store.append_build_output(build.id, ["one", "two"]).lines == 2
    assert store.append_build_output(build.id, ["three", "four"]).lines == 4
    assert store.build_output(build.id) == ["one", "two", "three", "four"]
    assert store.build_output(build.id, after=1, limit=2) == ["two", "three"]
    assert store.build_output(build.id, after=1, max_bytes=1) == ["two"]  # at least one
    assert store.build_output(build.id, after=4) == []


def test_a_heartbeat_stores_nothing_but_says_the_build_runs(store):
    build = store.create_build("myapp", user="u")
    beat = store.append_build_output(build.id, [])
    assert beat.lines == 0 and beat.updated_at >= build.updated_at


def test_the_first_end_wins_and_an_ended_build_takes_no_output(store):
    build = store.create_build("myapp", user="u")
    store.append_build_output(build.id, ["ERROR: boom"])
    ended = store.finish_build(build.id, "failed", 2)
    assert (ended.status, ended.exit_code) == ("failed", 2)
    assert store.finish_build(build.id, "succeeded", 0) == ended
    assert store.append_build_output(build.id, ["late"]) == ended
    assert store.build_output(build.id) == ["ERROR: boom"]
    assert store.finish_build("nope", "failed", 1) is None
    assert store.append_build_output("nope", ["x"]) is None


def test_builds_page_newest_or_oldest_first_past_a_bound(store):
    ids = [store.create_build("myapp", user="u").id for _ in range(5)]
    store.create_build("other", user="u")
    newest = store.builds("myapp", limit=2)
    assert [b.id for b in newest] == ids[:-3:-1]
    assert [b.id for b in store.builds("myapp", beyond=newest[-1].created_at)] == ids[-3::-1]
    oldest = store.builds("myapp", newest_first=False, limit=3)
    assert [b.id for b in oldest] == ids[:3]
    rest = store.builds("myapp", newest_first=False, beyond=oldest[-1].created_at)
    assert [b.id for b in rest] == ids[3:]


def test_an_app_keeps_its_newest_builds(store, monkeypatch):
    assert MAX_BUILDS_PER_APP == 100
    monkeypatch.setattr(builds_module, "MAX_BUILDS_PER_APP", 3)
    ids = []
    for n in range(5):
        build = store.create_build("myapp", user="u")
        store.append_build_output(build.id, [f"line of {n}"])
        ids.append(build.id)
    assert [b.id for b in store.builds("myapp")] == ids[:-4:-1]
    assert store.build(ids[0]) is None and store.build_output(ids[0]) == []
    assert store.build_output(ids[4]) == ["line of 4"]


def test_build_output_counts_in_the_store_s_size(store):
    """Builds count towards `--retention-mb` with everything else (docs/api.md)."""
    before = store.used_bytes()
    build = store.create_build("myapp", user="u")
    store.append_build_output(build.id, [f"{n:05} " + "x" * 200 for n in range(3000)])
    assert store.used_bytes() >= before + 3000 * 200


def test_builds_survive_a_reopen(new_store):
    first = new_store()
    build = first.create_build("myapp", user="u")
    first.append_build_output(build.id, ["kept"])
    first.close()
    again = new_store()
    kept = again.build(build.id)
    assert (kept.status, kept.lines, kept.output_secret) == ("pending", 1, build.output_secret)
    assert again.build_output(build.id) == ["kept"]


def test_two_writers_at_once_keep_created_at_unique_and_output_numbered(new_store, still_clock):
    """Two routers (two stores, a thread each) making builds of one app while the clock stands
    still, then recording one build's output at once: no two builds share a `created_at`, and
    every line is stored once, numbered on from the other writer's."""
    stores = [new_store(), new_store()]
    made: list[str] = []
    errors: list[BaseException] = []

    def run(work) -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertions below
            errors.append(exc)

    def make(store) -> None:
        made.extend(store.create_build("myapp", user="u").created_at for _ in range(10))

    def record(store, build_id: str, tag: str) -> None:
        for n in range(20):
            store.append_build_output(build_id, [f"{tag}{n}a", f"{tag}{n}b"])

    _all_at_once([lambda s=s: run(lambda: make(s)) for s in stores])
    assert errors == [] and len(made) == len(set(made)) == 20
    build = stores[0].create_build("myapp", user="u")
    _all_at_once(
        [
            lambda s=s, t=t: run(lambda: record(s, build.id, t))
            for s, t in zip(stores, "xy", strict=True)
        ]
    )
    assert errors == []
    output = stores[1].build_output(build.id, limit=100)
    assert stores[0].build(build.id).lines == len(output) == 80
    assert sorted(output) == sorted(f"{t}{n}{p}" for t in "xy" for n in range(20) for p in "ab")
    for tag in "xy":  # each writer's lines in its order, each batch together
        mine = [line for line in output if line.startswith(tag)]
        assert mine == [f"{tag}{n}{p}" for n in range(20) for p in "ab"]
        assert all(output.index(f"{tag}{n}b") == output.index(f"{tag}{n}a") + 1 for n in range(20))


def _all_at_once(works) -> None:
    threads = [threading.Thread(target=w) for w in works]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
