"""The stats view's numbers, checked against a plain per-line reference over the sample."""

from __future__ import annotations

import math
import time
from collections import Counter
from datetime import datetime, timezone

import pytest

from tuilogs.core.codes import CODES, find_code
from tuilogs.core.logfmt import parse_logfmt
from tuilogs.core.query import parse_query
from tuilogs.core.record import parse_line
from tuilogs.core.running_stats import RunningStats
from tuilogs.core.stats import StatsBuilder, buffer_summary
from tuilogs.core.summary import LogSummary, bucket_width

from kit.files import SAMPLE, load


@pytest.fixture(scope="module")
def sample_buffer():
    buffer, _, producer = load(SAMPLE)
    producer.stop()
    return buffer


def records(lines):
    return [parse_line(line) for line in lines]


def reference(recs):
    """What the summary must say, worked out line by line with the lenient parsers."""
    status, paths, services, codes, dynos = Counter(), Counter(), {}, Counter(), Counter()
    for r in recs:
        dynos[r.dyno or "(raw)"] += 1
        if (r.source, r.dyno) == ("heroku", "router"):
            f = {x.key: x.value for x in parse_logfmt(r.message)}
            status[f["status"][0] + "xx"] += 1
            paths[f["path"]] += 1
            services.setdefault(f["path"], []).append(int(f["service"].rstrip("ms")))
        code = find_code(r.message)
        if code is not None:
            codes[code.code] += 1
    return status, paths, services, codes, dynos


def p95(values):
    values = sorted(values)
    return values[math.ceil(0.95 * len(values)) - 1]


def check(summary: LogSummary, recs) -> None:
    status, paths, services, codes, dynos = reference(recs)
    assert summary.lines == len(recs)
    assert summary.requests == sum(status.values())
    assert {c: summary.status_total(c) for c in status} == dict(status)
    assert {r.code: r.count for r in summary.codes} == dict(codes)
    assert {r.dyno: r.lines for r in summary.dynos} == dict(dynos)
    top = summary.paths_by_count
    assert [(r.path, r.requests) for r in top] == sorted(
        paths.items(), key=lambda x: (-x[1], x[0])
    )[: len(top)]
    for row in top + summary.paths_by_p95:
        assert row.p95_ms == p95(services[row.path])


@pytest.fixture(scope="module")
def sample_lines():
    return SAMPLE.read_bytes().decode("utf-8", "replace").splitlines()


def test_whole_sample_against_the_reference(sample_lines, sample_buffer):
    summary = buffer_summary(sample_buffer)
    check(summary, records(sample_lines))
    assert summary.codes[0].code in CODES and summary.status_total("5xx") > 0
    router = next(r for r in summary.dynos if r.dyno == "router")
    assert router.errors == summary.status_total("5xx") + sum(
        1 for r in records(sample_lines) if "code=" in r.message and " status=5" not in r.message
    )


@pytest.mark.parametrize("query", ["source:heroku", "dyno:web", "status>=400", "/cart|login/"])
def test_lines_in_view_only(query, sample_buffer):
    """A filter or search: only its lines are counted (the pieces skip the others)."""
    buffer = sample_buffer
    lines = parse_query(query).scan(buffer)
    assert 0 < len(lines) < len(buffer)
    summary = buffer_summary(buffer, lines)
    check(summary, [buffer.record(i) for i in lines])


def test_router_lines_in_other_shapes_are_read_one_by_one(sample_lines):
    """`Z` timestamps, another field order, Papertrail's text: the bulk pattern does not fit,
    the count says so, and the block is read line by line: same numbers."""
    shifted = []
    for line in sample_lines:
        r = parse_line(line)
        if r.dyno == "router" and r.timestamp.endswith("+00:00"):
            line = f"{r.timestamp[:-6]}Z {r.source}[{r.dyno}]: {r.message}"
        shifted.append(line)
    builder = StatsBuilder()
    builder.add_block(("\n".join(shifted) + "\n").encode())
    builder.add_origins(Counter((r.source, r.dyno) for r in records(shifted)))
    check(builder.summary(), records(shifted))
    fast = StatsBuilder()
    fast.add_block(("\n".join(sample_lines) + "\n").encode())
    assert builder.by_second.total() == fast.by_second.total()


def test_levels_of_app_lines():
    lines = [
        'level=error msg="x"',
        '{"level": "warning", "msg": "y"}',
        "[2026-11-01 12:00:00 +0000] [7] [INFO] Booting worker",
        "ERROR: disk full",
        "Traceback (most recent call last):",
        "ZeroDivisionError: division by zero",
        "Deploy 3f2a9c1 by dev@example.com",
        '   File "/app/x.py", line 3, in f',
    ]
    text = "".join(f"2026-11-01T12:00:00.000001+00:00 app[web.1]: {m}\n" for m in lines)
    builder = StatsBuilder()
    builder.add_block(text.encode())
    builder.add_origins({("app", "web.1"): len(lines)})
    summary = builder.summary()
    assert {r.level: r.count for r in summary.levels} == {
        "error": 4,
        "warning": 1,
        "info": 1,
        "none": 2,
    }
    assert summary.dynos[0].errors == 4
    assert [r.query for r in summary.levels] == ["level:error", "level:warning", "level:info", None]


def test_series_buckets_follow_the_span():
    t0 = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)
    text = "".join(
        f"{datetime.fromtimestamp(t0.timestamp() + s, timezone.utc).isoformat(timespec='microseconds')}"
        f' heroku[router]: at=info method=GET path="/a" host=h request_id=r fwd="1" dyno=web.1'
        f" connect=1ms service={s}ms status={code} bytes=1 protocol=https\n"
        for s, code in [(0, 200), (59, 500), (60, 404), (3599, 200)]
    )
    builder = StatsBuilder()
    builder.add_block(text.encode())
    summary = builder.summary(buckets=60)
    assert summary.bucket_seconds == 60 and summary.bucket_start == int(t0.timestamp())
    assert summary.series["2xx"][0] == 1 and summary.series["2xx"][59] == 1
    assert summary.series["5xx"][0] == 1 and summary.series["4xx"][1] == 1
    assert len(summary.series["2xx"]) == 60


def test_bucket_widths():
    assert bucket_width(0, 59, 60) == 1
    assert bucket_width(0, 60, 60) == 2
    assert bucket_width(0, 3 * 3600, 60) == 300
    assert bucket_width(0, 0, 1) == 1


def test_json_round_trip(sample_buffer):
    summary = buffer_summary(sample_buffer)
    assert LogSummary.from_json(summary.to_json()) == summary
    assert summary.paths_by_count[0].query.startswith("path:/")
    assert [r.query for r in summary.dynos][:1] == ["dyno:router"]


@pytest.mark.parametrize("sparse_bytes", [0, 1 << 30])
def test_pieces_read_joined_or_line_by_line(sample_buffer, monkeypatch, sparse_bytes):
    """Small pieces, read as one span or line by line: the same counts either way."""
    import tuilogs.core.stats as stats

    monkeypatch.setattr(stats, "PIECE_LINES", 7)
    monkeypatch.setattr(stats, "SPARSE_BYTES", sparse_bytes)
    lines = parse_query("-source:app").scan(sample_buffer)
    seen = []
    summary = buffer_summary(sample_buffer, lines, progress=lambda d, t: seen.append((d, t)))
    check(summary, [sample_buffer.record(i) for i in lines])
    assert seen[-1] == (len(lines), len(lines)) and len(seen) == -(-len(lines) // 7)
    assert buffer_summary(sample_buffer, lines, cancelled=lambda: True) is None


def test_summaries_so_far_while_counting(sample_buffer, monkeypatch):
    """A view is handed the numbers so far (here as often as summing up allows): each covers
    the lines counted until then, and the last answer is the whole."""
    import tuilogs.core.stats as stats

    monkeypatch.setattr(stats, "PIECE_LINES", 100)
    lines = parse_query("-source:nothing").scan(sample_buffer)  # every line, as an index list
    partials = []
    whole = buffer_summary(sample_buffer, lines, partial=partials.append, partial_every=0)
    counted = [p.lines for p in partials]
    assert counted[0] == 100 and counted == sorted(set(counted))
    assert all(n % 100 == 0 and n < len(lines) for n in counted)
    for p in partials:
        check(p, [sample_buffer.record(i) for i in lines[: p.lines]])
    assert whole == buffer_summary(sample_buffer)


def test_running_counts_equal_a_count_of_every_line_as_lines_arrive(tmp_path, sample_lines):
    """The counts kept up in the background: the same numbers as counting every line at once,
    after lines arrive in several batches and after the buffer renumbers its lines."""
    half = len(sample_lines) // 2
    log = tmp_path / "growing.log"
    log.write_text("\n".join(sample_lines[:half]) + "\n")
    buffer, feed, producer = load(log, follow=True)
    try:
        running = RunningStats(buffer)
        assert not running.caught_up()
        steps = []
        assert running.catch_up(progress=lambda done, total: steps.append((done, total)))
        assert running.caught_up() and steps[-1] == (half, half)
        check(running.summary(), records(sample_lines[:half]))
        with log.open("a") as out:
            out.write("\n".join(sample_lines[half:]) + "\n")
        deadline = time.monotonic() + 10
        while len(buffer) < len(sample_lines) and time.monotonic() < deadline:
            feed.drain(buffer)
            time.sleep(0.01)
        assert not running.caught_up()
        assert running.catch_up()
        check(running.summary(), records(sample_lines))
        assert running.summary() == buffer_summary(buffer)
        buffer.epoch += 1  # as a truncation or a prepended history page does
        assert not running.caught_up() and running.catch_up()
        check(running.summary(), records(sample_lines))
    finally:
        producer.stop()


def test_running_counts_stop_when_cancelled(sample_buffer):
    running = RunningStats(sample_buffer)
    assert not running.catch_up(cancelled=lambda: True)
    assert running.done == 0 and running.summary().lines == 0
