"""Syslog message fields in detail: what a non-syslog line becomes, structured data kept or
dropped, line ends, BSD timestamps (no year: the current one, or last year's for a date just
ahead), and the cap on a body's error list."""

from datetime import datetime, timedelta

from tuilogs.core.frames import Frame, format_frame, format_frames, parse_message
from tuilogs.core.octet_counting import parse_logplex_body
from tuilogs.core.record import LogRecord

TS = "2026-11-23T19:04:05Z"


def test_a_line_that_is_not_syslog_is_kept_whole_with_empty_fields():
    assert parse_message("just text\n") == Frame(-1, "", "", "", "", "", "just text")
    assert parse_message("just text\r\n").message == "just text"


def test_structured_data_is_kept_except_registered_metadata():
    f = parse_message(f'<13>1 {TS} myhost prog 42 - [a x="1"][timeQuality tz="1"][b y="2"] msg')
    assert (f.message, f.structured_data) == ("msg", '[a x="1"][b y="2"]')
    assert f.record() == LogRecord(TS, "app", "prog.42", '[a x="1"][b y="2"] msg')


def test_a_message_that_only_starts_with_a_bracket_is_not_structured_data():
    f = parse_message(f"<13>1 {TS} myhost prog 42 - [not sd] msg")
    assert (f.message, f.structured_data) == ("[not sd] msg", "")


def test_bsd_line_ends_are_stripped_one_at_a_time():
    for end, message in [("\r\n", "hello"), ("\n", "hello"), ("\r", "hello"), ("", "hello")]:
        assert parse_message(f"<13>Nov 23 19:04:05 myhost prog[42]: hello{end}").message == message
    assert parse_message("<13>Nov 23 19:04:05 myhost prog[42]: a\n\n").message == "a\n"


def bsd(when: datetime) -> datetime:
    """The timestamp parse_message gives a BSD line written at local time `when`."""
    stamp = f"{when:%b} {when.day:>2} {when:%H:%M:%S}"
    text = parse_message(f"<13>{stamp} myhost prog: hi").timestamp
    return datetime.fromisoformat(text).astimezone().replace(tzinfo=None)


def test_bsd_timestamps_take_this_year_unless_that_is_days_ahead():
    now = datetime.now().replace(microsecond=0)
    soon = now + timedelta(days=1, hours=12)  # a clock slightly ahead: still this year
    if soon.year == now.year:
        assert bsd(soon) == soon
    ahead = now + timedelta(days=2, hours=12)  # "Dec 31" read on Jan 1st: last year's
    if ahead.year == now.year:
        assert bsd(ahead) == ahead.replace(year=now.year - 1)
    past = now - timedelta(days=40, hours=3, minutes=7, seconds=11)
    if past.year == now.year:
        assert bsd(past) == past


def test_bsd_dates_that_do_not_exist_have_no_timestamp():
    for stamp in ("Xyz 23 19:04:05", "Feb 30 19:04:05", "Nov 23 25:04:05"):
        assert parse_message(f"<13>{stamp} myhost prog[42]: hello").timestamp == "-", stamp


def test_a_body_lists_at_most_fifty_errors_then_counts_the_rest():
    rec = LogRecord(TS, "app", "web.1", "f")
    body = b"".join(b"garbage %d\n" % i + format_frames([rec]) for i in range(55))
    result = parse_logplex_body(body)
    assert len(result.frames) == 110
    assert result.errors[0] == (
        "offset 0: expected an octet count, got b'garbage 0\\n47 <190>1 '; read 10 bytes as lines"
    )
    assert len(result.errors) == 51 and result.errors[-1] == "... and 5 more errors"


def test_format_frames_writes_the_host_and_the_sd_field_as_asked():
    rec = LogRecord(TS, "app", "web.1", "m")
    assert format_frames([rec]) == b"47 <190>1 2026-11-23T19:04:05Z host app web.1 - m\n"
    assert b" tok app web.1 - - m\n" in format_frames([rec], "tok", sd=True)


def test_separators_before_the_first_frame_are_skipped_quietly():
    rec = LogRecord(TS, "app", "web.1", "m")
    result = parse_logplex_body(b"\r\n " + format_frames([rec]))
    assert [f.record() for f in result.frames] == [rec] and result.errors == []


def test_format_frame_fills_what_a_frame_cannot_carry():
    def frame(**fields) -> bytes:
        rec = LogRecord(
            **{"timestamp": TS, "source": "app", "dyno": "web.1", "message": "m"} | fields
        )
        return format_frames([rec])

    assert b" - host app web.1 - m\n" in frame(timestamp="")
    assert b" - host app web.1 - m\n" in frame(timestamp="not a time")
    assert b" host app web_1 - m\n" in frame(dyno="web 1")
    assert frame(message="bad \ud800 surrogate").endswith(b" - bad ? surrogate\n")
    assert format_frame(LogRecord(TS, "app", "web.1", "m"), lf=False).endswith(b" - m")
