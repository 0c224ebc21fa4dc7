"""Rule queries matched off the router's GIL on a PostgreSQL store: `matcher.StoreMatcher`'s
child process, reading the team's database instead of a SQLite file.

The evaluating router (one per team, `team.TeamAlerting`) must count every router's lines, so
the child reads them from the database by id, as `matcher.evaluate` reads SQLite: an app's
stored batches after the cursor with the time they were received (`tuilogs.batches`, written in
the statement that stores the lines, so a batch seen is a batch whose lines are seen), then the
lines of those batches by id range, both in one REPEATABLE READ snapshot, and the same
`matcher.matched` counts them. Ids of an app become visible in order (`store/postgres.py`), so
a cursor never steps over a line that commits later.

`received_at` is the database's clock (`now()` of the storing transaction), not the router's:
the windows of one rule compare times from one clock whichever router stored the lines. An
absence is still judged by the evaluating router's clock; routers whose clocks are more than a
few seconds from the database's shift absences by as much.

The child's connection is its own (not the pool's: the pool lives in the router process) and is
opened again after a failure, so a database restart costs one failed evaluation.
"""

from __future__ import annotations

from collections.abc import Sequence

import psycopg

from tuilogs.core.query import Query
from tuilogs.core.record import LogRecord

from ..store.postgres_db import CONNECT_TIMEOUT, masked_url
from .matcher import Evaluation, StoreMatcher, _taken, matched
from .windows import NOTICE

_BATCHES = (
    "select a.id, b.first_id, b.last_id, extract(epoch from b.received_at)::float8"
    " from tuilogs.batches b join tuilogs.apps a on a.id = b.app_id"
    " where a.name = %s and b.last_id > %s order by b.last_id limit 10000"
)
_LINES = (
    "select id, ts, source, dyno, message from tuilogs.all_lines"
    " where app_id = %s and id > %s and id <= %s order by id"
)


class PgReader:
    """A connection of the child's own to the database at `url`, made again after a failure."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._conn: psycopg.Connection | None = None

    def conn(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def evaluate(
    reader: PgReader,
    app: str,
    after: int,
    queries: Sequence[str],
    cache: dict[str, Query],
) -> Evaluation:
    """The stored batches of `app` after id `after` (up to `matcher.MAX_LINES` lines), matched
    (see the module docstring)."""
    try:
        conn = reader.conn()
        with conn.transaction():
            conn.execute("set transaction isolation level repeatable read, read only")
            found = conn.execute(_BATCHES, (app, after)).fetchall()
            batches = _taken([(first, last, at) for _, first, last, at in found])
            if not batches:
                return after, []
            rows = conn.execute(_LINES, (found[0][0], after, batches[-1][1])).fetchall()
    except psycopg.Error as exc:
        reader.close()
        # the message may spell the connection string: never its password
        raise RuntimeError(str(exc).replace(reader.url, masked_url(reader.url))) from None
    kept = [r for r in rows if (r[2], r[3]) != NOTICE]  # never the rules' own notices
    lines = [LogRecord(*r[1:]).line().encode("utf-8", "replace") for r in kept]
    return matched(batches, [r[0] for r in kept], lines, queries, cache)


class PgMatcher(StoreMatcher):
    """`StoreMatcher` over the PostgreSQL database at `url` (the store's own URL)."""

    connect = staticmethod(PgReader)
    read = staticmethod(evaluate)
