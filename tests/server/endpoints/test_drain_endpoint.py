"""The Logplex HTTPS drain endpoint, over real HTTP on loopback."""

from __future__ import annotations

import base64

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tuilogs.core.frames import format_frame

from kit.rawhttp import raw_request
from kit.routerkit import TS, frames_body, post_batch, rec

pytestmark = pytest.mark.stores("sqlite", "postgres")


def stored(router, app="myapp"):
    return [line.record() for line in router.store.since(app, 0, 1_000_000)]


def test_well_formed_batch_is_stored_in_order(router):
    records = [rec(f"line {i}", dyno=f"web.{i % 3 + 1}") for i in range(50)]
    resp = post_batch(router, "myapp", records)
    assert resp.status_code == 204
    assert stored(router) == records


def test_heroku_layout_with_injected_l10_frame_without_lf(router):
    l10 = rec(
        "Error L10 (output buffer overflow): 2 messages dropped since 2026-11-23T18:59:59+00:00.",
        dyno="logplex",
        source="heroku",
    )
    body = format_frame(l10, lf=False) + format_frame(rec("after"))
    resp = post_batch(router, "myapp", body=body, count=2)
    assert resp.status_code == 204, resp.text
    assert [r.message for r in stored(router)] == [l10.message, "after"]


def test_retried_batch_with_same_frame_id_is_stored_once(router):
    records = [rec(f"x{i}") for i in range(10)]
    for _ in range(3):
        assert post_batch(router, "myapp", records, frame_id="f-1").status_code == 204
    assert router.store.count("myapp") == 10
    # The same frame id for another app is another batch.
    assert post_batch(router, "other", records, frame_id="f-1").status_code == 204
    assert router.store.count("other") == 10
    # No frame id: no dedupe.
    post_batch(router, "myapp", records, frame_id=None)
    post_batch(router, "myapp", records, frame_id=None)
    assert router.store.count("myapp") == 30


def test_partial_batch_keeps_good_frames_and_says_what_was_wrong(router):
    good = [rec("one"), rec("two")]
    body = frames_body(good[:1]) + b"garbage that is not a frame\n" + frames_body(good[1:])
    resp = post_batch(router, "myapp", body=body, count=3)
    assert resp.status_code == 400
    data = resp.json()
    assert data["id"] == "bad_request"
    assert data["message"]
    assert [r.message for r in stored(router)][:1] == ["one"]
    assert "two" in [r.message for r in stored(router)]


def test_count_mismatch_is_reported_but_frames_kept(router):
    resp = post_batch(router, "myapp", [rec("a"), rec("b")], count=5)
    assert resp.status_code == 400
    assert "Logplex-Msg-Count says 5" in resp.json()["message"]
    assert resp.json()["stored"] == 2
    assert [r.message for r in stored(router)] == ["a", "b"]


def test_bad_count_header(router):
    resp = post_batch(router, "myapp", [rec("a")], count="lots")
    assert resp.status_code == 400
    assert "Logplex-Msg-Count" in resp.json()["message"]
    assert router.store.count("myapp") == 1


def test_wrong_credentials_are_401(router):
    resp = post_batch(router, "myapp", [rec("a")], auth=("logplex", "nope"))
    assert resp.status_code == 401
    assert resp.json()["id"] == "unauthorized"
    resp = httpx.post(f"{router.base_url}/drains/myapp", content=frames_body([rec("a")]))
    assert resp.status_code == 401
    assert router.store.count("myapp") == 0
    assert "WWW-Authenticate" in resp.headers


def test_token_as_basic_username_only_is_accepted(router):
    assert post_batch(router, "myapp", [rec("a")], auth=(router.token, "")).status_code == 204


def test_oversized_body_is_413(make_router):
    r = make_router(max_body=10_000)
    big = [rec("x" * 500) for _ in range(40)]
    assert post_batch(r, "myapp", big).status_code == 413

    def chunks():
        body = frames_body(big)
        for i in range(0, len(body), 1000):
            yield body[i : i + 1000]

    resp = httpx.post(
        f"{r.base_url}/drains/myapp",
        content=chunks(),
        headers={"Content-Type": "application/logplex-1"},
        auth=("u", r.token),
    )
    assert resp.status_code == 413
    assert resp.json()["id"] == "payload_too_large"
    assert r.store.count("myapp") == 0
    assert post_batch(r, "myapp", big[:5]).status_code == 204


def test_wrong_content_type_is_400(router):
    resp = post_batch(router, "myapp", [rec("a")], headers={"Content-Type": "application/json"})
    assert resp.status_code == 400
    assert "Content-Type" in resp.json()["message"]


def test_bad_app_name_is_400(router):
    resp = post_batch(router, "..bad", [rec("a")])
    assert resp.status_code == 400


def test_empty_body_is_fine(router):
    assert post_batch(router, "myapp", [], count=0).status_code == 204


@st.composite
def hostile(draw):
    """Bodies that mix real frames with noise, bad counts, huge counts, NULs, invalid UTF-8."""
    parts = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["frame", "bytes", "count", "nolf", "bigcount"]))
        if kind == "frame":
            msg = draw(st.text(max_size=60))
            parts.append(format_frame(rec(msg, dyno=draw(st.sampled_from(["web.1", "run.7"])))))
        elif kind == "nolf":
            parts.append(format_frame(rec(draw(st.text(max_size=20))), lf=False))
        elif kind == "count":
            payload = draw(st.binary(max_size=40))
            parts.append(b"%d %s" % (len(payload) + draw(st.integers(-3, 3)), payload))
        elif kind == "bigcount":
            parts.append(b"99999999 <190>1 " + draw(st.binary(max_size=20)))
        else:
            parts.append(draw(st.binary(max_size=80)))
    return b"".join(parts)


# What a header value may be on the wire: any Latin-1 byte but CR and LF (controls included:
# the HTTP parser must refuse them, not the app crash on them).
latin1_values = st.text(
    alphabet=st.characters(max_codepoint=255, blacklist_characters="\r\n"), max_size=30
)
header_values = st.one_of(st.none(), latin1_values)
HUGE = "9" * 5000


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=hostile(),
    count=header_values,
    frame_id=header_values,
    hops=st.one_of(st.none(), st.integers(0, 10).map(str), latin1_values),
    encoding=st.one_of(st.none(), st.just("gzip"), latin1_values),
)
@example(body=b"", count="\xb2", frame_id=None, hops=None, encoding=None)
@example(body=b"", count=HUGE, frame_id=None, hops=None, encoding=None)
@example(body=b"", count="\u00b9", frame_id="\xff" * 30, hops="\xb2", encoding=None)
@example(body=b"", count="1", frame_id="\x00", hops=HUGE, encoding="\xb2")
@example(body=b"\x1f\x8b\x08", count=None, frame_id=None, hops=None, encoding="gzip")
def test_hostile_bodies_never_500(router, body, count, frame_id, hops, encoding):
    secret = base64.b64encode(f"logplex:{router.token}".encode()).decode()
    headers = [("Authorization", f"Basic {secret}"), ("Content-Type", "application/logplex-1")]
    for name, value in (
        ("Logplex-Msg-Count", count),
        ("Logplex-Frame-Id", frame_id),
        ("Tuilogs-Hops", hops),
        ("Content-Encoding", encoding),
    ):
        if value is not None:
            headers.append((name, value.encode("latin-1")))
    resp = raw_request(router.base_url, "POST", "/drains/fuzz", headers, body)
    assert resp.status in (204, 400, 415), resp.body
    if resp.status != 204 and resp.headers.get("content-type") == "application/json":
        data = resp.json()
        assert data["id"] in ("bad_request", "unsupported_media_type") and data["message"]


def test_router_survives_fuzzing_and_keeps_serving(router, client):
    post_batch(router, "fuzz", body=b"\x00\xff" * 1000, count=None)
    assert post_batch(router, "fuzz", [rec("still here", ts=TS)]).status_code == 204
    assert client.get("/apps/fuzz").status_code == 200


def test_a_frame_without_a_timestamp_is_stamped_on_arrival(router):
    """RFC 5424's nil timestamp (`-`): stored with the time it arrived, as syslog does, so it
    reads back as the app's line, not as a raw one."""
    body = b"71 <190>1 - host app web.1 - Started GET / for 10.0.0.1 at 12:00:00 +0000\n"
    resp = post_batch(router, "myapp", body=body, count=1)
    assert resp.status_code == 204, resp.text
    (line,) = stored(router)
    assert (line.source, line.dyno) == ("app", "web.1") and line.message.startswith("Started")
    assert line.timestamp and line.when() is not None
