"""Alerting's tables and statements, in SQL that SQLite (>= 3.24) and PostgreSQL both run.

Portable on purpose (a PostgreSQL store implements `AlertStore` with these very strings):
text ids made by the router (uuid4), no autoincrement, `double precision` times in epoch
seconds, integers for booleans, `insert ... on conflict ... do update` for upserts. The one
difference is the parameter style: SQLite's `?`, psycopg's `%s` (`for_psycopg`).
"""

from __future__ import annotations

SCHEMA = (
    """create table if not exists saved_searches(
    app text not null,
    name text not null,
    query text not null,
    created_at double precision not null,
    updated_at double precision not null,
    primary key (app, name))""",
    """create table if not exists alert_rules(
    id text primary key,
    app text not null,
    name text not null,
    query text not null,
    kind text not null,
    threshold integer not null,
    window_seconds double precision not null,
    cooldown double precision not null,
    webhook text not null,
    created_at double precision not null,
    unique (app, name))""",
    """create table if not exists alert_state(
    rule_id text primary key,
    window_start double precision,
    count integer not null,
    fired integer not null,
    last_fired double precision,
    last_seen double precision)""",
    """create table if not exists alert_firings(
    id text primary key,
    rule_id text not null,
    app text not null,
    rule_name text not null,
    at double precision not null,
    count integer not null,
    message text not null)""",
    "create index if not exists alert_firings_app_at on alert_firings(app, at)",
    """create table if not exists alert_cursors(
    app text primary key,
    last_id bigint not null)""",
)

SEARCH_COLS = "app, name, query, created_at, updated_at"
RULE_COLS = "id, app, name, query, kind, threshold, window_seconds, cooldown, webhook, created_at"
STATE_COLS = "rule_id, window_start, count, fired, last_fired, last_seen"
FIRING_COLS = "id, rule_id, app, rule_name, at, count, message"

SEARCHES = f"select {SEARCH_COLS} from saved_searches where app = ? order by name"
SEARCH = f"select {SEARCH_COLS} from saved_searches where app = ? and name = ?"
UPSERT_SEARCH = (
    f"insert into saved_searches({SEARCH_COLS}) values (?, ?, ?, ?, ?)"
    " on conflict (app, name) do update set query = excluded.query,"
    " updated_at = excluded.updated_at"
)
DELETE_SEARCH = "delete from saved_searches where app = ? and name = ?"

RULES = f"select {RULE_COLS} from alert_rules order by app, name"
APP_RULES = f"select {RULE_COLS} from alert_rules where app = ? order by name"
RULE_BY_IDENT = f"select {RULE_COLS} from alert_rules where app = ? and (id = ? or name = ?)"
RULE_NAMED = "select 1 from alert_rules where app = ? and name = ?"
INSERT_RULE = f"insert into alert_rules({RULE_COLS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
DELETE_RULE = "delete from alert_rules where id = ?"
DELETE_STATE = "delete from alert_state where rule_id = ?"

STATES = f"select {STATE_COLS} from alert_state"
UPSERT_STATE = (
    f"insert into alert_state({STATE_COLS}) values (?, ?, ?, ?, ?, ?)"
    " on conflict (rule_id) do update set window_start = excluded.window_start,"
    " count = excluded.count, fired = excluded.fired, last_fired = excluded.last_fired,"
    " last_seen = excluded.last_seen"
)
CURSORS = "select app, last_id from alert_cursors"
UPSERT_CURSOR = (
    "insert into alert_cursors(app, last_id) values (?, ?)"
    " on conflict (app) do update set last_id = excluded.last_id"
)
INSERT_FIRING = f"insert into alert_firings({FIRING_COLS}) values (?, ?, ?, ?, ?, ?, ?)"
FIRINGS = (
    f"select {FIRING_COLS} from alert_firings where app = ? and at > ? order by at desc limit ?"
)


def for_psycopg(sql: str) -> str:
    """The statement with psycopg's placeholders (none of ours holds a literal `?` or `%`)."""
    return sql.replace("?", "%s")
