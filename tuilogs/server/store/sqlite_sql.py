"""The SQLite store's SQL: its schema, and how it matches a dyno and a time (`SQLITE`, the
dialect `shared_sql.Dialect.line_filters` builds Heroku's filters with).

Kept apart from `sqlite.py` (which runs it) so the filters can be checked against
`record.dyno_matches` on their own (tests/server/store/test_sqlite_store.py does, by property).
"""

from __future__ import annotations

import re
import sqlite3

from .shared_sql import Dialect

SCHEMA = """
create table if not exists lines(
    id integer primary key,
    app text not null,
    ts text not null,
    source text not null,
    dyno text not null,
    message text not null
);
create index if not exists lines_app_id on lines(app, id);
create table if not exists batches(
    id integer primary key,
    app text not null,
    frame_id text,
    first_id integer not null,
    last_id integer not null,
    received_at real not null,
    hops integer not null default 0,
    seq integer
);
create unique index if not exists batches_frame on batches(app, frame_id)
    where frame_id is not null;
create index if not exists batches_received on batches(received_at);
create index if not exists batches_app_last on batches(app, last_id);
create table if not exists apps(
    name text primary key,
    created_at text not null,
    updated_at text not null,
    lines_total integer not null default 0
);
create table if not exists drains(
    id text primary key,
    app text not null,
    url text not null,
    token text not null unique,
    created_at text not null,
    updated_at text not null
);
create unique index if not exists drains_app_url on drains(app, url);
create table if not exists drain_leases(
    drain_id text primary key,
    cursor integer not null,
    owner text,
    expires_at real not null default 0
);
create table if not exists meta(key text primary key, value integer not null);
create table if not exists redactions(
    app text not null,
    rule text not null,
    count integer not null,
    primary key(app, rule)
);
"""

SCHEMA_VERSION = 1
# Columns added since files were first made (sqlite_drains.py reads them): added when missing.
ADDED_COLUMNS = (
    ("batches", "hops", "integer not null default 0"),
    ("batches", "seq", "integer"),
    ("apps", "lines_total", "integer not null default 0"),
)
HEAD_SQL = "select coalesce(max(id), 0) from lines"


def add_missing_columns(conn: sqlite3.Connection) -> None:
    """Bring a file made by an older version up to `SCHEMA` (`ADDED_COLUMNS`)."""
    for table, column, decl in ADDED_COLUMNS:
        have = {row[1] for row in conn.execute(f"pragma table_info({table})")}
        if column not in have:
            conn.execute(f"alter table {table} add column {column} {decl}")


_FIR_TYPE = re.compile(r"[A-Za-z0-9_]+")


def dyno_clause(dyno: str, col: str = "dyno") -> tuple[str, list]:
    """SQL for Heroku's dyno filter (`record.dyno_matches`), so filtering stays in SQLite.

    `web` matches `web.1`, `web.12` and Fir's `web-123-456`; `web.1` matches only itself.
    Digits are ASCII digits.
    """
    if "." in dyno:
        return f"{col} = ?", [dyno]
    parts = [f"{col} = ?", f"substr({col}, 1, ?) = ?"]
    args: list = [dyno, len(dyno) + 1, dyno + "."]
    if _FIR_TYPE.fullmatch(dyno):
        # The rest after `type-` must be `\d+(-\d+)*` and the whole name has no dot.
        rest = f"substr({col}, ?)"
        parts.append(
            f"(instr({col}, '.') = 0 AND substr({col}, 1, ?) = ? AND {rest} <> ''"
            f" AND {rest} NOT GLOB '*[^0-9-]*' AND {rest} NOT GLOB '-*'"
            f" AND {rest} NOT GLOB '*-' AND {rest} NOT GLOB '*--*')"
        )
        n = len(dyno) + 2
        args += [len(dyno) + 1, dyno + "-", n, n, n, n, n]
    return "(" + " OR ".join(parts) + ")", args


def ts_seconds(col: str = "ts") -> str:
    """SQL for a stored timestamp in whole seconds since the epoch (NULL when unreadable).

    SQLite reads RFC 3339 with `Z` or `±HH:MM` and any fraction; `±HHMM` is rewritten to
    `±HH:MM` first. `%s` truncates, which is the floor for any time after 1970: the same whole
    seconds as the explorer's time column (`core/stamp_seconds.py`)."""
    # SQLite rolls `2026-02-30` over into March; the explorer reads no time there, nor here.
    return (
        f"(case when date(substr({col}, 1, 10), '+0 days') = substr({col}, 1, 10) then"
        f" coalesce(cast(strftime('%s', {col}) as integer), cast(strftime('%s',"
        f" substr({col}, 1, length({col}) - 2) || ':' || substr({col}, -2)) as integer)) end)"
    )


SQLITE = Dialect("?", dyno_clause, ts_seconds)
