"""The syslog stream parser on one stream that mixes every framing it meets, fed at once and
byte by byte: separators between messages, digits that are not counts, counted frames,
a frame over the size limit (skipped) and a line over it (cut when it has to be), with errors
naming their offset in the whole stream."""

from tuilogs.core.octet_counting import OctetStreamParser

PREFIX = (
    b"\n\r \x00"  # separators before anything
    + b"12345 apples\n"  # digits and a space, but no `<`: a line
    + b"1234567890123 long number\n"  # digits longer than any count: a line
    + b"9 nine\n"
    + b"\x00\x00"
    + b"7 <13>hi\n"  # a counted frame holding only a priority
    + b"plain line\r\n"
)
OVERSIZED = b"45 <" + b"y" * 44  # counts 45 bytes: over a max_frame of 40
STREAM = PREFIX + OVERSIZED + b"ok\n" + b"z" * 50 + b"\n" + b"123"
MESSAGES = ["12345 apples", "1234567890123 long number", "9 nine", "hi", "plain line", "ok"]
SKIPPED = f"offset {len(PREFIX)}: frame of 45 bytes exceeds 40; skipped"


def parse(chunks: list[bytes]) -> tuple[list[tuple[str, str]], list[str]]:
    parser = OctetStreamParser(max_frame=40)
    frames = [f for chunk in chunks for f in parser.feed(chunk)]
    errors = parser.take_errors()
    frames += parser.flush()
    return [(f.app_name, f.message) for f in frames], errors + parser.take_errors()


def test_fed_at_once():
    frames, errors = parse([STREAM])
    assert [m for _, m in frames] == [*MESSAGES, "z" * 50, "123"]
    assert frames[3] == ("", "hi") and errors == [SKIPPED]


def test_fed_byte_by_byte_a_line_over_the_limit_is_cut_where_it_reaches_it():
    frames, errors = parse([STREAM[i : i + 1] for i in range(len(STREAM))])
    assert [m for _, m in frames] == [*MESSAGES, "z" * 40, "z" * 10, "123"]
    cut_at = len(PREFIX) + len(OVERSIZED) + len(b"ok\n")
    assert errors == [SKIPPED, f"offset {cut_at}: line longer than 40 bytes; cut"]


def test_an_oversized_frame_split_over_feeds_is_skipped_to_its_end():
    parser = OctetStreamParser(max_frame=40)
    assert [f.message for f in parser.feed(b"ok\n" + OVERSIZED[:10])] == ["ok"]
    assert parser.feed(OVERSIZED[10:30]) == []
    frames = parser.feed(OVERSIZED[30:] + b"after\n")
    assert [f.message for f in frames] == ["after"]
    assert parser.take_errors() == ["offset 3: frame of 45 bytes exceeds 40; skipped"]


def test_a_count_waits_for_the_byte_after_its_space():
    parser = OctetStreamParser()
    assert parser.feed(b"1234567") == [] and parser.feed(b" ") == []
    assert [f.message for f in parser.feed(b"x\n")] == ["1234567 x"]
    assert [f.message for f in parser.feed(b"8 <13>abc\n")] == ["abc"]


def test_a_count_has_at_most_eight_digits_so_longer_numbers_before_a_frame_are_lines():
    parser = OctetStreamParser()
    stream = b"123456789 <13>nine digits\n1234567890 <13>ten digits\n"
    assert [f.message for f in parser.feed(stream)] == [
        "123456789 <13>nine digits",
        "1234567890 <13>ten digits",
    ]
    assert parser.take_errors() == []


def test_the_count_is_the_digits_before_the_first_space():
    parser = OctetStreamParser()
    frames = parser.feed(b"6 <13>a b\n")  # 6 bytes counted: `<13>a `, then a line `b`
    assert [f.message for f in frames] == ["a ", "b"]


def test_a_frame_that_ends_with_the_data_is_given_at_once():
    parser = OctetStreamParser()
    assert [f.message for f in parser.feed(b"5 <13>x")] == ["x"]
    assert [f.message for f in parser.feed(b"1 <")] == ["<"]  # one byte, not a syslog header
    assert parser.flush() == [] and parser.take_errors() == []


def test_a_line_cut_inside_a_feed_is_named_by_its_offset_in_the_stream():
    parser = OctetStreamParser(max_frame=10)
    frames = parser.feed(b"ok\n" + b"a" * 15)
    assert [f.message for f in frames] == ["ok", "a" * 10]
    assert parser.take_errors() == ["offset 3: line longer than 10 bytes; cut"]
    parser.feed(b"\nnext " + b"b" * 12)
    assert parser.take_errors() == ["offset 19: line longer than 10 bytes; cut"]
