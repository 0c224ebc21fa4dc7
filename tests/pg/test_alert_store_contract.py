"""One contract for both `AlertStore`s: SQLite (`sqlite_alerts`) and PostgreSQL (`pg_alerts`,
against the suite's real server), over the same portable SQL."""

from __future__ import annotations

import pytest
from psycopg_pool import ConnectionPool

from tuilogs.server.store.alerts_interface import AlertRule, Firing, RuleState
from tuilogs.server.store.pg_alerts import PostgresAlertStore
from tuilogs.server.store.sqlite import SQLiteStore
from tuilogs.server.store.sqlite_alerts import SQLiteAlertStore


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
