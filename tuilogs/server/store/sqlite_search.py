"""Reading lines out of the SQLite store: byte-bounded reads, and substring search over the
FTS index plus the lines it does not cover yet.

The background indexer folds lines into the index up to `upto`; a search asks the index (its
partitions in order, sqlite_fts.py) for ids up to there and scans the newer lines with `LIKE`,
so results are exact either way. The
index sees only an ESCAPE-less LIKE (q's own % and _ act as wildcards, a superset); the exact
pattern is re-checked on the row. CROSS JOIN keeps the FTS scan (in rowid order, stopping at
the limit) on the outside.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from .interface import LineQuery, StoredLine
from .shared_sql import LINE_COLS, like_pattern
from .sqlite_fts import OLDEST_ID, parts
from .sqlite_sql import SQLITE


def fetch_lines(
    conn: sqlite3.Connection, sql: str, args: Sequence, max_bytes: int | None = None
) -> list[StoredLine]:
    """The rows of `sql` as lines, stepping the cursor only until their messages reach
    `max_bytes` (the rest is never fetched)."""
    out: list[StoredLine] = []
    total = 0
    cursor = conn.execute(sql, args)
    try:
        for row in cursor:
            out.append(StoredLine(*row))
            if max_bytes is not None:
                total += len(row[4])
                if total >= max_bytes:
                    break
    finally:
        cursor.close()  # ends the read: an unfinished statement would pin the WAL
    return out


class Search:
    """One search (a `LineQuery` with `q`) on one connection, inside one read transaction
    (the oldest id it reads first must still be the oldest when it queries the index); ids
    are exclusive bounds."""

    def __init__(self, conn: sqlite3.Connection, query: LineQuery, upto: int) -> None:
        q = query.q or ""
        self.conn = conn
        self.upto = upto
        self.pattern = like_pattern(q)
        self.fts_pattern = f"%{q}%"
        self.where, self.args = SQLITE.line_filters(query)
        self.lwhere, self.largs = SQLITE.line_filters(query, prefix="l.")
        self.oldest = conn.execute(OLDEST_ID).fetchone()[0]

    def _scan_sql(self, cols: str, order: str) -> str:
        return (
            f"select {cols} from lines where {self.where} and id > ? and id < ?"
            f" and message like ? escape '\\' order by id {order} limit ?"
        )

    def _fts_sql(self, table: str, cols: str, order: str) -> str:
        lcols = ", ".join(f"l.{c.strip()}" for c in cols.split(","))
        return (
            f"select {lcols} from {table} f cross join lines l on l.id = f.rowid"
            " where f.message like ? and f.rowid >= ? and f.rowid < ?"
            f" and {self.lwhere} and l.message like ? escape '\\'"
            f" order by f.rowid {order} limit ?"
        )

    def _scan_args(self, lo: int, hi: int, n: int) -> list:
        return [*self.args, lo, hi, self.pattern, n]

    def _fts_args(self, lo: int, hi: int, n: int) -> list:
        return [self.fts_pattern, lo + 1, hi, *self.largs, self.pattern, n]

    def _indexed(self, lo: int, split: int) -> list[tuple[str, int, int]]:
        """(partition, lo, hi) to ask for ids in (lo, split), oldest first: only from the
        oldest stored id on, as FTS5 reads the row at either end of a range it scans."""
        lo = max(lo, self.oldest - 1)
        if lo + 1 >= split:
            return []
        spans = []
        for part in parts(self.conn, lo, split):
            a, b = max(lo, part.first_id - 1), min(split, part.last_id + 1)
            if a + 1 < b:
                spans.append((part.name, a, b))
        return spans

    def first(self, lo: int, hi: int, limit: int, max_bytes: int | None) -> list[StoredLine]:
        """The first `limit` matches with lo < id < hi, oldest first, up to `max_bytes`."""
        rows: list[StoredLine] = []
        budget = max_bytes
        split = min(hi, self.upto + 1)
        # The indexed part, partition by partition, then the lines not indexed yet.
        for name, a, b in self._indexed(lo, split):
            sql = self._fts_sql(name, LINE_COLS, "asc")
            got = fetch_lines(self.conn, sql, self._fts_args(a, b, limit - len(rows)), budget)
            rows += got
            if budget is not None:
                budget -= sum(len(r.message) for r in got)
            if len(rows) >= limit or (budget is not None and budget <= 0):
                return rows
        start = max(lo, self.upto)
        if start + 1 >= hi:
            return rows
        sql = self._scan_sql(LINE_COLS, "asc")
        return rows + fetch_lines(
            self.conn, sql, self._scan_args(start, hi, limit - len(rows)), budget
        )

    def newest_ids(self, lo: int, hi: int, n: int) -> list[int]:
        """The ids of the last `n` matches with lo < id < hi, newest first."""
        ids: list[int] = []
        start = max(lo, self.upto)
        if start + 1 < hi:  # the part not indexed yet
            sql = self._scan_sql("id", "desc")
            ids = [r[0] for r in self.conn.execute(sql, self._scan_args(start, hi, n))]
        split = min(hi, self.upto + 1)
        for name, a, b in reversed(self._indexed(lo, split)):
            if len(ids) >= n:
                break
            sql = self._fts_sql(name, "id", "desc")
            ids += [r[0] for r in self.conn.execute(sql, self._fts_args(a, b, n - len(ids)))]
        return ids
