"""The store's redaction totals (`LogStore.add_redactions`, `redactions`): per app, only
growing, kept across a reopen; a store that cannot write says so as `append` does."""

from __future__ import annotations

import sqlite3

import pytest

from tuilogs.server.store import StoreError
from tuilogs.server.store.sqlite import SQLiteStore


def test_totals_add_up_per_app_and_survive_a_reopen(tmp_path):
    path = tmp_path / "logs.db"
    store = SQLiteStore(path)
    store.add_redactions("a", {"email": 2, "card": 1})
    store.add_redactions("a", {"email": 3, "token": 0})
    store.add_redactions("b", {"password": 1})
    store.add_redactions("b", {})
    assert store.redactions("a") == {"card": 1, "email": 5}
    assert store.redactions("b") == {"password": 1}
    assert store.redactions("c") == {}
    store.close()
    again = SQLiteStore(path)
    assert again.redactions("a") == {"card": 1, "email": 5}
    again.close()


def test_a_closed_store_raises_store_error(tmp_path):
    store = SQLiteStore(tmp_path / "logs.db")
    store.close()
    with pytest.raises(StoreError):
        store.add_redactions("a", {"email": 1})


def test_a_store_made_before_redaction_gains_its_totals_on_open(tmp_path):
    """A database written by an earlier version has no `redactions` table; opening creates it."""
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
