"""Papertrail's exports of Heroku logs filter like Heroku lines: its text (viewer, CLI) and its
tab-separated archives parse into source and dyno, with their timestamps."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuilogs.core.buffer import LogBuffer, OriginTable, parse_block
from tuilogs.core.filters import INCLUDE, OriginFilter, select_lines
from tuilogs.core.ingest.times import LineTimes, micros_of
from tuilogs.core.query import parse_query
from tuilogs.core.record import HEADER_RE, LINE_ORIGIN_RE, parse_line, parse_timestamp

from kit.files import load

TEXT = "Jul 16 22:52:42 myapp app/web.1: Completed 200 OK in 12ms"
PADDED = "Jul  6 02:05:09 myapp heroku/router: at=info method=GET path=/ status=200"
ARCHIVE = (
    "50342052\t2011-02-10 00:19:36 -0800\t2011-02-10 00:19:37 -0800\t42424\tmyapp\t"
    "208.122.34.202\tUser\tInfo\tapp/worker.2\tjob done\tin 3 s"
)
SYSLOG = "Jul 16 22:52:42 host sshd[1234]: Accepted publickey"


@pytest.mark.parametrize(
    "line, stamp, source, dyno, message",
    [
        (TEXT, "Jul 16 22:52:42", "app", "web.1", "Completed 200 OK in 12ms"),
        (PADDED, "Jul  6 02:05:09", "heroku", "router", "at=info method=GET path=/ status=200"),
        (ARCHIVE, "2011-02-10 00:19:36 -0800", "app", "worker.2", "job done\tin 3 s"),
        (SYSLOG, "Jul 16 22:52:42", "sshd", "1234", "Accepted publickey"),
    ],
)
def test_papertrail_lines_parse_like_heroku_lines(line, stamp, source, dyno, message):
    rec = parse_line(line)
    assert (rec.timestamp, rec.source, rec.dyno, rec.message) == (stamp, source, dyno, message)
    assert rec.when() is not None


@pytest.mark.parametrize(
    "line",
    [
        "Jul 16 22:52:42 myapp sshd: no program/dyno",  # a program of its own: a raw line
        "Foo 16 22:52:42 myapp app/web.1: not a month",
        "2011-02-10 00:19:36 -0800\tmyapp\tapp/web.1\ttoo few fields",
        "2024-01-01 app[web.1]: no T",
    ],
)
def test_what_is_not_papertrail_stays_a_raw_line(line):
    assert parse_line(line).is_raw


def test_the_buffer_counts_them_under_the_same_origins_as_heroku_lines():
    heroku = "2026-11-29T10:00:00.000000+00:00 app[web.1]: from Heroku"
    block = "\n".join([heroku, TEXT, PADDED, ARCHIVE, "a raw line", ""]).encode()
    origins = OriginTable()
    batch = parse_block(block, 0, origins)
    labels = [origins.origins[k].label for k in batch.keys]
    assert labels == ["app[web.1]", "app[web.1]", "heroku[router]", "app[worker.2]", "(raw)"]
    assert batch.keys[0] == batch.keys[1]  # `app/web.1` and `app[web.1]`: one origin


def test_an_export_filters_like_heroku_lines(tmp_path):
    path = tmp_path / "papertrail.log"
    path.write_text("\n".join([TEXT, PADDED, ARCHIVE, SYSLOG]) + "\n")
    buffer = LogBuffer()
    buffer.apply(parse_block(path.read_bytes(), 0, buffer.origins))
    only_web = OriginFilter()
    only_web.set("dyno", "web", INCLUDE)
    assert list(select_lines(buffer.keys, only_web.mask(buffer.origins.origins))) == [0]
    loaded, _, producer = load(path)  # searches read the lines back from the file
    producer.stop()
    assert list(parse_query("source:heroku").scan(loaded)) == [1]


def test_their_timestamps():
    now = datetime.now()
    july = parse_timestamp("Jul 16 22:52:42")
    assert july is not None and (july.month, july.day, july.hour) == (7, 16, 22)
    assert july.tzinfo is not None  # local time, made explicit
    assert july.year in (now.year, now.year - 1)  # no year in the text: the latest July 16
    assert july.replace(tzinfo=None) - now < timedelta(days=2)
    archive = datetime(2011, 2, 10, 0, 19, 36, tzinfo=timezone(timedelta(hours=-8)))
    assert parse_timestamp("2011-02-10 00:19:36 -0800") == archive
    assert parse_timestamp("2026-11-29 00:00:01,250") == datetime(2026, 11, 29, 0, 0, 1, 250000)
    assert parse_timestamp("Jul 32 00:00:00") is None


def test_their_lines_are_timed_for_a_merge():
    times = LineTimes().of_lines([ARCHIVE.encode(), TEXT.encode(), b"no time here"])
    assert times[0] == micros_of(parse_timestamp("2011-02-10 00:19:36 -0800"))
    assert times[1] == micros_of(parse_timestamp("Jul 16 22:52:42"))
    assert times[2] == 0


_NAME = st.from_regex(r"[a-z][a-z0-9\-]{0,8}", fullmatch=True)


@given(_NAME, st.sampled_from(["app", "heroku"]), _NAME, st.text(max_size=40))
def test_origins_counted_over_bytes_name_what_records_parse(host, source, dyno, message):
    """The bulk pattern (over bytes) and the line parser agree on every Papertrail line."""
    message = message.replace("\n", " ").replace("\r", " ")
    for line in (f"Jul 16 22:52:42 {host} {source}/{dyno}: {message}", f"1\t2011-02-10 00:19:36"
                 f" -0800\tx\t1\t{host}\t1.2.3.4\tUser\tInfo\t{source}/{dyno}\t{message}"):  # fmt: skip
        (found,) = LINE_ORIGIN_RE.findall(line.encode() + b"\n")
        rec = parse_line(line)
        assert found.decode().replace("/", "[", 1) + "]" == f"{rec.source}[{rec.dyno}]"
        assert HEADER_RE.match(line)["source"] == source
