"""`/apps/{app}/saved-searches`, `/alert-rules` and `/alert-firings` on a real router, on
both stores."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.stores("sqlite", "postgres")

APP = "shop"


class TestSavedSearches:
    def test_put_list_replace_delete(self, client):
        assert client.get(f"/apps/{APP}/saved-searches").json() == []
        resp = client.put(f"/apps/{APP}/saved-searches/timeouts", json={"query": "code:H12"})
        assert resp.status_code == 201
        assert resp.json()["query"] == "code:H12"
        resp = client.put(f"/apps/{APP}/saved-searches/timeouts", json={"query": "code:H13"})
        assert resp.status_code == 200
        client.put(f"/apps/{APP}/saved-searches/errors", json={"query": "level>=error"})
        found = client.get(f"/apps/{APP}/saved-searches").json()
        assert [(s["name"], s["query"]) for s in found] == [
            ("errors", "level>=error"),
            ("timeouts", "code:H13"),
        ]
        assert client.get("/apps/other/saved-searches").json() == []
        assert client.delete(f"/apps/{APP}/saved-searches/errors").status_code == 200
        assert client.delete(f"/apps/{APP}/saved-searches/errors").status_code == 404
        assert len(client.get(f"/apps/{APP}/saved-searches").json()) == 1

    def test_a_query_that_does_not_parse_is_422(self, client):
        resp = client.put(f"/apps/{APP}/saved-searches/bad", json={"query": "/[/"})
        assert resp.status_code == 422
        assert "invalid regex" in resp.json()["message"]
        resp = client.put(f"/apps/{APP}/saved-searches/-x", json={"query": "a"})
        assert resp.status_code == 422

    def test_needs_the_token(self, router):
        import httpx

        resp = httpx.get(f"{router.base_url}/apps/{APP}/saved-searches")
        assert resp.status_code == 401


class TestRules:
    def test_add_from_a_saved_search_list_and_remove_by_name(self, client):
        client.put(f"/apps/{APP}/saved-searches/timeouts", json={"query": "code:H12"})
        resp = client.post(
            f"/apps/{APP}/alert-rules",
            json={"name": "h12", "search": "timeouts", "threshold": 5, "window": 60},
        )
        assert resp.status_code == 201, resp.text
        rule = resp.json()
        assert (rule["query"], rule["kind"], rule["threshold"]) == ("code:H12", "count", 5)
        assert (rule["window"], rule["cooldown"], rule["webhook"]) == (60, 60, None)
        assert rule["state"]["count"] == 0
        again = client.post(f"/apps/{APP}/alert-rules", json={"name": "h12", "query": "x"})
        assert again.status_code == 422
        [listed] = client.get(f"/apps/{APP}/alert-rules").json()
        assert listed["id"] == rule["id"]
        assert client.delete(f"/apps/{APP}/alert-rules/h12").json()["id"] == rule["id"]
        assert client.get(f"/apps/{APP}/alert-rules").json() == []
        assert client.delete(f"/apps/{APP}/alert-rules/h12").status_code == 404

    def test_webhooks_follow_the_drain_targets_rules(self, client):
        for url, words in [
            ("http://169.254.169.254/latest/meta-data", "cannot be used"),
            ("syslog://example.com:514", "http or https"),
            ("not a url", "must not contain whitespace"),
        ]:
            resp = client.post(
                f"/apps/{APP}/alert-rules", json={"name": "w", "query": "x", "webhook": url}
            )
            assert resp.status_code == 422, url
            assert words in resp.json()["message"], resp.json()

    def test_webhook_password_is_masked(self, client):
        resp = client.post(
            f"/apps/{APP}/alert-rules",
            json={"name": "w", "query": "x", "webhook": "http://u:hunter22@127.0.0.1:9/h"},
        )
        assert resp.status_code == 201
        assert "hunter22" not in resp.text
        assert "hunter22" not in client.get(f"/apps/{APP}/alert-rules").text

    def test_bad_fields_are_422(self, client):
        for body in [
            {"name": "a", "query": "x", "kind": "sometimes"},
            {"name": "a", "query": "x", "threshold": 0},
            {"name": "a", "query": "x", "window": "²"},
            {"name": "a", "search": "nope"},
            {"query": "x"},
        ]:
            assert client.post(f"/apps/{APP}/alert-rules", json=body).status_code == 422, body

    def test_firings_parameters(self, client):
        assert client.get(f"/apps/{APP}/alert-firings?after=12.5&limit=3").json() == []
        assert client.get(f"/apps/{APP}/alert-firings?after=x").status_code == 422
        assert client.get(f"/apps/{APP}/alert-firings?limit=0").status_code == 422
