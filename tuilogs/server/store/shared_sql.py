"""SQL that both stores run: the drain statements, a line's columns, and the WHERE clause of
Heroku's filters, which differs between the stores only in how a dyno and a time are matched.

Written once, in SQL that SQLite and PostgreSQL both run as it stands (as `alerts_sql.py` is):
names without a schema (PostgreSQL's pool finds the tables on its `search_path`,
`postgres_db.py`) and SQLite's `?` placeholders, which `for_psycopg` turns into psycopg's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .alerts_sql import for_psycopg

if TYPE_CHECKING:  # the interface imports builds.py, which reads this module
    from .interface import LineQuery

__all__ = ["Dialect", "for_psycopg"]

LINE_COLS = "id, ts, source, dyno, message"
DRAIN_COLS = "id, app, url, token, created_at, updated_at"
# An app exists from its first drain or build on (arguments: name, created_at, updated_at);
# its first lines make it too, each store in its own ingest statement.
MAKE_APP_SQL = (
    "insert into apps(name, created_at, updated_at) values (?, ?, ?) on conflict (name) do nothing"
)


def drains_sql(of_app: bool) -> str:
    """Drains oldest first: every app's, or (`of_app`) one app's, its name the argument."""
    where = " where app = ?" if of_app else ""
    return f"select {DRAIN_COLS} from drains{where} order by created_at, id"


# A drain of an app by id, URL or token (arguments: app, then the ident three times).
FIND_DRAIN_SQL = (
    f"select {DRAIN_COLS} from drains where app = ?"
    " and (id = ? or url = ? or token = ?) order by created_at limit 1"
)


@dataclass(frozen=True, slots=True)
class Dialect:
    """How one store's SQL spells what `line_filters` needs: its placeholder, Heroku's dyno
    filter (`record.dyno_matches`; a column, a dyno -> clause and arguments) and a stored
    timestamp in whole seconds since the epoch (a column -> an expression, NULL when the
    text is no time)."""

    mark: str
    dyno_clause: Callable[[str, str], tuple[str, list]]
    ts_seconds: Callable[[str], str]

    def time_clause(self, col: str, since: int | None, until: int | None) -> tuple[str, list]:
        """WHERE clause for lines whose time is in [since, until) (see `ts_seconds`)."""
        seconds, mark = self.ts_seconds(col), self.mark
        if since is not None and until is not None:
            return f"{seconds} between {mark} and {mark}", [since, until - 1]
        if since is not None:
            return f"{seconds} >= {mark}", [since]
        return f"{seconds} < {mark}", [until]

    def line_filters(
        self, query: LineQuery, app_col: str = "app", app: object = None, prefix: str = ""
    ) -> tuple[str, list]:
        """WHERE clause and arguments for the lines of `query` (`app_col` = `app`, by default
        the app's name) narrowed by its source, dyno and time range; `prefix` qualifies the
        columns (`l.`). The search (`query.q`) is each store's own business."""
        where = [f"{prefix}{app_col} = {self.mark}"]
        args: list = [query.app if app is None else app]
        if query.source:
            where.append(f"{prefix}source = {self.mark}")
            args.append(query.source)
        if query.dyno:
            clause, dargs = self.dyno_clause(query.dyno, f"{prefix}dyno")
            where.append(clause)
            args += dargs
        if query.since is not None or query.until is not None:
            clause, targs = self.time_clause(f"{prefix}ts", query.since, query.until)
            where.append(clause)
            args += targs
        return " and ".join(where), args


def like_pattern(q: str) -> str:
    """A LIKE (ILIKE) pattern matching `q` as a plain substring: a backslash escapes its `%`
    and `_` (PostgreSQL's default escape; SQLite's with `escape '\\'`)."""
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
