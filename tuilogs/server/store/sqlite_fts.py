"""The search index in partitions by id: one FTS5 table per range of ids (`fts_parts`), each
dropped whole once retention has deleted every line it covers.

Why: an external-content FTS5 index forgets a line only through a 'delete' that re-tokenises
it, as slow as indexing (~16k lines/s measured) and leaving tombstones that *grow* the index
until segments merge: deleting half of 200k indexed lines took 6 s and freed 4 MB of 76, and
retention, seeing the file no smaller, deleted on (`--retention-mb 500` kept 108 MB). Here
retention deletes rows only, and entries of deleted lines stay in the oldest partition until it
is dropped. They are never read: every index query stays within the stored ids, read in the
same transaction (FTS5 checks each candidate against its row, and reads the row at either end
of the range it scans; a missing row reads as corruption). A
partition holds about `part_bytes` of messages, a thirty-second of the retention budget, so
the entries waiting to be dropped stay a small share of the store, and retention leaves them
out of its count (`stale_bytes`) rather than deleting lines for space it cannot free.

The single `lines_fts` table of earlier versions is adopted as the first partition.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

PARTS_SCHEMA = (
    "create table if not exists fts_parts(name text primary key,"
    " first_id integer not null, last_id integer not null, bytes integer not null default 0)"
)

LEGACY = "lines_fts"
MIN_PART_BYTES = 256 << 10
MAX_PART_BYTES = 64 << 20

# The oldest stored id: index queries never reach below it (FTS5 reads the row at either end
# of a rowid range it scans), so entries of deleted lines are never touched.
OLDEST_ID = "select coalesce(min(id), 1) from lines"


def fts_table(name: str) -> str:
    return (
        f"create virtual table if not exists {name} using fts5("
        "message, content='lines', content_rowid='id', tokenize='trigram', detail=none)"
    )


@dataclass(frozen=True, slots=True)
class Part:
    """One partition: its table and the ids it covers (first_id..last_id)."""

    name: str
    first_id: int
    last_id: int
    bytes: int = 0


def fts_available(conn: sqlite3.Connection) -> bool:
    """Whether this SQLite has FTS5 with the trigram tokenizer (3.34+); sets up the partition
    list, adopting an earlier version's single index."""
    conn.execute("create virtual table temp.fts_probe using fts5(x, tokenize='trigram')")
    conn.execute("drop table temp.fts_probe")
    conn.execute(PARTS_SCHEMA)
    legacy = conn.execute("select 1 from sqlite_master where name = ?", (LEGACY,)).fetchone()
    if legacy and not conn.execute("select 1 from fts_parts where name = ?", (LEGACY,)).fetchone():
        row = conn.execute("select value from meta where key = 'fts_upto'").fetchone()
        conn.execute(
            "insert into fts_parts(name, first_id, last_id) values (?, 1, ?)",
            (LEGACY, row[0] if row else 0),
        )
    return True


def parts(conn: sqlite3.Connection, lo: int = 0, hi: int = 1 << 62) -> list[Part]:
    """The partitions holding ids in (lo, hi), oldest first."""
    sql = (
        "select name, first_id, last_id, bytes from fts_parts"
        " where last_id > ? and first_id < ? order by first_id"
    )
    return [Part(*row) for row in conn.execute(sql, (lo, hi))]


def part_bytes(retention_budget: int | None) -> int:
    """How much of the messages one partition indexes (its index is about twice that)."""
    if not retention_budget:
        return MAX_PART_BYTES
    return max(MIN_PART_BYTES, min(MAX_PART_BYTES, retention_budget // 32))


def stale_bytes(conn: sqlite3.Connection) -> int:
    """About how much of the index belongs to deleted lines (in the oldest partition, in
    proportion to the share of its ids that are gone): space retention cannot free by
    deleting more lines, so it must not count it."""
    lowest = conn.execute("select coalesce(min(id), 0) from lines").fetchone()[0]
    oldest = parts(conn)[:1]
    if not oldest or oldest[0].first_id >= lowest:
        return 0
    part = oldest[0]
    size = conn.execute(f"select coalesce(sum(length(block)), 0) from {part.name}_data")
    covered = part.last_id - part.first_id + 1
    gone = min(lowest, part.last_id + 1) - part.first_id
    return size.fetchone()[0] * gone // max(covered, 1)


def index_range(conn: sqlite3.Connection, start: int, end: int, size: int) -> None:
    """Index the lines with start < id <= end into the newest partition, or a new one once it
    holds `size` bytes of messages (inside the caller's write transaction)."""
    row = conn.execute(
        "select name, first_id, last_id, bytes from fts_parts order by first_id desc limit 1"
    ).fetchone()
    current = Part(*row) if row else None
    if current is None or current.bytes >= size:
        seq = conn.execute(
            "select coalesce(max(cast(substr(name, 11) as integer)), 0) + 1 from fts_parts"
            " where name like 'lines_fts\\_%' escape '\\'"
        ).fetchone()[0]
        current = Part(f"lines_fts_{seq}", start + 1, start)
        conn.execute(fts_table(current.name))
        conn.execute(
            "insert into fts_parts(name, first_id, last_id) values (?, ?, ?)",
            (current.name, current.first_id, current.last_id),
        )
    conn.execute(
        f"insert into {current.name}(rowid, message)"
        " select id, message from lines where id > ? and id <= ?",
        (start, end),
    )
    added = conn.execute(
        "select coalesce(sum(length(message)), 0) from lines where id > ? and id <= ?",
        (start, end),
    ).fetchone()[0]
    conn.execute(
        "update fts_parts set last_id = ?, bytes = bytes + ? where name = ?",
        (end, added, current.name),
    )


def drop_upto(conn: sqlite3.Connection, last_deleted: int) -> int:
    """Drop the partitions whose every line is gone (ids <= last_deleted); how many."""
    sql = "select name from fts_parts where last_id <= ?"
    names = [row[0] for row in conn.execute(sql, (last_deleted,))]
    for name in names:
        conn.execute(f"drop table {name}")
        conn.execute("delete from fts_parts where name = ?", (name,))
    return len(names)
