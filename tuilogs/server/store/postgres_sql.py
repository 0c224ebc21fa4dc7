"""The PostgreSQL store's SQL: its schema (version and migrations), the ingest statement, and
how it matches a dyno and a time (`POSTGRES`, the dialect of `shared_sql.Dialect`).

Everything lives in the schema `tuilogs`, so the store can share a database (Heroku's add-on
gives one per app, a team may point several tools at one). Kept apart from `postgres.py`,
which runs it, so the filters can be checked against `record.dyno_matches` on their own.

Ids count per app (`apps.last_id`, see `postgres.py`). A batch goes into `recent`, a small
table without search index; the upkeep moves lines from there into `lines`, partitioned by the
day a line was received (UTC, the database's clock) and indexed for search
(`postgres_upkeep.py`). Reads go through the view `all_lines`, both tables, so a line is seen
exactly once whichever side of a move a reader's snapshot falls on.
"""

from __future__ import annotations

import re

from .alerts_sql import SCHEMA as ALERTS_SCHEMA
from .builds import builds_schema
from .postgres_leases import SCHEMA as LEASES_SCHEMA
from .shared_sql import Dialect

SCHEMA_VERSION = 6
SCHEMA_LOCK = 0x7475_696C_6F67_7301  # pg_advisory_lock key: schema created/migrated by one router
NOTIFY_CHANNEL = "tuilogs_lines"

# A stored line's columns, the same in `lines` and `recent`: the view `all_lines` unions the
# two, and the upkeep moves rows from one into the other (postgres_upkeep.py).
_LINE_COLUMNS = """(
        app_id integer not null,
        id bigint not null,
        day date not null default ((now() at time zone 'utc')::date),
        ts text not null,
        source text not null,
        dyno text not null,
        message text not null
    )"""

# One statement per version: version N is reached by running MIGRATIONS[N - 1].
MIGRATIONS = [
    f"""
    create schema if not exists tuilogs;
    create table if not exists tuilogs.meta(key text primary key, value bigint not null);
    create table if not exists tuilogs.apps(
        id serial primary key,
        name text not null unique,
        created_at text not null,
        updated_at text not null,
        last_id bigint not null default 0
    );
    create table if not exists tuilogs.lines{_LINE_COLUMNS} partition by range (day);
    create index if not exists lines_app_id on tuilogs.lines (app_id, id);
    create table if not exists tuilogs.recent{_LINE_COLUMNS} with (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 20000);
    create index if not exists recent_app_id on tuilogs.recent (app_id, id);
    create or replace view tuilogs.all_lines as
        select app_id, id, day, ts, source, dyno, message from tuilogs.lines
        union all
        select app_id, id, day, ts, source, dyno, message from tuilogs.recent;
    create table if not exists tuilogs.frames(
        app text not null,
        frame_id text not null,
        received_at timestamptz not null default now(),
        primary key (app, frame_id)
    );
    create index if not exists frames_received on tuilogs.frames (received_at);
    create table if not exists tuilogs.drains(
        id text primary key,
        app text not null,
        url text not null,
        token text not null unique,
        created_at text not null,
        updated_at text not null,
        cursor bigint not null default 0,
        owner text,
        lease_expires timestamptz
    );
    create unique index if not exists drains_app_url on tuilogs.drains (app, url);
    create table if not exists tuilogs.routers(
        owner text primary key,
        seen_until timestamptz not null
    );
    """,
    # 2: batches as stored, which drain forwarders cut their deliveries by (drain_cursor.py),
    # with the hops they made (hops.py).
    """
    create table if not exists tuilogs.batches(
        app_id integer not null,
        last_id bigint not null,
        first_id bigint not null,
        hops integer not null default 0,
        received_at timestamptz not null default now(),
        primary key (app_id, last_id)
    );
    create index if not exists batches_received on tuilogs.batches (received_at);
    """,
    # 3: what redaction removed, per app and rule (`tuilogs serve --redact`, log-stats).
    """
    create table if not exists tuilogs.redactions(
        app text not null,
        rule text not null,
        count bigint not null,
        primary key (app, rule)
    );
    """,
    # 4: builds recorded by `tuilogs build` (builds.py), the tables SQLite has.
    "set local search_path to tuilogs;\n" + builds_schema(),
    # 5: saved searches and alerting's tables (alerts_sql.py, portable SQL naming no schema):
    # made here, in `tuilogs`, where the pool's search_path finds them (postgres_db.py), so
    # routers starting at once do not race to create them (`PostgresAlertStore` at start).
    "set local search_path to tuilogs;\n" + ";\n".join(ALERTS_SCHEMA),
    # 6: leases on team-wide tasks that are not drains: the alert rules' evaluation.
    LEASES_SCHEMA,
]

# The search index on every partition (made by the partitioned index); pg_trgm's operator
# class may live in any schema the extension was installed in, hence created apart.
TRGM_INDEX = (
    "create index if not exists lines_message_trgm on tuilogs.lines using gin (message {opclass})"
)

# Store one batch in one statement (its own transaction): a frame id seen before inserts
# nothing (`f` conflicts, so `a` takes no ids and `l` no lines); otherwise the app's row is
# locked and its counter advanced (`a`), which orders the app's batches, and the lines get
# the ids last_id - n + 1 .. last_id, in `recent` (no search index: postgres_upkeep.py moves
# them into `lines`), and the batch its row in `batches` (`b`, for drain forwarders). The
# NOTIFY is sent when the transaction commits.
APPEND_SQL = """
with f as (
    insert into tuilogs.frames(app, frame_id) select %(app)s, %(frame)s
    where %(frame)s::text is not null
    on conflict do nothing
    returning 1
), a as (
    insert into tuilogs.apps(name, created_at, updated_at, last_id)
    select %(app)s, %(stamp)s, %(stamp)s, %(n)s
    where %(frame)s::text is null or exists (select from f)
    on conflict (name) do update
        set last_id = tuilogs.apps.last_id + excluded.last_id, updated_at = excluded.updated_at
    returning id, last_id
), l as (
    insert into tuilogs.recent(app_id, id, ts, source, dyno, message)
    select a.id, a.last_id - %(n)s + r.n, r.ts, r.source, r.dyno, r.message
    from a, unnest(%(ts)s::text[], %(source)s::text[], %(dyno)s::text[], %(message)s::text[])
        with ordinality as r(ts, source, dyno, message, n)
), b as (
    insert into tuilogs.batches(app_id, first_id, last_id, hops)
    select a.id, a.last_id - %(n)s + 1, a.last_id, %(hops)s from a
)
select a.last_id, pg_notify(%(channel)s, %(app)s || ' ' || a.last_id) from a
"""

# Redaction totals only grow; two routers adding to one app's rules take the rows' locks in
# rule order (the caller sorts), so they wait for each other rather than deadlock.
ADD_REDACTIONS_SQL = """
insert into tuilogs.redactions(app, rule, count) values (%s, %s, %s)
on conflict (app, rule) do update set count = tuilogs.redactions.count + excluded.count
"""
REDACTIONS_SQL = "select rule, count from tuilogs.redactions where app = %s order by rule"

APP_ID_SQL = "select id, last_id from tuilogs.apps where name = %s"
# Ids count per app without holes, so the lines an app had before a batch are its first id - 1.
BATCHES_SQL = (
    "select b.first_id, b.last_id, b.hops, b.first_id - 1 from tuilogs.batches b"
    " join tuilogs.apps a on a.id = b.app_id where a.name = %s and b.last_id > %s"
    " order by b.last_id limit %s"
)
# Batch rows go with the day their lines were in (retention), but those holding a drain's
# cursor, as on SQLite (sqlite_drains.py): a router taking the drain over locates it there.
TRIM_BATCHES_SQL = """
delete from tuilogs.batches b where b.received_at < %s and not exists (
    select 1 from tuilogs.drains d join tuilogs.apps a on a.name = d.app
    where a.id = b.app_id and d.cursor between b.first_id and b.last_id)
"""

_FIR_TYPE = re.compile(r"[A-Za-z0-9_]+")


def dyno_clause(dyno: str, col: str = "dyno") -> tuple[str, list]:
    """SQL for Heroku's dyno filter (`record.dyno_matches`): `web` matches `web.1`, `web.12`
    and Fir's `web-123-456`; `web.1` matches only itself. Digits are ASCII digits."""
    if "." in dyno:
        return f"{col} = %s", [dyno]
    parts = [f"{col} = %s", f"starts_with({col}, %s)"]
    args: list = [dyno, dyno + "."]
    if _FIR_TYPE.fullmatch(dyno):  # no regex metacharacters in it
        parts.append(f"{col} ~ %s")
        args.append(f"^{dyno}(-[0-9]+)+$")
    return "(" + " or ".join(parts) + ")", args


# RFC 3339 as the SQLite store reads it (`Z`, `±HH:MM` or `±HHMM`, any fraction), its fields
# in range: text that does not fit is in no bounded range instead of failing the query. The
# day is checked against its month before the cast (CASE evaluates in order): `02-30` would
# fail it.
_RFC3339 = (
    "^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    "([.][0-9]+)?(Z|[+-][0-9]{2}:?[0-9]{2})$"
)


def ts_seconds(col: str = "ts") -> str:
    """SQL for a stored timestamp in whole seconds since the epoch (NULL when unreadable): the
    floor, as the SQLite store and the explorer's time column count (`core/timeline.py`)."""
    month = f"make_date(substr({col}, 1, 4)::int, substr({col}, 6, 2)::int, 1)"
    last_day = f"extract(day from {month} + interval '1 month' - interval '1 day')"
    return (
        f"(case when {col} ~ '{_RFC3339}' then case when substr({col}, 9, 2)::int <= {last_day}"
        f" then floor(extract(epoch from {col}::timestamptz))::bigint end end)"
    )


POSTGRES = Dialect("%s", dyno_clause, ts_seconds)


def clean(text: str) -> str:
    """`text` as PostgreSQL's text can hold it (no NUL, no lone surrogate)."""
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)
    return text
