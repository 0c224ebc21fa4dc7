"""The router's builds resource over HTTP: Heroku's shapes and Range paging, the recording
extensions, and the output stream that follows a running build to its end; on both stores."""

from __future__ import annotations

import threading

import httpx
import pytest

from tuilogs.server.endpoints import builds as endpoint

from kit.routerkit import post_batch, rec
from kit.waiting import wait_until

pytestmark = pytest.mark.stores("sqlite", "postgres")

APP = "myapp"
HEROKU_KEYS = {
    "app", "buildpacks", "created_at", "id", "output_stream_url", "release", "slug",
    "source_blob", "stack", "status", "updated_at", "user",
}  # fmt: skip


def create(client: httpx.Client, app: str = APP, **body) -> dict:
    body = body or {"source_blob": {"version": "3f2a9c1"}, "user": {"email": "ci@example.com"}}
    resp = client.post(f"/apps/{app}/builds", json=body)
    assert resp.status_code == 201, resp.text
    return resp.json()


def add(client: httpx.Client, build: dict, *lines: str) -> httpx.Response:
    return client.post(
        f"/apps/{APP}/builds/{build['id']}/output", content="".join(f"{x}\n" for x in lines)
    )


def end(client: httpx.Client, build: dict, status: str, code: int | None = None) -> dict:
    resp = client.patch(
        f"/apps/{APP}/builds/{build['id']}", json={"status": status, "exit_code": code}
    )
    assert resp.status_code == 200, resp.text
    return resp.json()


class TestShapes:
    def test_a_build_reads_as_heroku_writes_one(self, client, router):
        build = create(client)
        assert set(build) >= HEROKU_KEYS and build["status"] == "pending"
        assert build["source_blob"]["version"] == "3f2a9c1"
        assert build["user"]["email"] == "ci@example.com"
        assert build["output_stream_url"].startswith(f"{router.base_url}/build-output/")
        assert client.get(f"/apps/{APP}/builds/{build['id']}").json() == build
        assert client.get(f"/apps/{APP}").status_code == 200  # the app exists now

    def test_not_found(self, client):
        create(client)
        missing = client.get(f"/apps/{APP}/builds/nope")
        assert missing.status_code == 404 and missing.json()["resource"] == "build"
        assert client.get("/apps/ghost/builds").json()["resource"] == "app"
        other = create(client, "other")
        assert client.get(f"/apps/{APP}/builds/{other['id']}").status_code == 404

    def test_the_api_wants_the_token_the_stream_its_secret(self, client, router):
        build = create(client)
        assert httpx.get(f"{router.base_url}/apps/{APP}/builds").status_code == 401
        end(client, build, "succeeded", 0)
        assert httpx.get(build["output_stream_url"]).status_code == 200
        assert httpx.get(f"{router.base_url}/build-output/guessed").status_code == 404

    def test_an_app_with_logs_and_no_builds_lists_none(self, client, router):
        post_batch(router, APP, [rec("hello")])
        resp = client.get(f"/apps/{APP}/builds")
        assert resp.status_code == 200 and resp.json() == []


class TestRanges:
    def test_oldest_first_by_default_newest_first_when_asked_with_next_range(self, client):
        ids = [create(client)["id"] for _ in range(7)]
        assert [b["id"] for b in client.get(f"/apps/{APP}/builds").json()] == ids
        got, header = [], "created_at ..; max=3, order=desc"
        for _ in range(4):
            resp = client.get(f"/apps/{APP}/builds", headers={"Range": header})
            got += [b["id"] for b in resp.json()]
            assert resp.headers["accept-ranges"] == "created_at"
            if resp.status_code == 200:
                break
            assert resp.status_code == 206
            header = resp.headers["next-range"]
        assert got == ids[::-1]

    def test_an_inclusive_start_and_heroku_s_separators(self, client):
        builds = [create(client) for _ in range(3)]
        start = builds[1]["created_at"]
        header = f"created_at {start}..; order=desc; max=10;"
        resp = client.get(f"/apps/{APP}/builds", headers={"Range": header})
        assert [b["id"] for b in resp.json()] == [builds[1]["id"], builds[0]["id"]]

    @pytest.mark.parametrize(
        "header", ["id ..; order=desc", "created_at ..; order=sideways", "bytes=0-10", "x"]
    )
    def test_a_range_it_cannot_use(self, client, header):
        create(client)
        resp = client.get(f"/apps/{APP}/builds", headers={"Range": header})
        assert resp.status_code == 416
        assert resp.json()["id"] == "requested_range_not_satisfiable"


class TestRecording:
    def test_the_first_end_wins_and_ends_the_output(self, client):
        build = create(client)
        assert add(client, build, "one", "two").json()["lines"] == 2
        assert end(client, build, "failed", 2)["exit_code"] == 2
        assert end(client, build, "succeeded", 0)["status"] == "failed"
        late = add(client, build, "late")
        assert late.status_code == 409 and "ended (failed)" in late.json()["message"]

    @pytest.mark.parametrize(
        "body", [{"status": "pending"}, {"status": "failed", "exit_code": 300}, {}]
    )
    def test_an_end_it_cannot_take(self, client, body):
        build = create(client)
        resp = client.patch(f"/apps/{APP}/builds/{build['id']}", json=body)
        assert resp.status_code == 422

    def test_bounded_bodies_and_a_bounded_output(self, client, monkeypatch):
        monkeypatch.setattr(endpoint, "MAX_BUILD_LINES", 3)
        build = create(client)
        too_big = client.post(
            f"/apps/{APP}/builds/{build['id']}/output",
            content=b"x" * (endpoint.MAX_OUTPUT_BODY + 1),
        )
        assert too_big.status_code == 413
        assert add(client, build, "1", "2", "3", "4", "5").json()["lines"] == 4
        assert add(client, build, "6").json()["lines"] == 4
        end(client, build, "succeeded", 0)
        assert httpx.get(build["output_stream_url"]).text.splitlines() == [
            "1", "2", "3", endpoint.TRUNCATED,
        ]  # fmt: skip

    def test_a_silent_recorder_s_build_ends_failed(self, client, monkeypatch):
        build = create(client)
        add(client, build, "-----> Building")
        monkeypatch.setattr(endpoint, "STALE_SECONDS", -1.0)
        stale = client.get(f"/apps/{APP}/builds/{build['id']}").json()
        assert (stale["status"], stale["exit_code"]) == ("failed", None)


class TestOutputStream:
    def test_follows_a_running_build_line_by_line_and_ends_with_it(self, client):
        build = create(client)
        add(client, build, "-----> Building")
        got: list[str] = []

        def read() -> None:
            with httpx.stream("GET", build["output_stream_url"], timeout=30) as resp:
                assert resp.headers["content-type"].startswith("text/plain")
                for line in resp.iter_lines():
                    got.append(line)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        wait_until(lambda: got == ["-----> Building"])
        add(client, build, "       ERROR: boom")
        wait_until(lambda: got == ["-----> Building", "       ERROR: boom"])
        assert reader.is_alive()
        add(client, build, " !     Push failed")
        end(client, build, "failed", 1)
        reader.join(10)
        assert not reader.is_alive()
        assert got == ["-----> Building", "       ERROR: boom", " !     Push failed"]

    def test_a_finished_build_s_output_in_pieces(self, client, monkeypatch):
        monkeypatch.setattr(endpoint, "PIECE_LINES", 7)
        build = create(client)
        lines = [f"line {i}" for i in range(50)]
        add(client, build, *lines)
        end(client, build, "succeeded", 0)
        assert httpx.get(build["output_stream_url"]).text.splitlines() == lines
