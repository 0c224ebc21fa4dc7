"""Compressed drain bodies: gzip is decoded within `max_body`, anything else is a 415.

A `Content-Encoding: gzip` body used to be stored as binary garbage; decoding it without a
bound would let a few kilobytes become gigabytes.
"""

from __future__ import annotations

import gzip

import pytest

from kit.routerkit import frames_body, post_batch, rec


def lines(router, app="myapp"):
    return [line.message for line in router.store.since(app, 0)]


@pytest.mark.parametrize("encoding", ["gzip", "x-gzip", "GZIP"])
def test_gzip_bodies_are_decoded(router, encoding):
    records = [rec(f"zipped {i}") for i in range(20)]
    body = gzip.compress(frames_body(records))
    resp = post_batch(router, "myapp", records, body=body, headers={"Content-Encoding": encoding})
    assert resp.status_code == 204, resp.text
    assert lines(router) == [r.message for r in records]


def test_concatenated_gzip_members_are_one_body(router):
    a, b = [rec("first")], [rec("second")]
    body = gzip.compress(frames_body(a)) + gzip.compress(frames_body(b))
    resp = post_batch(router, "myapp", a + b, body=body, headers={"Content-Encoding": "gzip"})
    assert resp.status_code == 204, resp.text
    assert lines(router) == ["first", "second"]


def test_a_gzip_bomb_is_413(make_router, no_tracebacks):
    router = make_router(max_body=100_000)
    bomb = gzip.compress(b"A" * 50_000_000)  # 50 MB from ~50 KB
    assert len(bomb) < 100_000
    resp = post_batch(router, "myapp", body=bomb, count=None, headers={"Content-Encoding": "gzip"})
    assert resp.status_code == 413 and resp.json()["id"] == "payload_too_large"
    assert router.store.count("myapp") == 0


@pytest.mark.parametrize("body", [b"not gzip at all", gzip.compress(b"x" * 1000)[:-10]])
def test_broken_gzip_is_400(router, no_tracebacks, body):
    resp = post_batch(router, "myapp", body=body, count=None, headers={"Content-Encoding": "gzip"})
    assert resp.status_code == 400 and "gzip" in resp.json()["message"]


@pytest.mark.parametrize("encoding", ["br", "deflate", "zstd", "gzip, br", "\xb2"])
def test_other_encodings_are_415(router, no_tracebacks, encoding):
    headers = {"Content-Encoding": encoding.encode("latin-1")}
    resp = post_batch(router, "myapp", [rec("x")], headers=headers)
    assert resp.status_code == 415 and resp.json()["id"] == "unsupported_media_type"
    assert router.store.count("myapp") == 0
