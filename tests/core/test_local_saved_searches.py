"""Saved searches on this machine (`core.saved_searches`): one private JSON file, by scope."""

from __future__ import annotations

import json
import stat

import pytest

from tuilogs.core.saved_searches import FILES_SCOPE, LocalSearches, path


def test_save_replace_remove_by_scope(tuilogs_home):
    files, app = LocalSearches(), LocalSearches("app:shop")
    files.save("timeouts", "code:H12")
    files.save("errors", "level>=error")
    app.save("timeouts", "code:H13")
    files.save("timeouts", "code:H12 -path:/health")
    assert files.all() == [("errors", "level>=error"), ("timeouts", "code:H12 -path:/health")]
    assert app.all() == [("timeouts", "code:H13")]
    assert files.remove("errors") and not files.remove("errors")
    assert app.remove("timeouts")
    assert json.loads(path().read_text()) == {FILES_SCOPE: {"timeouts": "code:H12 -path:/health"}}
    assert stat.S_IMODE(path().stat().st_mode) == 0o600


def test_a_damaged_file_reads_as_empty_and_is_replaced(tuilogs_home):
    path().write_text("{not json")
    assert LocalSearches().all() == []
    LocalSearches().save("a", "b")
    assert LocalSearches().all() == [("a", "b")]


@pytest.mark.parametrize("name", ["", "   ", "x" * 65])
def test_names_are_checked(tuilogs_home, name):
    with pytest.raises(ValueError):
        LocalSearches().save(name, "q")
