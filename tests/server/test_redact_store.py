"""The store's redaction totals (`LogStore.add_redactions`, `redactions`): per app, only
growing, kept across a reopen; a store that cannot write says so as `append` does. On both
stores (for PostgreSQL a reopen is another router's view of the same database)."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from tuilogs.server.store import StoreError
from tuilogs.server.store.sqlite import SQLiteStore

pytestmark = pytest.mark.stores("sqlite", "postgres")


def test_totals_add_up_per_app_and_survive_a_reopen(new_store):
    store = new_store()
    store.add_redactions("a", {"email": 2, "card": 1})
    store.add_redactions("a", {"email": 3, "token": 0})
    store.add_redactions("b", {"password": 1})
    store.add_redactions("b", {})
    assert store.redactions("a") == {"card": 1, "email": 5}
    assert store.redactions("b") == {"password": 1}
    assert store.redactions("c") == {}
    store.close()
    again = new_store()
    assert again.redactions("a") == {"card": 1, "email": 5}


def test_a_closed_store_raises_store_error(new_store):
    store = new_store()
    store.close()
    with pytest.raises(StoreError):
        store.add_redactions("a", {"email": 1})


def test_totals_from_writers_at_once_all_count(new_store):
    """Routers (threads here) adding to one app's rules at once lose no count: each addition is
    one transaction, and the rows are taken in rule order, so writers wait, never deadlock."""
    stores = [new_store(), new_store()]
    errors: list[BaseException] = []

    def add(store, counts) -> None:
        try:
            for _ in range(50):
                store.add_redactions("a", counts)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [
        threading.Thread(target=add, args=(stores[i % 2], {"email": 1, "card": 2, "token": 3}))
        for i in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and not any(t.is_alive() for t in threads)
    assert stores[0].redactions("a") == {"card": 400, "email": 200, "token": 600}


def test_a_store_made_before_redaction_gains_its_totals_on_open(tmp_path):
    """A SQLite database written by an earlier version has no `redactions` table; opening
    creates it (PostgreSQL's migration 3: tests/pg/test_pg_leases.py)."""
    path = tmp_path / "logs.db"
    SQLiteStore(path).close()
    with sqlite3.connect(path) as db:
        db.execute("drop table redactions")
    db.close()
    store = SQLiteStore(path)
    assert store.redactions("a") == {}
    store.add_redactions("a", {"email": 1})
    assert store.redactions("a") == {"email": 1}
    store.close()
