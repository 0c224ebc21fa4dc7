"""Builds in the SQLite store: what `builds.BuildStore` asks of a store, over one file.

A build's output is written by one recorder and the file has one writer, so nothing is
serialised beyond the write transaction itself; reads run on the reader connection and close
their cursor (an unfinished statement would pin the WAL).
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from .builds import BuildStore, StoredBuild, builds_schema
from .interface import StoreError
from .sqlite_db import SQLiteDatabase

log = logging.getLogger("tuilogs.server.store")

T = TypeVar("T")
BUILDS_SCHEMA = builds_schema("without rowid")


class SQLiteBuilds(BuildStore):
    """The build methods of `SQLiteStore` (a mixin: it has the store's `db`)."""

    db: SQLiteDatabase

    def _create_build_tables(self) -> None:
        """Make the tables (at open; a store opened read-only on a full disk has none yet, and
        its build reads answer StoreError until it takes writes)."""
        if self.db.writer is None:
            return
        try:
            with self.db.write() as c:
                for statement in BUILDS_SCHEMA.split(";"):
                    if statement.strip():
                        c.execute(statement)
        except StoreError as exc:  # a full disk: the lines are still served
            log.error("%s: no tables for builds (%s)", self.db.path, exc)

    def _sql(self, sql: str) -> str:
        return sql

    def _text(self, text: str | None) -> str | None:
        return text

    def _build_write(self, room: bool = False) -> contextlib.AbstractContextManager[Any]:
        return self.db.write()

    def _claim_app_builds(self, c: sqlite3.Connection, app: str) -> None:
        pass  # the file's one writer makes one build at a time

    def _add_output(self, c: sqlite3.Connection, build: StoredBuild, lines: Sequence[str]) -> None:
        c.executemany(
            "insert into build_lines(build_id, n, text) values (?,?,?)",
            [(build.id, n, text) for n, text in enumerate(lines, build.lines + 1)],
        )

    def _build_read(self, sql: str, args: Sequence, take: Callable[[Iterator[Any]], T]) -> T:
        try:
            cursor = self.db.reader().execute(sql, args)
            try:
                return take(cursor)
            finally:
                cursor.close()  # an unfinished statement would pin the WAL
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read builds: {exc}") from exc
