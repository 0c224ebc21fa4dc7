"""`since`/`until` on log-lines and log sessions, and the log-histogram extension, against the
real router on either store (SQLite, PostgreSQL): non-monotonic timestamps, every offset form,
and counts against a reference."""

from __future__ import annotations

import random
import threading
import time
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from tuilogs.core.record import parse_timestamp
from tuilogs.core.trouble import is_trouble

from kit.routerkit import post_batch, rec

pytestmark = pytest.mark.stores("sqlite", "postgres")

T0 = datetime(2026, 11, 1, 12, tzinfo=timezone.utc)


def ts(seconds: float, offset_hours: int = 0, fmt: str = "iso") -> str:
    tz = timezone(timedelta(hours=offset_hours))
    when = (T0 + timedelta(seconds=seconds)).astimezone(tz)
    if fmt == "z":
        return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    if fmt == "compact":  # +HHMM, which SQLite does not read as is
        return when.strftime("%Y-%m-%dT%H:%M:%S%z")
    return when.isoformat(timespec="microseconds")


def iso(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


# Received order is not time order: web.2's clock lags by 40 s, and offsets differ per line.
SKEWED = [
    rec("a", "web.1", ts=ts(0)),
    rec("b", "web.2", ts=ts(-40, 2)),  # 11:59:20Z
    rec("c", "web.1", ts=ts(10, -7)),  # 12:00:10Z
    rec("d", "web.2", ts=ts(-25, fmt="z")),  # 11:59:35Z
    rec("e", "web.1", ts=ts(30, 5, fmt="compact")),  # 12:00:30Z, `+0500`
    rec("f", "web.2", ts=ts(5)),  # 12:00:05Z
    rec(
        "g", "router", "heroku", ts="not-a-time"
    ),  # a stamp that is no time (a nil one is stamped on arrival)
    rec("h", "web.1", ts=ts(59.999)),  # 12:00:59Z
    rec("i", "web.1", ts=ts(60)),  # 12:01:00Z
]


def messages(page: dict) -> list[str]:
    return [line["message"] for line in page["lines"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"since": iso(0)}, ["a", "c", "e", "f", "h", "i"]),
        ({"until": iso(0)}, ["b", "d"]),
        ({"since": iso(0), "until": iso(60)}, ["a", "c", "e", "f", "h"]),
        ({"since": iso(-30), "until": iso(6)}, ["a", "d", "f"]),
        ({"since": str(int(T0.timestamp()) + 10)}, ["c", "e", "h", "i"]),  # epoch seconds
        ({"since": "2026-11-01T13:00:10+01:00"}, ["c", "e", "h", "i"]),
        ({"since": iso(0), "dyno": "web.2"}, ["f"]),
    ],
)
def test_log_lines_time_range_is_a_filter_not_a_cut(router, client, params, expected):
    post_batch(router, "myapp", SKEWED)
    page = client.get("/apps/myapp/log-lines", params={"limit": 100, **params}).json()
    assert messages(page) == expected


def test_log_lines_time_range_with_search_and_paging(router, client):
    records = [rec(f"n{i} {'boom' if i % 2 else 'ok'}", ts=ts(i)) for i in range(100)]
    post_batch(router, "myapp", records)
    params = {"since": iso(10), "until": iso(90), "q": "boom", "limit": 10}
    page = client.get("/apps/myapp/log-lines", params=params).json()
    assert messages(page) == [f"n{i} boom" for i in range(71, 90, 2)]
    older = client.get(
        "/apps/myapp/log-lines", params={**params, "before": page["first_id"]}
    ).json()
    assert messages(older) == [f"n{i} boom" for i in range(51, 70, 2)]


@pytest.mark.parametrize(
    "params",
    [
        {"since": "yesterday"},
        {"since": "2026-11-01 12:00"},  # no offset: the router's zone is no client's business
        {"until": "2026-13-01T00:00:00Z"},
        {"since": iso(10), "until": iso(10)},
        {"since": "9" * 40},
    ],
)
def test_bad_bounds_are_422(router, client, params):
    post_batch(router, "myapp", SKEWED)
    resp = client.get("/apps/myapp/log-lines", params=params)
    assert resp.status_code == 422 and resp.json()["id"] == "invalid_params"
    resp = client.post("/apps/myapp/log-sessions", json=params)
    assert resp.status_code == 422 and resp.json()["id"] == "invalid_params"


def session_text(client, **body) -> list[str]:
    resp = client.post("/apps/myapp/log-sessions", json=body)
    assert resp.status_code == 201, resp.text
    return [ln.rsplit(": ", 1)[1] for ln in httpx.get(resp.json()["logplex_url"]).text.splitlines()]


def test_log_session_backlog_and_catch_up_in_range(router, client):
    post_batch(router, "myapp", SKEWED)
    assert session_text(client, lines=3, since=iso(0)) == ["f", "h", "i"]
    assert session_text(client, lines=100, until=iso(0)) == ["b", "d"]
    assert session_text(client, after=2, since=iso(0), until=iso(60)) == ["c", "e", "f", "h"]
    since = int(T0.timestamp())
    assert session_text(client, lines=100, since=since, until=since + 6) == ["a", "f"]


def test_log_session_tail_keeps_only_lines_in_range(router, client):
    post_batch(router, "myapp", [rec("old", ts=ts(0))])
    resp = client.post(
        "/apps/myapp/log-sessions", json={"tail": True, "since": iso(100), "until": iso(200)}
    )
    url = resp.json()["logplex_url"]
    got: list[str] = []

    def read() -> None:
        with httpx.stream("GET", url, timeout=30) as stream:
            for line in stream.iter_lines():
                got.append(line)
                if "last" in line:
                    return

    reader = threading.Thread(target=read)
    reader.start()
    deadline = time.monotonic() + 5
    # The stream is open once the router has subscribed; lines sent after that are tailed.
    while not router.router.hub.subscribers("myapp") and time.monotonic() < deadline:
        time.sleep(0.01)
    post_batch(
        router,
        "myapp",
        [rec("before", ts=ts(50)), rec("in", ts=ts(150)), rec("after", ts=ts(250))]
        + [rec("late but in", ts=ts(120)), rec("last", ts=ts(199))],
    )
    reader.join(10)
    assert [ln.rsplit(": ", 1)[1] for ln in got] == ["in", "late but in", "last"]


def reference(records, start: int, step: int, buckets: int):
    """Counts per (source, dyno) computed here, line by line, from the records sent."""
    lines: dict[tuple[str, str], list[int]] = {}
    errors: dict[tuple[str, str], list[int]] = {}
    for r in records:
        when = parse_timestamp(r.timestamp)
        if when is None:
            continue
        b = (int(when.timestamp() // 1) - start) // step
        key = (r.source, r.dyno)
        lines.setdefault(key, [0] * buckets)[b] += 1
        errors.setdefault(key, [0] * buckets)
        if is_trouble(r.message, router=(r.source, r.dyno) == ("heroku", "router")):
            errors[key][b] += 1
    return lines, errors


def make_history(n: int, seed: int = 7) -> list:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        dyno, source = rnd.choice(
            [("web.1", "app"), ("web.2", "app"), ("router", "heroku"), ("worker.1", "app")]
        )
        skew = rnd.randint(-30, 30)  # clocks disagree: not monotonic
        message = rnd.choice(
            [
                "at=info method=GET path=/ status=200",
                "at=error code=H12 desc=timeout status=503",
                "level=error msg=boom",
                "level=info msg=fine",
                '{"level":50,"msg":"pino"}',
                "Error R14 (Memory quota exceeded)",
            ]
        )
        out.append(rec(message, dyno, source, ts=ts(i * 3 + skew, rnd.choice([0, 1, -5]))))
    return out


def test_histogram_counts_equal_a_reference(router, client):
    records = make_history(3000)
    for i in range(0, len(records), 500):
        assert post_batch(router, "myapp", records[i : i + 500]).status_code == 204
    post_batch(router, "myapp", [rec("no time", ts="garbage")])
    hist = client.get("/apps/myapp/log-histogram", params={"buckets": 90}).json()
    assert hist["buckets"] <= 90 and hist["lines"] == 3000
    start = int(parse_timestamp(hist["start"]).timestamp())
    lines, errors = reference(records, start, hist["step"], hist["buckets"])
    got = {(o["source"], o["dyno"]): o for o in hist["origins"]}
    assert set(got) == set(lines)
    for key, counts in lines.items():
        assert got[key]["lines"] == counts, key
        assert got[key]["errors"] == errors[key], key
    assert hist["step"] == 120  # 9,000 s over at most 90 columns: two minutes each


def test_histogram_follows_new_lines_filters_and_ranges(router, client):
    records = make_history(600, seed=3)
    post_batch(router, "myapp", records)
    first = client.get("/apps/myapp/log-histogram", params={"buckets": 50}).json()
    more = make_history(300, seed=4)
    post_batch(router, "myapp", more)
    again = client.get("/apps/myapp/log-histogram", params={"buckets": 50}).json()
    assert again["lines"] == 900 and again["last_id"] > first["last_id"]
    start = int(parse_timestamp(again["start"]).timestamp())
    lines, _ = reference(records + more, start, again["step"], again["buckets"])
    assert {(o["source"], o["dyno"]): o["lines"] for o in again["origins"]} == lines

    params = {"buckets": 50, "dyno": "web", "since": iso(300), "until": iso(900)}
    part = client.get("/apps/myapp/log-histogram", params=params).json()
    wanted = [
        r
        for r in records + more
        if r.dyno.startswith("web.")
        and 300 <= parse_timestamp(r.timestamp).timestamp() - T0.timestamp() < 900
    ]
    assert part["lines"] == len(wanted)
    assert {o["dyno"] for o in part["origins"]} <= {"web.1", "web.2"}
    start = int(parse_timestamp(part["start"]).timestamp())
    lines, errors = reference(wanted, start, part["step"], part["buckets"])
    assert {(o["source"], o["dyno"]): o["errors"] for o in part["origins"]} == errors


def test_histogram_of_an_app_without_times_and_bad_params(router, client):
    post_batch(router, "myapp", [rec("x", ts="garbage")])
    empty = client.get("/apps/myapp/log-histogram").json()
    assert empty["start"] is None and empty["buckets"] == 0 and empty["origins"] == []
    assert client.get("/apps/nope/log-histogram").status_code == 404
    for params in ({"buckets": 0}, {"buckets": 5000}, {"since": "soon"}):
        resp = client.get("/apps/myapp/log-histogram", params=params)
        assert resp.status_code == 422, params
