"""One contract for both `AlertStore`s: SQLite (`sqlite_alerts`) and PostgreSQL (`pg_alerts`,
against the suite's real server), over the same portable SQL; then what PostgreSQL adds for a
team: the rules' lease guarding state writes, the rules' version and their apps' heads."""

from __future__ import annotations

import pytest
from psycopg_pool import ConnectionPool

from tuilogs.core.record import LogRecord
from tuilogs.server.store.alerts_interface import AlertRule, Firing, RuleState
from tuilogs.server.store.pg_alerts import AlertLeaseLost, PostgresAlertStore
from tuilogs.server.store.postgres import PostgresStore
from tuilogs.server.store.sqlite import SQLiteStore
from tuilogs.server.store.sqlite_alerts import SQLiteAlertStore

from kit.waiting import wait_until


@pytest.fixture(params=["sqlite", "postgres"])
def alert_store(request, tmp_path):
    if request.param == "sqlite":
        logs = SQLiteStore(tmp_path / "store.db")
        yield SQLiteAlertStore(logs.db)
        logs.close()
    else:
        url = request.getfixturevalue("postgres_url")
        with ConnectionPool(url, min_size=1, max_size=2, open=True) as pool:
            yield PostgresAlertStore(pool)


def rule(name: str = "h12", app: str = "shop") -> AlertRule:
    return AlertRule(f"id-{app}-{name}", app, name, "code:H12", "count", 5, 60.0, 30.0, "", 1e9)


def test_saved_searches(alert_store):
    search, new = alert_store.save_search("shop", "timeouts", "code:H12")
    assert new and (search.name, search.query) == ("timeouts", "code:H12")
    search, new = alert_store.save_search("shop", "timeouts", "code:H13")
    assert not new and search.query == "code:H13"
    alert_store.save_search("shop", "errors", "level>=error")
    alert_store.save_search("other", "x", "y")
    assert [s.name for s in alert_store.searches("shop")] == ["errors", "timeouts"]
    assert alert_store.remove_search("shop", "errors").query == "level>=error"
    assert alert_store.remove_search("shop", "errors") is None


def test_rules_states_cursors_and_firings(alert_store):
    assert alert_store.add_rule(rule())
    assert not alert_store.add_rule(rule())  # the name is taken
    assert alert_store.add_rule(rule("quiet"))
    assert alert_store.add_rule(rule("h12", app="other"))
    assert [r.name for r in alert_store.rules("shop")] == ["h12", "quiet"]
    assert len(alert_store.rules()) == 3
    assert alert_store.rules("shop")[0] == rule()

    state = RuleState("id-shop-h12", 1000.5, 3, False, None, None)
    alert_store.save_states([state], {"shop": 42})
    state.count, state.fired, state.last_fired = 5, True, 1001.25
    firing = Firing("f1", state.rule_id, "shop", "h12", 1001.25, 5, "Alert fired")
    alert_store.record_firing(firing, state)
    alert_store.save_states([], {"shop": 1 << 40})
    assert alert_store.states() == {state.rule_id: state}
    assert alert_store.cursors() == {"shop": 1 << 40}
    assert alert_store.firings("shop") == [firing]
    assert alert_store.firings("shop", after=1001.25) == []
    assert alert_store.firings("other") == []

    removed = alert_store.remove_rule("shop", "h12")
    assert removed is not None and removed.id == "id-shop-h12"
    assert alert_store.states() == {}  # its state went with it
    assert alert_store.firings("shop") == [firing]  # its firings stay
    assert alert_store.remove_rule("shop", "id-shop-quiet").name == "quiet"
    assert alert_store.remove_rule("shop", "nope") is None


# -- PostgreSQL only: what a team's routers share ------------------------------------------------


@pytest.fixture
def pg_alert_store(postgres_url):
    """A `PostgresAlertStore` on a database the log store made (schema with `leases`)."""
    PostgresStore(postgres_url).close()
    with ConnectionPool(postgres_url, min_size=1, max_size=4, open=True) as pool:
        yield PostgresAlertStore(pool)


def test_only_the_lease_holder_writes_states_and_firings(pg_alert_store):
    store = pg_alert_store
    a, b = store.for_owner("router-a"), store.for_owner("router-b")
    assert a.hold_lease("router-a", 0.3) is not None
    assert b.hold_lease("router-b", 30) is None  # held, not expired
    assert a.hold_lease("router-a", 0.3) is not None  # renewed
    state = RuleState("r1", 1000.0, 5, True, 1000.0, None)
    a.record_firing(Firing("f1", "r1", "shop", "h12", 1000.0, 5, "fired"), state)
    a.save_states([state], {"shop": 10})
    with pytest.raises(AlertLeaseLost):
        b.save_states([RuleState("r1")], {"shop": 1})
    with pytest.raises(AlertLeaseLost):
        b.record_firing(Firing("f2", "r1", "shop", "h12", 1001.0, 5, "again"), RuleState("r1"))
    wait_until(lambda: b.hold_lease("router-b", 30), timeout=10)  # a stopped renewing
    with pytest.raises(AlertLeaseLost):
        a.save_states([RuleState("r1")], {"shop": 1})
    assert store.states() == {"r1": state} and store.cursors() == {"shop": 10}
    assert [f.id for f in store.firings("shop")] == ["f1"]
    b.release_lease("router-b")
    assert a.hold_lease("router-a", 30) is not None  # free at once


def test_the_rules_version_and_the_heads_of_their_apps(pg_alert_store, postgres_url):
    store = pg_alert_store
    empty = store.version()
    assert store.heads() == {}
    store.add_rule(rule())
    with_one = store.version()
    assert with_one != empty and store.heads() == {"shop": 0}  # no line yet
    logs = PostgresStore(postgres_url)
    try:
        logs.append("shop", [LogRecord("2026-11-23T19:00:00Z", "app", "web.1", "x")] * 3)
    finally:
        logs.close()
    assert store.heads() == {"shop": 3}
    store.add_rule(rule("quiet"))
    store.remove_rule("shop", "quiet")
    assert store.version() == with_one
    store.remove_rule("shop", "h12")
    assert store.version() == empty
