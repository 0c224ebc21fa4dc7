"""The one Logplex POST builder: frames with Logplex's priorities, and the four headers."""

from __future__ import annotations

import re

from tuilogs.core.logplex_batch import LogplexBatch
from tuilogs.core.octet_counting import OctetStreamParser, parse_logplex_body
from tuilogs.core.record import LogRecord

TS = "2026-11-23T19:00:00.000001+00:00"
TOKEN = "d.73ea7440-270a-435a-a0ea-adf50b4e5f5a"
APP = LogRecord(TS, "app", "web.1", "hello")
ROUTER = LogRecord(TS, "heroku", "router", "at=info status=200")
L10 = LogRecord(TS, "heroku", "logplex", "Error L10 (output buffer overflow): 3 messages dropped")


def test_https_batch_body_and_headers():
    batch = LogplexBatch([APP, ROUTER], drain_token=TOKEN)
    batch.add(L10, injected=True)
    result = parse_logplex_body(batch.body)
    assert result.errors == [] and result.warnings == []
    assert [f.record() for f in result.frames] == [APP, ROUTER, L10]
    assert [f.priority for f in result.frames] == [190, 158, 172]
    assert {f.hostname for f in result.frames} == {"host"}
    assert batch.frames[0].endswith(b"\n") and not batch.frames[2].endswith(b"\n")
    assert len(batch) == 3 and batch.size == len(batch.body)
    headers = batch.headers()
    assert headers == {
        "Content-Type": "application/logplex-1",
        "Logplex-Msg-Count": "3",
        "Logplex-Frame-Id": batch.frame_id,
        "Logplex-Drain-Token": TOKEN,
    }
    assert re.fullmatch(r"[0-9A-F]{32}", batch.frame_id)


def test_frame_id_is_kept_and_token_optional():
    batch = LogplexBatch([APP], frame_id="f-1")
    assert batch.headers()["Logplex-Frame-Id"] == "f-1"
    assert "Logplex-Drain-Token" not in batch.headers()
    assert LogplexBatch().frame_id != LogplexBatch().frame_id


def test_syslog_frames_carry_the_token_as_hostname():
    batch = LogplexBatch([APP, ROUTER], hostname=TOKEN, sd=True)
    frames = OctetStreamParser().feed(batch.body)
    assert [f.record() for f in frames] == [APP, ROUTER]
    assert {f.hostname for f in frames} == {TOKEN}
    assert b" - - hello\n" in batch.body
