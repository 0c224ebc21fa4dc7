"""The builds client against the real router: what `tuilogs build` records is read back the way
Heroku's builds are (paged newest first, a running build's output followed to its end)."""

from __future__ import annotations

import threading

import pytest

from tuilogs.platform.build_output import OutputFollower
from tuilogs.platform.builds import (
    BuildNotFound,
    builds_page,
    find_build,
    finish_build,
    list_builds,
    newest_first,
    record_build,
    release_versions,
    send_output,
)
from tuilogs.platform.errors import InvalidRequest

from kit.waiting import wait_until

APP = "myapp"


def test_recorded_builds_page_newest_first(pclient):
    ids = [record_build(pclient, APP, user=f"u{i}@host").id for i in range(5)]
    assert [b.id for b in list_builds(pclient, APP)] == ids[::-1]
    first = builds_page(pclient, APP, newest_first(2))
    second = builds_page(pclient, APP, first.next_range)
    third = builds_page(pclient, APP, second.next_range)
    assert [b.id for p in (first, second, third) for b in p.builds] == ids[::-1]
    assert third.next_range is None
    assert find_build(pclient, APP).id == ids[-1]
    assert find_build(pclient, APP, ids[2][:8]).id == ids[2]  # the short id the panel shows
    assert release_versions(pclient, APP) == {}  # the router makes no releases
    with pytest.raises(BuildNotFound):
        find_build(pclient, APP, "00000000-0000-0000-0000-000000000000")


def test_a_running_build_is_followed_to_its_failure(pclient):
    build = record_build(pclient, APP, user="ci@host", source_version="abc1234", description="make")
    send_output(pclient, APP, build.id, ["-----> Building"])
    got: list[str] = []
    follower = OutputFollower(pclient, APP, build)
    reader = threading.Thread(target=lambda: [got.extend(x) for x in follower.lines()])
    reader.start()
    try:
        wait_until(lambda: got == ["-----> Building"])
        send_output(pclient, APP, build.id, ["make: *** [all] Error 2"])
        wait_until(lambda: len(got) == 2)
        send_output(pclient, APP, build.id, [])  # a heartbeat adds nothing
        finished = finish_build(pclient, APP, build.id, "failed", 2)
        reader.join(10)
        assert not reader.is_alive()
    finally:
        follower.stop()
        reader.join(10)
    assert got == ["-----> Building", "make: *** [all] Error 2"]
    assert follower.build.failed and follower.build.exit_code == 2 == finished.exit_code
    assert (follower.build.source_version, follower.build.description) == ("abc1234", "make")


def test_a_build_ends_succeeded_or_failed(pclient):
    build = record_build(pclient, APP, user="me")
    with pytest.raises(InvalidRequest):
        finish_build(pclient, APP, build.id, "pending", None)
