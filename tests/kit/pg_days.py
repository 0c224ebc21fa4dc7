"""Lines of a PostgreSQL store made older than they are, so that real retention (which drops
whole days, `postgres_upkeep.py`) removes them in a test that cannot wait for days to pass."""

from __future__ import annotations

import datetime as dt

from tuilogs.server.store.postgres import PostgresStore
from tuilogs.server.store.postgres_upkeep import TODAY_SQL, partition_name


def index_all(store: PostgresStore) -> None:
    """Move every pending line into the day partitions (the upkeep's background work)."""
    while store.upkeep.index_pending():
        pass


def today(store: PostgresStore) -> dt.date:
    with store.db.conn() as conn:
        return conn.execute(TODAY_SQL).fetchone()[0]


def move_to_day(store: PostgresStore, upto: int, day: dt.date, app: str | None = None) -> None:
    """Lines with id <= `upto` (of `app`, or of every app) and their batches as if they had
    arrived on `day` (its partition made)."""
    index_all(store)
    apps = "select id from tuilogs.apps" + ("" if app is None else " where name = %s")
    extra = () if app is None else (app,)
    received = dt.datetime.combine(day, dt.time(12), dt.timezone.utc)
    with store.db.conn() as conn:
        if partition_name(day) not in {n for _, n, _ in store.upkeep.partitions(conn)}:
            store.upkeep.make_partition(conn, day)
        conn.execute(
            f"update tuilogs.lines set day = %s where id <= %s and app_id in ({apps})",
            (day, upto, *extra),
        )
        conn.execute(
            f"update tuilogs.batches set received_at = %s where last_id <= %s"
            f" and app_id in ({apps})",
            (received, upto, *extra),
        )
        conn.execute("vacuum tuilogs.lines, tuilogs.recent")  # moved rows leave no dead space


def remove_upto(store: PostgresStore, upto: int) -> int:
    """Retention by age removes the lines with id <= `upto` (of every app); how many went."""
    move_to_day(store, upto, today(store) - dt.timedelta(days=5))
    return store.enforce_retention()
