"""gzip, bz2 and xz read as text: every format, known by its bytes, damage said and survived."""

from __future__ import annotations

import bz2
import gzip
import lzma
import time
import zlib

import pytest

from tuilogs.core.buffer import LogBuffer
from tuilogs.core.ingest.compressed import (
    BLOCK_BYTES,
    READ_BYTES,
    CompressedReader,
    compression_of,
    file_producer,
)
from tuilogs.core.ingest.feed import Feed
from tuilogs.core.status import State

from kit.files import SAMPLE

PACK = {"gzip": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}


def read(path, **kw):
    """(buffer, feed): a file loaded as the explorer loads it (compressed or not)."""
    buffer, feed = LogBuffer(), Feed()
    feed.painted.set()
    producer = file_producer(path, feed, buffer.origins, follow=False, **kw)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        feed.drain(buffer)
        if feed.status.final or feed.status.state is State.LOADED and feed.empty():
            break
        time.sleep(0.005)
    feed.drain(buffer)
    producer.stop()
    return buffer, feed


def lines_of(buffer):
    return buffer.raw_lines(0, len(buffer))


@pytest.mark.parametrize("kind", ["gzip", "bz2", "xz"])
def test_every_format_reads_as_the_plain_file(tmp_path, kind):
    packed = tmp_path / f"sample.log.{kind}"
    packed.write_bytes(PACK[kind](SAMPLE.read_bytes()))
    buffer, feed = read(packed)
    assert lines_of(buffer) == SAMPLE.read_bytes().split(b"\n")[:-1]
    assert feed.status.state is State.LOADED and not buffer.notes
    labels = {buffer.origin(i).label for i in range(len(buffer))}
    assert "heroku[router]" in labels  # parsed like any file: filters work


def test_the_bytes_decide_not_the_name(tmp_path):
    disguised = tmp_path / "app.log"  # gzip, without the extension
    disguised.write_bytes(gzip.compress(b"2026-01-01T00:00:00+00:00 app[web.1]: hi\n"))
    plain = tmp_path / "notes.log.gz"  # plain text, with it
    plain.write_bytes(b"2026-01-01T00:00:00+00:00 app[web.1]: plain\n")
    assert (compression_of(disguised), compression_of(plain)) == ("gzip", None)
    assert lines_of(read(disguised)[0]) == [b"2026-01-01T00:00:00+00:00 app[web.1]: hi"]
    assert lines_of(read(plain)[0]) == [b"2026-01-01T00:00:00+00:00 app[web.1]: plain"]
    bz, xz = tmp_path / "b", tmp_path / "x"
    bz.write_bytes(bz2.compress(b"x\n"))
    xz.write_bytes(lzma.compress(b"x\n"))
    assert (compression_of(bz), compression_of(xz)) == ("bz2", "xz")


def test_a_truncated_archive_keeps_what_was_read_and_says_so(tmp_path):
    text = b"".join(b"2026-01-01T00:00:00+00:00 app[web.1]: line %d\n" % i for i in range(50_000))
    cut = tmp_path / "cut.log.gz"
    whole = gzip.compress(text)
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    buffer, feed = read(cut)
    lines = lines_of(buffer)
    assert 1_000 < len(lines) < 50_000
    assert lines[:-1] == text.split(b"\n")[: len(lines) - 1]  # what came out, unchanged
    held = zlib.decompressobj(wbits=31).decompress(cut.read_bytes())  # all that is left
    assert len(held) - sum(map(len, lines)) - len(lines) < READ_BYTES  # nearly all of it
    assert feed.status.state is State.LOADED
    (note,) = buffer.notes
    assert note.startswith("cut.log.gz: gzip archive is corrupt or truncated (")
    assert f"showing the {len(lines):,} lines" in note


def test_a_corrupt_block_keeps_the_blocks_before_it(tmp_path):
    """bz2 compresses ~900 KB blocks (~18,000 of these lines): damage in the fourth keeps
    the three before it (what the damaged block gave before its checksum failed may be
    garbage: shown as it came, like any line)."""
    text = b"".join(b"2026-01-01T00:00:00+00:00 app[web.1]: line %d\n" % i for i in range(60_000))
    data = bytearray(bz2.compress(text))
    data[len(data) * 3 // 4] ^= 0xFF
    bad = tmp_path / "bad.log.bz2"
    bad.write_bytes(bytes(data))
    buffer, feed = read(bad)
    lines = lines_of(buffer)
    assert 30_000 < len(lines) < 60_000
    assert lines[:30_000] == text.split(b"\n")[:30_000]
    assert feed.status.state is State.LOADED
    assert buffer.notes == [
        f"bad.log.bz2: bz2 archive is corrupt or truncated (Invalid data stream); "
        f"showing the {len(lines):,} lines read before the damage"
    ]


def test_nothing_readable_is_a_failure_with_the_reason(tmp_path):
    junk = tmp_path / "junk.gz"
    junk.write_bytes(b"\x1f\x8b" + b"not really gzip" * 10)
    _, feed = read(junk)
    assert feed.status.failed and feed.status.detail.startswith("junk.gz: cannot read it: ")


def test_concatenated_members_and_a_last_line_without_newline(tmp_path):
    two = tmp_path / "two.gz"
    two.write_bytes(gzip.compress(b"first\n") + gzip.compress(b"second\nno newline"))
    assert lines_of(read(two)[0]) == [b"first", b"second", b"no newline"]


def test_decompressed_a_megabyte_at_a_time(tmp_path):
    """Never held whole: a 6 MB file arrives in several batches, all read once, not followed."""
    text = b"".join(b"2026-01-01T00:00:00+00:00 app[web.1]: %08d\n" % i for i in range(150_000))
    assert len(text) > 5 * BLOCK_BYTES
    packed = tmp_path / "big.log.xz"
    packed.write_bytes(lzma.compress(text))
    buffer, feed = LogBuffer(), Feed()
    reader = CompressedReader(packed, "xz", feed, buffer.origins).start()
    reader.join(20)
    batches = 0
    while not feed.empty():
        batches += 1
        feed.drain(buffer, limit=1)
    assert batches > 5 and len(buffer) == 150_000
    assert feed.status.state is State.LOADED
