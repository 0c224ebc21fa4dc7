"""Listener hosts: wildcard means loopback, IPv6 goes in brackets; drain URLs' userinfo;
every spelling of an address read as a connect would, and what kind of place it is."""

from __future__ import annotations

import pytest

from tuilogs.core.drain_urls import split_userinfo, with_userinfo
from tuilogs.core.hosts import (
    FORBIDDEN,
    PRIVATE,
    PUBLIC,
    address_kind,
    base_url,
    is_loopback,
    listens_beyond_loopback,
    name_kind,
    parse_ip,
)


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


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
        ("fe80::1%eth0", "fe80::1"),
        ("10.1", "10.0.0.1"),
        ("example.com", None),
        ("localhost.", None),
        ("", None),
        ("1.2.3.4 x", None),
    ],
)
def test_parse_ip_reads_every_spelling_a_connect_accepts(host, address):
    ip = parse_ip(host)
    assert (str(ip) if ip else None) == address


@pytest.mark.parametrize(
    ("host", "kind"),
    [
        ("169.254.169.254", FORBIDDEN),
        ("fd00:ec2::254", FORBIDDEN),
        ("100.100.100.200", FORBIDDEN),
        ("fe80::1", FORBIDDEN),
        ("::ffff:169.254.169.254", FORBIDDEN),
        ("64:ff9b::a9fe:a9fe", FORBIDDEN),  # NAT64 of the metadata address
        ("224.0.0.1", FORBIDDEN),
        ("127.0.0.1", PRIVATE),
        ("0.0.0.0", PRIVATE),
        ("::", PRIVATE),
        ("::ffff:127.0.0.1", PRIVATE),
        ("2002:7f00:1::", PRIVATE),  # 6to4 of loopback
        ("10.0.0.1", PRIVATE),
        ("100.64.0.1", PRIVATE),
        ("fc00::1", PRIVATE),
        ("8.8.8.8", PUBLIC),
        ("2001:4860:4860::8888", PUBLIC),
    ],
)
def test_address_kind(host, kind):
    ip = parse_ip(host)
    assert ip is not None and address_kind(ip)[0] == kind


def test_name_kind_knows_metadata_services_and_localhost():
    assert name_kind("metadata.google.internal.")[0] == FORBIDDEN
    assert name_kind("METADATA")[0] == FORBIDDEN
    for name in ("localhost", "localhost.", "app.localhost", "ip6-localhost"):
        assert name_kind(name)[0] == PRIVATE, name
    assert name_kind("logs.example.com") is None
    assert name_kind("ip6-logs.example.com") is None


def test_listens_beyond_loopback():
    for host in ("127.0.0.1", "127.0.0.2", "::1", "localhost"):
        assert not listens_beyond_loopback(host), host
    for host in ("0.0.0.0", "::", "10.0.0.5", "myhost"):
        assert listens_beyond_loopback(host), host
