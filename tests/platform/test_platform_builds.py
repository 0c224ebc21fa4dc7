"""The builds client and the output follower against a stand-in of Heroku's builds endpoints on
loopback (kit/heroku_builds.py): Range paging newest first, finding builds, a build whose
output is still being written, one that fails, dropped connections and late output."""

from __future__ import annotations

import threading

import pytest

from tuilogs.core.backoff import Backoff
from tuilogs.core.buffer import LogBuffer
from tuilogs.core.ingest.feed import Feed
from tuilogs.core.status import State
from tuilogs.platform.build_output import BuildOutput, OutputFollower, OutputGone
from tuilogs.platform.builds import (
    Build,
    BuildNotFound,
    builds_page,
    find_build,
    get_build,
    list_builds,
    newest_first,
    record_build,
    release_versions,
    with_releases,
)
from tuilogs.platform.client import PlatformClient
from tuilogs.platform.errors import AppNotFound, InvalidRequest, Unsupported

from kit.heroku_builds import APP, BuildsStandIn
from kit.platformkit import Pump
from kit.waiting import wait_until

FAST = {"backoff": (0.01, 0.05), "settle": (0.01, 0.05, 5.0)}
FAILED_OUTPUT = [
    "-----> Building on the Heroku-24 stack",
    "-----> Python app detected",
    "       Collecting flask==9.9.9",
    "       ERROR: No matching distribution found for flask==9.9.9",
    " !     Push rejected, failed to compile Python app.",
    " !     Push failed",
]


@pytest.fixture
def heroku(serve_asgi) -> BuildsStandIn:
    stand_in = BuildsStandIn()
    stand_in.serve(serve_asgi)
    return stand_in


@pytest.fixture
def client(heroku) -> PlatformClient:
    with PlatformClient(heroku.base_url, "t0ken", kind="heroku", timeout=10) as c:
        yield c


class Collector:
    """An OutputFollower read on a thread, its lines and states recorded as they come."""

    def __init__(self, client: PlatformClient, build: Build) -> None:
        self.lines: list[str] = []
        self.states: list[State] = []
        self.error: Exception | None = None
        self.follower = OutputFollower(
            client, APP, build, report=lambda state, *_: self.states.append(state), **FAST
        )
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            for lines in self.follower.lines():
                self.lines.extend(lines)
        except Exception as exc:  # recorded for the test to look at
            self.error = exc

    def has(self, *lines: str) -> bool:
        return self.lines == list(lines)

    def done(self, timeout: float = 10.0) -> None:
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the follower did not end"


class TestListing:
    def test_newest_first_across_pages_by_next_range(self, heroku, client):
        ids = [heroku.add() for _ in range(450)]
        builds = list_builds(client, APP, limit=450)
        assert [b.id for b in builds] == ids[::-1]
        assert heroku.range_headers[0] == "created_at ..; max=450, order=desc"
        first = builds_page(client, APP)
        assert len(first.builds) == 200 and first.next_range is not None
        second = builds_page(client, APP, first.next_range)
        assert [b.id for b in second.builds] == ids[::-1][200:400]
        assert builds_page(client, APP, second.next_range).next_range is None

    def test_a_short_list_asks_for_one_small_page(self, heroku, client):
        ids = [heroku.add() for _ in range(30)]
        assert [b.id for b in list_builds(client, APP, limit=5)] == ids[:-6:-1]
        assert heroku.range_headers == [newest_first(5)]

    def test_the_fields_people_read(self, heroku, client):
        build_id = heroku.add(
            "succeeded", user="alice@example.com", version="3f2a9c1", release_version=42
        )
        build = get_build(client, APP, build_id)
        assert (build.status, build.user, build.source_version) == (
            "succeeded",
            "alice@example.com",
            "3f2a9c1",
        )
        assert build.release_id is not None and build.release_version is None  # Heroku's
        assert build.label() == f"build {build_id[:8]}"
        versions = release_versions(client, APP)
        assert heroku.release_ranges == ["version ..; max=200, order=desc"]
        [released] = with_releases([build], versions)
        assert released.release_version == 42
        assert released.label() == f"build {build_id[:8]} (v42)"
        assert build.output_stream_url == f"{heroku.base_url}/streams/{build_id}"
        assert "streams" not in repr(build)  # pre-signed: a secret

    def test_latest_unknown_and_none(self, heroku, client):
        with pytest.raises(BuildNotFound, match="has no builds yet"):
            find_build(client, APP)
        newest = [heroku.add() for _ in range(3)][-1]
        assert find_build(client, APP).id == newest
        assert find_build(client, APP, newest).id == newest
        with pytest.raises(BuildNotFound, match=f"no build nope on {APP}"):
            find_build(client, APP, "nope")
        with pytest.raises(AppNotFound):
            find_build(client, "otherapp")

    def test_the_short_id_the_panel_shows_finds_its_build(self, heroku, client):
        ids = [heroku.add() for _ in range(3)]
        twins = [heroku.add(id=f"0e6289{n}7-0000-4000-8000-000000000000") for n in (1, 2)]
        for build_id in [*ids, *twins]:
            assert find_build(client, APP, build_id[:8]).id == build_id
            assert find_build(client, APP, build_id[:8].upper()).id == build_id
        with pytest.raises(InvalidRequest, match=f"0e6289 starts the ids of 2 builds of {APP}"):
            find_build(client, APP, "0e6289")
        with pytest.raises(BuildNotFound, match=f"no build 0123abcd on {APP}"):
            find_build(client, APP, "0123abcd")

    def test_heroku_records_no_builds_of_ours(self):
        # api.heroku.com itself: refused before anything is sent.
        heroku_client = PlatformClient("https://api.heroku.com", "t0ken")
        with heroku_client, pytest.raises(Unsupported, match="tuilogs router"):
            record_build(heroku_client, APP, user="me")


class TestFollowing:
    def test_a_growing_build_shows_each_line_as_it_is_written_until_it_ends(self, heroku, client):
        build_id = heroku.add("pending", ["-----> Building"], open=True)
        reader = Collector(client, get_build(client, APP, build_id))
        wait_until(lambda: reader.has("-----> Building"))
        heroku.write(build_id, "       Collecting flask")
        wait_until(lambda: reader.has("-----> Building", "       Collecting flask"))
        assert reader.thread.is_alive()  # the build runs: the stream stays open
        heroku.write(build_id, *FAILED_OUTPUT[3:])
        heroku.finish(build_id, "failed")
        reader.done()
        assert reader.lines == ["-----> Building", "       Collecting flask", *FAILED_OUTPUT[3:]]
        assert reader.follower.build.failed and reader.error is None

    @pytest.mark.parametrize("ranges", [True, False], ids=["range-206", "whole-again-200"])
    def test_a_dropped_stream_resumes_without_loss_or_repeat(self, serve_asgi, ranges):
        heroku = BuildsStandIn(ranges=ranges)
        heroku.serve(serve_asgi)
        build_id = heroku.add("pending", ["one", "two"], open=True)
        with PlatformClient(heroku.base_url, "t0ken", kind="heroku", timeout=10) as client:
            reader = Collector(client, get_build(client, APP, build_id))
            wait_until(lambda: reader.has("one", "two"))
            heroku.drop(build_id)
            heroku.write(build_id, "three")
            wait_until(lambda: reader.has("one", "two", "three"))
            heroku.finish(build_id, "succeeded")
            reader.done()
        assert reader.lines == ["one", "two", "three"]
        assert State.RECONNECTING in reader.states
        assert "bytes=8-" in heroku.stream_ranges  # after "one\ntwo\n"

    def test_output_not_there_yet_is_waited_for(self, heroku, client):
        build_id = heroku.add("pending", open=True, missing=True)
        reader = Collector(client, get_build(client, APP, build_id))
        wait_until(lambda: State.WAITING in reader.states)
        heroku.write(build_id, "-----> Building")
        heroku.finish(build_id, "succeeded")
        reader.done()
        assert reader.lines == ["-----> Building"] and reader.error is None

    def test_a_build_that_ends_as_its_output_is_asked_for_is_read(self, heroku, client):
        # A quick failure: the output is not there (404), then at once all there, and the
        # build ended: the look at the build after the 404 says failed, and one more ask reads
        # the output rather than calling it gone.
        build_id = heroku.add("pending", open=True, missing=True)
        heroku.after_404[build_id] = lambda: (
            heroku.write(build_id, " !     Push failed"),
            heroku.finish(build_id, "failed"),
        )
        reader = Collector(client, get_build(client, APP, build_id))
        reader.done()
        assert reader.lines == [" !     Push failed"] and reader.error is None
        assert reader.follower.build.failed

    def test_the_output_of_a_finished_build_that_is_gone(self, heroku, client):
        build_id = heroku.add("failed", missing=True)
        reader = Collector(client, get_build(client, APP, build_id))
        reader.done()
        assert isinstance(reader.error, OutputGone)
        assert "not available (404)" in str(reader.error)

    def test_the_status_that_comes_after_the_end(self, heroku, client):
        """Heroku ends the output a moment before the build says how it ended."""
        build_id = heroku.add("pending", ["ERROR: boom"], open=True)
        reader = Collector(client, get_build(client, APP, build_id))
        wait_until(lambda: reader.has("ERROR: boom"))
        asked = heroku.info_requests
        heroku.end_output(build_id)
        wait_until(lambda: heroku.info_requests >= asked + 2)  # it keeps asking...
        assert reader.thread.is_alive()
        heroku.set_status(build_id, "failed")  # ...until the build says
        reader.done()
        assert reader.follower.build.failed and reader.lines == ["ERROR: boom"]


class TestIntoTheBuffer:
    def test_lines_cleaned_first_error_found_and_the_end_said(self, heroku, client):
        output = ["\x1b[1;36m-----> Building\x1b[0m", "Downloading 10%\rDownloading 100%"]
        build_id = heroku.add("failed", output + FAILED_OUTPUT)
        buffer, feed = LogBuffer(), Feed()
        producer = BuildOutput(client, APP, get_build(client, APP, build_id), feed, buffer.origins)
        producer.follower.settle, producer.follower.backoff = (
            FAST["settle"],
            Backoff(*FAST["backoff"]),
        )
        pump = Pump(feed, buffer)
        producer.start()
        pump.until(lambda: producer.ended.is_set() and feed.status.state is State.ENDED)
        pump()
        messages = [buffer.record(i).message for i in range(len(buffer))]
        assert messages == ["-----> Building", "Downloading 100%", *FAILED_OUTPUT]
        assert messages[producer.first_error].startswith("       ERROR: No matching")
        assert feed.status.detail == "failed"
        assert feed.live_lines == 0  # a finished build's lines are not "arriving"
