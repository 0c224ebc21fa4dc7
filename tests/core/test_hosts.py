"""Listener hosts: wildcard means loopback, IPv6 goes in brackets; drain URLs' userinfo."""

from __future__ import annotations

import pytest

from tuilogs.core.drain_urls import split_userinfo, with_userinfo
from tuilogs.core.hosts import base_url, is_loopback


@pytest.mark.parametrize(
    ("host", "https", "url"),
    [
        ("127.0.0.1", False, "http://127.0.0.1:5170"),
        ("0.0.0.0", False, "http://127.0.0.1:5170"),
        ("::", False, "http://127.0.0.1:5170"),
        ("::1", True, "https://[::1]:5170"),
        ("logs.example.com", True, "https://logs.example.com:5170"),
    ],
)
def test_base_url(host, https, url):
    assert base_url(host, 5170, https) == url


def test_is_loopback():
    for host in ("127.0.0.1", "localhost", "::1", "0.0.0.0", "::"):
        assert is_loopback(host), host
    for host in ("10.0.0.1", "example.com", "", None):
        assert not is_loopback(host), host


def test_split_userinfo_gives_basic_auth_and_a_bare_url():
    assert split_userinfo("https://u:p%40ss@h.example:8443/x?y=1") == (
        "https://h.example:8443/x?y=1",
        ("u", "p@ss"),
    )
    assert split_userinfo("https://TOKEN@h.example/x") == ("https://h.example/x", ("TOKEN", ""))
    assert split_userinfo("http://h.example/x") == ("http://h.example/x", None)


def test_with_userinfo_round_trips():
    url = with_userinfo("http://[::1]:5170/drains/app", "user", "t@k:en")
    assert url == "http://user:t%40k%3Aen@[::1]:5170/drains/app"
    assert split_userinfo(url) == ("http://[::1]:5170/drains/app", ("user", "t@k:en"))
