"""Edges of the line format: a fraction that ends the timestamp, a date alone, the process type
of a dyno name with more than one dot, timestamps that are not quite ISO 8601, and a raw line's
empty header."""

from datetime import datetime

import pytest

from tuilogs.core.record import LogRecord, parse_line, parse_timestamp, process_type


def test_a_fraction_may_end_the_timestamp():
    assert parse_timestamp("2022-12-28T19:08:23.5") == datetime(2022, 12, 28, 19, 8, 23, 500000)
    assert parse_timestamp("2022-12-28T19:08:23.123") == datetime(2022, 12, 28, 19, 8, 23, 123000)
    assert parse_timestamp("2022-12-28") == datetime(2022, 12, 28)


@pytest.mark.parametrize("text", ["", "Z", "2022-12-28T19:08:23.5x", "2022-13-28T19:08:23Z"])
def test_not_a_timestamp(text):
    assert parse_timestamp(text) is None


def test_the_process_type_is_the_name_before_the_first_dot():
    assert process_type("web.1.2") == "web"
    assert process_type("web-1.2") == "web-1"


def test_a_raw_line_has_no_header():
    raw = parse_line("no header here")
    assert raw.header() == "" and raw.line() == "no header here"
    assert LogRecord("T", "app", "web.1", "m").header() == "T app[web.1]:"


def test_only_the_line_break_is_taken_off_the_end():
    assert parse_line("2024-01-01T00:00:00Z app[web.1]: maX  \r\n").message == "maX  "
    assert parse_line("\nraw\n").message == "\nraw"
