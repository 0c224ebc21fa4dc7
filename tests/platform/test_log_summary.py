"""`PlatformClient.log_summary` against the real router on loopback: the router's summary of a
whole stored history is the one the explorer would compute over the same lines."""

from __future__ import annotations

from collections import Counter

import pytest

from tuilogs.core.record import parse_line
from tuilogs.core.stats import StatsBuilder
from tuilogs.platform.client import PlatformClient
from tuilogs.platform.errors import AppNotFound, Unsupported

from kit.files import SAMPLE
from kit.routerkit import post_batch


def sample_records():
    lines = SAMPLE.read_bytes().decode("utf-8", "replace").splitlines()
    return [r for r in map(parse_line, lines) if r.source]  # a drain carries headed lines


def local_summary(records, buckets=60):
    builder = StatsBuilder()
    builder.add_block("".join(r.line() + "\n" for r in records).encode())
    builder.add_origins(Counter((r.source, r.dyno) for r in records))
    return builder.summary(buckets)


@pytest.fixture
def stored(router):
    records = sample_records()
    for at in range(0, len(records), 100):
        assert post_batch(router, "myapp", records[at : at + 100]).status_code == 204
    return records


def test_whole_history_as_computed_locally(stored, pclient):
    summary = pclient.log_summary("myapp", buckets=30)
    assert summary == local_summary(stored, 30)
    assert summary.lines == len(stored) and summary.requests > 200
    assert {r.code for r in summary.codes} >= {"R14", "H12"}


def test_filters_as_for_log_lines(stored, pclient):
    routers = [r for r in stored if r.dyno == "router"]
    assert pclient.log_summary("myapp", dyno="router") == local_summary(routers)
    carts = [r for r in stored if "/cart" in r.message.lower()]
    assert pclient.log_summary("myapp", q="/CART") == local_summary(carts)
    apps = [r for r in stored if r.source == "app"]
    summary = pclient.log_summary("myapp", source="app")
    assert summary == local_summary(apps) and summary.requests == 0


def test_unknown_app_and_other_servers(router, pclient, serve_asgi):
    with pytest.raises(AppNotFound):
        pclient.log_summary("nope")
    from starlette.applications import Starlette

    served = serve_asgi(Starlette())  # a server without the route: 404 for it
    with (
        PlatformClient(served.base_url, "t", kind="local", timeout=5) as other,
        pytest.raises(Unsupported),
    ):
        other.log_summary("myapp")


def test_a_filter_the_route_does_not_take_is_refused_before_asking():
    # log-summary has no time range (log-lines and log-histogram have): a `since` passed to it
    # would be dropped silently, so it is refused as an unknown keyword argument is.
    with PlatformClient("http://127.0.0.1:9", "t", kind="local") as client:
        with pytest.raises(TypeError, match="'since'"):
            client.log_summary("myapp", since=0)  # type: ignore[call-arg]
        with pytest.raises(TypeError, match="'sources'"):
            client.log_histogram("myapp", sources="app")  # type: ignore[call-arg]
