"""Frames: Logplex bodies, syslog layouts, formatting, and the incremental stream parser."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tuilogs.core.frames import Frame, format_frame, format_frames, is_drain_token, parse_message
from tuilogs.core.octet_counting import OctetStreamParser, parse_logplex_body
from tuilogs.core.record import LogRecord, parse_line

TOKEN = "d.73ea7440-270a-435a-a0ea-adf50b4e5f5a"
TS = "2012-11-30T06:45:29+00:00"

# Heroku's documented example body, with the LF the count includes.
HEROKU_EXAMPLE = (
    b"83 <40>1 2012-11-30T06:45:29+00:00 host app web.3 - State changed from starting to up\n"
    b"119 <40>1 2012-11-30T06:45:26+00:00 host app web.3 - Starting process with command"
    b" `bundle exec rackup config.ru -p 24405`\n"
)
L10 = LogRecord(
    TS,
    "heroku",
    "logplex",
    "Error L10 (output buffer overflow): 2 messages dropped since 2012-11-30T06:45:26+00:00.",
)


def rec(msg: str, dyno: str = "web.1", source: str = "app") -> LogRecord:
    return LogRecord(TS, source, dyno, msg)


def records(body: bytes) -> list[LogRecord]:
    return [f.record() for f in parse_logplex_body(body).frames]


def test_heroku_example_body():
    result = parse_logplex_body(HEROKU_EXAMPLE)
    assert result.errors == [] and result.warnings == []
    assert [f.record() for f in result.frames] == [
        LogRecord(TS, "app", "web.3", "State changed from starting to up"),
        LogRecord(
            "2012-11-30T06:45:26+00:00",
            "app",
            "web.3",
            "Starting process with command `bundle exec rackup config.ru -p 24405`",
        ),
    ]
    assert result.frames[0].priority == 40


def test_format_roundtrip_and_count_includes_lf():
    batch = [rec("hello"), rec("héllo wörld ✓", "router", "heroku"), rec("a\nb", "worker.1")]
    body = format_frames(batch)
    assert records(body) == batch
    one = format_frame(rec("x"))
    count, payload = one.split(b" ", 1)
    assert int(count) == len(payload) and payload.endswith(b"\n")
    assert payload == f"<190>1 {TS} host app web.1 - x\n".encode()


def test_parse_by_count_not_newline():
    body = format_frame(rec("line one\nline two\n3 <190>1 not a frame")) + format_frame(rec("z"))
    assert [r.message for r in records(body)] == ["line one\nline two\n3 <190>1 not a frame", "z"]


def test_l10_without_lf_followed_immediately():
    body = (
        format_frame(rec("before"))
        + format_frame(L10, priority=172, lf=False)
        + format_frame(rec("after 12"))
    )
    result = parse_logplex_body(body)
    assert result.errors == [] and result.warnings == []
    assert [f.record() for f in result.frames] == [rec("before"), L10, rec("after 12")]
    assert result.frames[1].priority == 172


def _with_count(frame: bytes, delta: int, strip_lf: bool = False) -> bytes:
    payload = frame.split(b" ", 1)[1]
    if strip_lf:
        payload = payload[:-1]
    return b"%d %b" % (len(payload) + delta, payload)


def test_counts_off_by_one_are_tolerated():
    for strip_lf in (False, True):
        for delta in (-1, 1):
            frames = [_with_count(format_frame(rec(f"msg {i}")), delta, strip_lf) for i in range(4)]
            result = parse_logplex_body(b"".join(frames))
            assert [f.message for f in result.frames] == [f"msg {i}" for i in range(4)], (
                strip_lf,
                delta,
            )
            assert result.errors == []
            if delta == -1 and not strip_lf:
                # A count without the LF sent after it: the LF is a separator, nothing lost.
                assert result.warnings == []
            else:
                assert len(result.warnings) in (3, 4)  # the last one ends the body


def test_count_without_lf_then_lf_between_frames():
    # Some senders count without the LF they then send: the stray LF is skipped.
    body = b"".join(_with_count(format_frame(rec(f"m{i}")), -1) for i in range(3))
    assert [r.message for r in records(body)] == ["m0", "m1", "m2"]


def test_partly_bad_body_keeps_good_frames_and_names_offsets():
    good1, good2 = format_frame(rec("one")), format_frame(rec("two"))
    body = good1 + b"this is not a frame\n" + good2 + b"999 <190>1 truncated"
    result = parse_logplex_body(body)
    msgs = [f.record().message for f in result.frames]
    assert msgs[0] == "one" and "two" in msgs and "this is not a frame" in msgs
    assert any(f"offset {len(good1)}" in e for e in result.errors)
    assert any("octet count 999 but only 16 bytes follow" in e for e in result.errors)
    assert "<190>1 truncated"[7:] in msgs[-1] or msgs[-1] == "truncated"


def test_uncounted_body_becomes_lines():
    body = f"<190>1 {TS} host app web.1 - a\n<190>1 {TS} host app web.2 - b\n".encode()
    result = parse_logplex_body(body)
    assert [f.record() for f in result.frames] == [rec("a"), rec("b", "web.2")]
    assert result.errors and "expected an octet count" in result.errors[0]


def test_invalid_utf8_replaced():
    payload = f"<190>1 {TS} host app web.1 - bad \xff byte\n".encode("latin-1")
    body = b"%d %b" % (len(payload), payload)
    result = parse_logplex_body(body)
    assert result.errors == []
    assert result.frames[0].message == "bad \ufffd byte"


def test_empty_body():
    result = parse_logplex_body(b"")
    assert result.frames == [] and result.errors == []


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=400))
def test_never_raises_on_arbitrary_bytes(data):
    result = parse_logplex_body(data)
    for f in result.frames:
        f.record()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["app", "heroku"]),
            st.from_regex(r"[a-z]{1,8}\.[0-9]{1,3}", fullmatch=True),
            st.text(
                alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
                max_size=60,
            ),
        ),
        max_size=20,
    ),
    st.binary(max_size=30),
)
def test_roundtrip_and_garbage_suffix(items, garbage):
    batch = [LogRecord(TS, s, d, m.lstrip("\ufeff")) for s, d, m in items]
    body = format_frames(batch)
    assert records(body) == batch
    # Garbage after a good batch never loses the good frames.
    assert records(body + garbage)[: len(batch)] == batch or garbage[:1].isdigit()


def test_layouts_map_to_records():
    cases = {
        # current Logplex HTTPS layout; a message that looks like SD is still the message
        f"<190>1 {TS} host app web.1 - [INFO] - started": rec("[INFO] - started"),
        f"<190>1 {TS} host heroku router - at=info": rec("at=info", "router", "heroku"),
        # syslog-drain layout: token as hostname, `- -`
        f"<134>1 {TS} {TOKEN} app web.1 - - [INFO] x": rec("[INFO] x"),
        # older layout: hostname is the source, app-name the dyno, procid the token
        f"<40>1 {TS} heroku web.3 {TOKEN} - State changed": rec("State changed", "web.3", "heroku"),
        f"<40>1 {TS} host web.3 {TOKEN} - hello": rec("hello", "web.3"),
        f"<40>1 {TS} host router {TOKEN} - at=info": rec("at=info", "router", "heroku"),
        # generic RFC 5424: logger, rsyslog
        f'<13>1 {TS} myhost root 1234 - [timeQuality tzKnown="1" isSynced="0"] hi': rec(
            "hi", "root.1234"
        ),
        f"<13>1 {TS} myhost cron - - - job done": rec("job done", "cron"),
        f'<13>1 {TS} myhost prog abc ID1 [ex@32473 k="a\\]b"][origin ip="1"] m': rec(
            '[ex@32473 k="a\\]b"] m', "abc", "prog"
        ),
        f"<13>1 {TS} myhost - - - - nil app": rec("nil app", "syslog"),
        "<13>1 - myhost prog - - - no time": LogRecord("", "app", "prog", "no time"),
        f"<13>1 {TS} myhost prog 7 - \ufeffbom": rec("bom", "prog.7"),
    }
    for line, expected in cases.items():
        assert parse_message(line).record() == expected, line


def test_rfc3164_and_raw_lines():
    f = parse_message("<13>Nov 23 10:00:00 myhost prog[99]: hi there: x")
    assert (f.priority, f.hostname, f.app_name, f.procid) == (13, "myhost", "prog", "99")
    r = f.record()
    assert (r.source, r.dyno, r.message) == ("app", "prog.99", "hi there: x")
    assert r.when() is not None and r.when().month == 11 and r.when().tzinfo is not None
    r = parse_message("<13>Nov  3 10:00:00 prog: no host").record()
    assert (r.dyno, r.message) == ("prog", "no host")
    r = parse_message("<30>2026-11-23T10:00:00.123+01:00 box systemd[1]: Started x.").record()
    assert r == LogRecord("2026-11-23T10:00:00.123+01:00", "app", "systemd.1", "Started x.")
    assert parse_message("just text").record() == LogRecord("", "", "", "just text")
    assert parse_message(f"{TS} app[web.1]: heroku line").record() == rec("heroku line")
    assert parse_message("<13>odd").record() == LogRecord("", "", "", "odd")


def test_format_options():
    assert format_frame(rec("x"), TOKEN, sd=True).endswith(f"{TOKEN} app web.1 - - x\n".encode())
    f = parse_message(format_frame(rec("x"), TOKEN, sd=True).split(b" ", 1)[1].decode())
    assert f.record() == rec("x")
    raw = format_frame(LogRecord("", "", "", "raw"))
    assert b"<190>1 - host app - - raw\n" in raw
    assert is_drain_token(TOKEN) and not is_drain_token("host")


def test_stream_parser_mixed_framing_byte_by_byte():
    counted = format_frames([rec("a"), rec("b c")], TOKEN, sd=True)
    plain = f"<13>1 {TS} myhost prog 12 - plain\n<13>Nov 23 10:00:00 h t: old\r\n".encode()
    stream = counted + plain + format_frame(rec("d")) + b"not syslog at all\n"
    p = OctetStreamParser()
    got: list[Frame] = []
    for i in range(len(stream)):
        got += p.feed(stream[i : i + 1])
    got += p.flush()
    msgs = [f.record().message for f in got]
    assert msgs == ["a", "b c", "plain", "old", "d", "not syslog at all"]
    assert p.take_errors() == []


def test_stream_parser_bounds():
    p = OctetStreamParser(max_frame=100)
    frames = p.feed(b"150 <" + b"x" * 49)  # `<` + 149 bytes = 150 counted
    frames += p.feed(b"x" * 100 + format_frame(rec("after")))
    assert [f.record().message for f in frames] == ["after"]
    errors = p.take_errors()
    assert len(errors) == 1 and "exceeds 100" in errors[0]
    frames = p.feed(b"y" * 250)
    assert len(frames) == 2 and all(len(f.message) == 100 for f in frames)
    assert "cut" in p.take_errors()[0]
    assert [f.message for f in p.flush()] == ["y" * 50]
    frames = p.feed(b"40 <190>1 partial")
    assert frames == [] and [f.message for f in p.flush()] == ["1 partial"]
    assert "ended inside a frame" in p.take_errors()[0]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.integers(1, 50))
def test_stream_parser_never_raises(data, step):
    p = OctetStreamParser(max_frame=64)
    for i in range(0, len(data), step):
        for f in p.feed(data[i : i + step]):
            f.record()
    p.flush()


def test_core_does_not_import_ui_or_http_libraries():
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('textual', 'httpx', 'starlette', 'uvicorn'):\n"
        "            raise ImportError('blocked: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import tuilogs.core.frames\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.booleans(),
            st.text(
                alphabet=st.characters(
                    blacklist_categories=("Cs",), blacklist_characters="\r\n\x00"
                ),
                min_size=1,
                max_size=40,
            ).filter(lambda s: s.strip() == s and s),
        ),
        max_size=15,
    ),
    st.lists(st.integers(1, 64), min_size=1, max_size=10),
)
def test_stream_parser_chunking_does_not_matter(items, cuts):
    stream = b""
    for counted, msg in items:
        if counted:
            stream += format_frame(rec(msg), TOKEN, sd=True)
        else:
            stream += f"<13>1 {TS} h prog 1 - - {msg}\n".encode()
    whole = OctetStreamParser()
    expected = whole.feed(stream) + whole.flush()
    assert [f.record().message for f in expected] == [m for _, m in items]
    p, got, pos, i = OctetStreamParser(), [], 0, 0
    while pos < len(stream):
        step = cuts[i % len(cuts)]
        got += p.feed(stream[pos : pos + step])
        pos, i = pos + step, i + 1
    assert got + p.flush() == expected


_VALID = format_frame(rec("ok 1"))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.just(_VALID),
            st.sampled_from([-2, -1, 1, 2]).map(lambda d: _with_count(_VALID, d)),
            st.just(format_frame(L10, priority=172, lf=False)),
            st.binary(max_size=12),
            st.from_regex(rb"\A[0-9]{1,8} <[0-9]{1,3}>1 ?\Z"),
        ),
        max_size=12,
    )
)
def test_never_raises_on_frame_like_bytes(chunks):
    body = b"".join(chunks)
    result = parse_logplex_body(body)
    for f in result.frames:
        f.record()
    if all(c == _VALID for c in chunks):
        assert [f.message for f in result.frames] == ["ok 1"] * len(chunks)
        assert result.errors == []


class TestWhatRealSendersSend:
    """Layouts and bodies seen from real senders, and the errors malformed ones get."""

    def test_a_named_procid_is_the_dyno_of_the_app_name_as_logplex_shows_it(self):
        cases = {
            f"<13>1 {TS} host erlang console - Hi": rec("Hi", "console", "erlang"),
            f"<13>1 {TS} myhost erlang console - - Hi": rec("Hi", "console", "erlang"),
            f"<13>1 {TS} {TOKEN} worker web.2 - - up": rec("up", "web.2", "worker"),
            "<13>Nov 23 10:00:00 box erlang[console]: Hi": "erlang[console]",
            # a numeric or nil procid: plain syslog senders (`logger -t web.7`) as today
            f"<13>1 {TS} host web.7 - - - up": rec("up", "web.7"),
            f"<13>1 {TS} host web.7 4242 - - up": rec("up", "web.7.4242"),
            # neither a number nor a name: dropped, as today
            f"<13>1 {TS} host prog 9f-3 - - x": rec("x", "prog"),
            # an app-name that could not be read back as a source stays the dyno
            f"<13>1 {TS} host a+b console - - x": rec("x", "a+b"),
            f"<13>1 {TS} host - console - - x": rec("x", "syslog"),
        }
        for line, expected in cases.items():
            got = parse_message(line).record()
            if isinstance(expected, str):
                assert f"{got.source}[{got.dyno}]" == expected, line
            else:
                assert got == expected, line

    def test_named_layout_reads_back_from_its_text(self):
        r = parse_message(f"<13>1 {TS} host erlang console - Hi").record()
        assert r.line() == f"{TS} erlang[console]: Hi"
        assert parse_line(r.line()) == r

    def test_structured_data_only_gets_no_trailing_space(self):
        for text in (
            f'<13>1 {TS} h prog 1 - [ex@1 k="v"]',
            f'<13>1 {TS} h prog 1 - [ex@1 k="v"] ',
            f'<13>1 {TS} h prog 1 - [ex@1 k="v"][meta sequenceId="4"]\n',
        ):
            assert parse_message(text).record().message == '[ex@1 k="v"]', text

    def test_version_may_have_three_digits(self):
        for version in ("1", "12", "123"):
            r = parse_message(f"<13>{version} {TS} h prog 1 - - hi").record()
            assert (r.dyno, r.message) == ("prog.1", "hi"), version

    @pytest.mark.parametrize(
        "between",
        [b"\n", b"\n\n", b"\r\n", b"\r\n\r\n", b"  \n\t\n", b"\n \n"],
        ids=["lf", "blank-line", "crlf", "blank-crlf", "spaces", "lf-space-lf"],
    )
    def test_stray_line_feeds_and_blank_lines_between_frames_are_not_errors(self, between):
        frames = [format_frame(rec(f"m{i}")) for i in range(3)]
        injected = format_frame(L10, priority=172, lf=False)
        for body in (
            between.join(frames),
            between + between.join(frames) + between,
            frames[0] + injected + between + frames[1],
        ):
            result = parse_logplex_body(body)
            assert result.errors == [] and result.warnings == [], body
            assert [f.message for f in result.frames if f.procid != "logplex"] == (
                ["m0", "m1", "m2"] if injected not in body else ["m0", "m1"]
            )

    @pytest.mark.parametrize(
        "body, error",
        [
            (b"999 hello", "offset 0: octet count 999 but only 5 bytes follow"),
            (b"5 hello", "offset 0: frame does not start with <PRI>: b'hello'"),
            (b"5 hello world", "offset 0: frame does not start with <PRI>: b'hello world'"),
            (b"hello", "offset 0: expected an octet count, got b'hello'"),
            (b"999 <13>1 short", "offset 0: octet count 999 but only 11 bytes follow; took 11"),
        ],
    )
    def test_malformed_frames_say_precisely_what_was_wrong(self, body, error):
        result = parse_logplex_body(body)
        assert len(result.errors) == 1 and result.errors[0].startswith(error), result.errors
        assert result.frames, "the bytes are kept as a line all the same"

    def test_bytes_after_a_frame_are_named_with_their_offset(self):
        good = format_frame(rec("one"))
        result = parse_logplex_body(good + b"3 abcjunk")
        assert result.errors == [
            f"offset {len(good)}: 9 bytes after a frame start no frame: b'3 abcjunk'"
        ]
        assert [f.message for f in result.frames] == ["one", "3 abcjunk"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from([b"", b"\n", b"\r\n", b"\n\n", b" \n"]), min_size=5, max_size=5),
    st.booleans(),
)
def test_separators_anywhere_between_frames_change_nothing(seps, without_lf):
    frames = [_with_count(format_frame(rec(f"m{i}")), 0, without_lf) for i in range(4)]
    body = seps[0] + b"".join(f + sep for f, sep in zip(frames, seps[1:], strict=True))
    result = parse_logplex_body(body)
    assert [f.message for f in result.frames] == ["m0", "m1", "m2", "m3"]
    assert result.errors == [] and result.warnings == []


def test_uncounted_lines_end_at_lf_only():
    """A NEL, U+2028 or lone CR inside an uncounted line does not make a line of its own."""
    body = f"<13>1 {TS} h prog 1 - - a\u2028b\x85c\rd\r\nnext\n".encode()
    result = parse_logplex_body(body)
    assert [f.message for f in result.frames] == ["a\u2028b\x85c\rd", "next"]
