"""Team-wide tasks that one router at a time must run, by a lease in the database — drains'
leases (`postgres_drains.py`) for a task that is not a drain: one row per task in
`tuilogs.leases`, with its owner (a router's id, `forward.new_owner`) and its expiry by the
database's clock.

As with a drain: the owner renews well within the ttl; a router takes the task when nobody
holds it or its owner stopped renewing; a router stopping cleanly releases it, so another
takes it at once. The owner's writes for the task check the lease in their own transaction
(`holds`, which locks the row for share): a router that lost the lease learns it there and
writes nothing, and the router taking over waits for a write under way to commit, so it reads
everything the last owner wrote. Used by the alert rules (`alerting/team.py`).
"""

from __future__ import annotations

import psycopg

SCHEMA = """
create table if not exists tuilogs.leases(
    name text primary key,
    owner text not null,
    lease_expires timestamptz not null
)
"""

_HOLD = """
insert into tuilogs.leases(name, owner, lease_expires)
values (%(name)s, %(owner)s, now() + make_interval(secs => %(ttl)s))
on conflict (name) do update set owner = excluded.owner, lease_expires = excluded.lease_expires
where tuilogs.leases.owner = excluded.owner or tuilogs.leases.lease_expires < now()
returning extract(epoch from lease_expires)::float8
"""
_HOLDS = (
    "select 1 from tuilogs.leases where name = %s and owner = %s and lease_expires > now()"
    " for share"
)
_RELEASE = "delete from tuilogs.leases where name = %s and owner = %s"


def hold(conn: psycopg.Connection, name: str, owner: str, ttl: float) -> float | None:
    """Renew `owner`'s lease on `name`, or take it if free or expired, for `ttl` seconds; when
    it expires (seconds since the epoch), or None when another router holds it."""
    row = conn.execute(_HOLD, {"name": name, "owner": owner, "ttl": ttl}).fetchone()
    return row[0] if row else None


def holds(conn: psycopg.Connection, name: str, owner: str) -> bool:
    """Whether `owner` holds `name` now; in a transaction, until it ends (see the docstring)."""
    return conn.execute(_HOLDS, (name, owner)).fetchone() is not None


def release(conn: psycopg.Connection, name: str, owner: str) -> None:
    """Give `name` up (a router stopping): another router may take it at once."""
    conn.execute(_RELEASE, (name, owner))
